#include "actors/panel.hpp"

#include "actors/item_stage_behavior.hpp"
#include "protocols/errors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace kpsynth {

void decide(item_record& x, const panel_rule& rule) {
  double weighted = 0;
  double weights = 0;
  std::size_t votes = 0;
  std::string veto;
  std::string program_veto;
  for (auto& v : x.verdicts) {
    if (v.abstained)
      continue;
    ++votes;
    weighted += v.weight * v.problem_score;
    weights += v.weight;
    if (!v.solution_ok && veto.empty())
      veto = v.judge;
    if (v.program_judged && !v.program_ok && program_veto.empty())
      program_veto = v.judge;
  }
  if (votes == 0) {
    x.status = item_status::failed;
    x.why = {"judge", "no_vote", "no judge of the panel could vote"};
    return;
  }
  x.problem_score = weighted / weights;
  if (x.problem_score < rule.threshold) {
    x.status = item_status::rejected;
    x.why = {"judge", "low_score",
             fmt::format("weighted problem score {:.3f} < {:.2f}",
                         x.problem_score, rule.threshold)};
  } else if (!veto.empty()) {
    x.status = item_status::rejected;
    x.why = {"judge", "solution_veto",
             fmt::format("judge '{}' rejected the solution", veto)};
  } else if (!program_veto.empty()) {
    x.status = item_status::rejected;
    x.why = {"judge", "program_veto",
             fmt::format("judge '{}' found that the program does not match "
                         "the problem",
                         program_veto)};
  } else {
    x.status = item_status::accepted;
  }
}

namespace {

using self_ptr = panel_actor::stateful_pointer<panel_state>;

} // namespace

stage_status panel_state::status() const {
  stage_status s;
  s.name = spec.name;
  s.kind = spec.kind;
  s.inflight = judging.size();
  s.ready = out.ready.size();
  s.in = in.total;
  s.out = out.sent;
  s.failed = failed;
  s.upstream_done = in.upstream_done;
  s.done = out.done_sent;
  return s;
}

namespace {

void pump(self_ptr self) {
  auto& st = self->state;
  if (auto batch = st.out.take(); !batch.empty())
    self->send(st.downstream, atom::push_v, std::move(batch));
  if (st.upstream) {
    auto held = st.judging.size() + st.out.ready.size();
    if (auto n = st.in.to_pull(held); n > 0)
      self->send(st.upstream, atom::pull_v, n);
  }
  if (st.in.upstream_done && st.judging.empty() && st.out.ready.empty()
      && !st.out.done_sent) {
    st.out.done_sent = true;
    self->send(st.downstream, atom::done_v);
  }
}

void finish(self_ptr self, uint64_t id) {
  auto& st = self->state;
  auto i = st.judging.find(id);
  if (i == st.judging.end() || --i->second.outstanding > 0)
    return;
  auto& x = i->second.item;
  for (auto& v : x.verdicts)
    x.trace.insert(x.trace.end(), v.trace.begin(), v.trace.end());
  decide(x, st.rule);
  st.failed += x.status == item_status::failed ? 1 : 0;
  st.out.ready.push_back(std::move(x));
  st.judging.erase(i);
  pump(self);
}

void judge_item(self_ptr self, item_record x) {
  auto& st = self->state;
  if (x.status != item_status::in_flight || st.members.empty()) {
    if (x.status == item_status::in_flight) {
      x.status = item_status::failed;
      x.why = {"judge", "no_panel", "the judge panel is empty"};
      ++st.failed;
    }
    st.out.ready.push_back(std::move(x));
    return;
  }
  auto id = st.next_id++;
  auto& p = st.judging[id];
  p.item = std::move(x);
  p.outstanding = st.members.size();
  // Judges own their deadlines through their pools; this timeout only
  // guards against a judge actor that died.
  auto timeout = std::chrono::milliseconds{
    static_cast<int64_t>(st.ctx->cfg.models.begin()->second.request_timeout_ms)
    * 4};
  for (auto& m : st.members) {
    auto name = m.name;
    auto weight = m.weight;
    self->request(m.handle, timeout, atom::judge_v, p.item)
      .then(
        [self, id](verdict& v) {
          if (auto i = self->state.judging.find(id);
              i != self->state.judging.end())
            i->second.item.verdicts.push_back(std::move(v));
          finish(self, id);
        },
        [self, id, name, weight](caf::error& err) {
          if (auto i = self->state.judging.find(id);
              i != self->state.judging.end()) {
            verdict v;
            v.judge = name;
            v.weight = weight;
            v.abstained = true;
            v.note = decode_error(err).message;
            i->second.item.verdicts.push_back(std::move(v));
          }
          finish(self, id);
        });
  }
}

} // namespace

panel_actor::behavior_type
panel(panel_actor::stateful_pointer<panel_state> self, context_ptr ctx,
      stage_spec spec, std::vector<panel_member> members,
      consumer_actor<item_record> downstream) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.spec = std::move(spec);
  st.rule.threshold = st.ctx->cfg.run.accept_threshold;
  st.members = std::move(members);
  st.downstream = std::move(downstream);
  st.bound = st.spec.settings.queue;
  st.in.bound = st.bound * 2;
  self->send(st.downstream, atom::attach_v, producer_actor{self});
  return own_stage_behavior<panel_actor>(
    self, judge_item, pump,
    // Replaces the judge panel while the pipeline runs.
    [=](atom::panel, std::vector<panel_member>& members) -> uint32_t {
      spdlog::info("panel: now {} judge(s)", members.size());
      self->state.members = std::move(members);
      return static_cast<uint32_t>(self->state.members.size());
    });
}

} // namespace kpsynth
