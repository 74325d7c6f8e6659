#include "actors/verifier.hpp"

#include "actors/blocking_worker.hpp"
#include "actors/item_stage_behavior.hpp"
#include "protocols/errors.hpp"
#include "text/equivalence.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>

namespace kpsynth {

void judge_program_output(item_record& x, const program_run& run,
                          double budget_ms) {
  x.program_output = run.output;
  if (run.outcome != "ok") {
    x.status = item_status::rejected;
    x.why = {"verify", "program_failed",
             fmt::format("program ended with {}{}", run.outcome,
                         run.detail.empty() ? "" : ": " + run.detail)};
    return;
  }
  // The answer is the last non-empty line the program printed.
  std::string_view out = run.output;
  while (!out.empty()
         && (out.back() == '\n' || out.back() == ' ' || out.back() == '\r'))
    out.remove_suffix(1);
  auto nl = out.rfind('\n');
  auto line = out.substr(nl == out.npos ? 0 : nl + 1);
  if (line.empty()) {
    x.status = item_status::rejected;
    x.why = {"verify", "program_silent", "the program printed nothing"};
    return;
  }
  text::equiv_options opts;
  opts.budget =
    std::chrono::microseconds{static_cast<int64_t>(budget_ms * 1000)};
  auto r = text::equivalent(line, x.consensus_answer, opts);
  x.program_agrees = r.verdict == text::verdict_kind::equal;
  if (!x.program_agrees) {
    x.status = item_status::rejected;
    x.why = {"verify", "program_disagrees",
             fmt::format("program printed '{}' but the answer is '{}' ({})",
                         line, x.consensus_answer, r.reason)};
  }
}

namespace {

using self_ptr = item_stage_actor::stateful_pointer<verifier_state>;

void pump(self_ptr self);

/// Books a judged (or failed) item; it stopped counting as running.
void book(self_ptr self, std::shared_ptr<item_record> item) {
  auto& s = self->state;
  --s.running;
  if (item->status == item_status::failed)
    ++s.failed;
  s.out.ready.push_back(std::move(*item));
  pump(self);
}

/// Compares the program's output with the consensus answer -- symbolic
/// equivalence, blocking work -- on the stage's detached worker.
void judge_on_worker(self_ptr self, std::shared_ptr<item_record> item,
                     program_run run) {
  auto budget = self->state.ctx->cfg.consensus.budget_ms;
  offload(
    self, self->state.worker, blocking_timeout,
    [item, run = std::move(run), budget] {
      judge_program_output(*item, run, budget);
    },
    [self, item] { book(self, item); },
    [self, item](caf::error& err) {
      item->status = item_status::failed;
      item->why = {"verify", "judge_error", decode_error(err).message};
      book(self, item);
    });
}

void start(self_ptr self, item_record x) {
  auto& st = self->state;
  auto& w = st.workers[st.next_worker++ % st.workers.size()];
  ++st.running;
  auto timeout = std::chrono::milliseconds{
    static_cast<int64_t>(st.ctx->cfg.verify.wall_seconds * 1000) + 30'000};
  auto item = std::make_shared<item_record>(std::move(x));
  auto program = item->program;
  self->request(w, timeout, atom::run_v, std::move(program))
    .then([self, item](
            program_run& run) { judge_on_worker(self, item, std::move(run)); },
          [self, item](caf::error& err) {
            item->status = item_status::failed;
            item->why = {"verify", "sandbox_error", decode_error(err).message};
            book(self, item);
          });
}

void pump(self_ptr self) {
  auto& st = self->state;
  auto capacity = static_cast<uint32_t>(st.workers.size());
  while (!st.waiting.empty() && st.running < capacity) {
    auto x = std::move(st.waiting.front());
    st.waiting.pop_front();
    start(self, std::move(x));
  }
  if (auto batch = st.out.take(); !batch.empty())
    self->send(st.downstream, atom::push_v, std::move(batch));
  auto held = st.waiting.size() + st.running + st.out.ready.size();
  if (st.upstream)
    if (auto n = st.in.to_pull(held); n > 0)
      self->send(st.upstream, atom::pull_v, n);
  if (st.in.upstream_done && held == 0 && !st.out.done_sent) {
    st.out.done_sent = true;
    self->send(st.downstream, atom::done_v);
  }
}

} // namespace

stage_status verifier_state::status() const {
  stage_status s;
  s.name = spec.name;
  s.kind = spec.kind;
  s.queued = waiting.size();
  s.inflight = running;
  s.ready = out.ready.size();
  s.in = in.total;
  s.out = out.sent;
  s.failed = failed;
  s.upstream_done = in.upstream_done;
  s.done = out.done_sent;
  return s;
}

item_stage_actor::behavior_type
verifier(item_stage_actor::stateful_pointer<verifier_state> self,
         context_ptr ctx, stage_spec spec,
         std::vector<sandbox_worker_actor> workers,
         consumer_actor<item_record> downstream) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.spec = std::move(spec);
  st.workers = std::move(workers);
  st.worker = spawn_blocking_worker(self);
  st.downstream = std::move(downstream);
  st.in.bound = static_cast<uint32_t>(st.workers.size()) * 4;
  self->send(st.downstream, atom::attach_v, producer_actor{self});
  auto admit = [](self_ptr self, item_record x) {
    auto& s = self->state;
    if (x.status != item_status::in_flight)
      s.out.ready.push_back(std::move(x));
    else
      s.waiting.push_back(std::move(x));
  };
  return own_stage_behavior<item_stage_actor>(
    self, admit, pump,
    // This stage makes no LLM calls; it never asks for credit.
    [](atom::credit, const std::string&, uint32_t) {});
}

} // namespace kpsynth
