#include "actors/solver.hpp"

#include "actors/item_stage_behavior.hpp"
#include "core/llm_output.hpp"
#include "text/grouping.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>

namespace kpsynth {

void apply_consensus(item_record& x, const config::consensus_config& cfg,
                     uint32_t samples) {
  if (x.status != item_status::in_flight || x.solutions.empty())
    return;
  std::vector<std::string> answers;
  for (auto& s : x.solutions)
    answers.push_back(s.answer);
  text::equiv_options opts;
  opts.budget =
    std::chrono::microseconds{static_cast<int64_t>(cfg.budget_ms * 1000)};
  auto groups = text::group_answers(answers, opts);
  auto* top = groups.majority();
  if (top == nullptr || top->members.empty()) {
    x.status = item_status::failed;
    x.why = {"solve", "no_answer", "no solution states a final answer"};
    return;
  }
  x.consensus_answer = top->representative;
  x.consensus_share = groups.majority_share;
  // The first solution is the one the judges read: make it a majority one.
  std::swap(x.solutions.front(), x.solutions.at(top->members.front()));
  if (samples > 1 && x.consensus_share < cfg.min_share) {
    x.status = item_status::rejected;
    x.why = {"solve", "no_consensus",
             fmt::format("only {:.0f}% of {} solutions agree on '{}'",
                         100 * x.consensus_share, x.solutions.size(),
                         x.consensus_answer)};
  }
}

item_stage_actor::behavior_type
solver(item_stage_actor::stateful_pointer<solver_state> self, context_ptr ctx,
       stage_spec spec, model_pool_actor pool,
       consumer_actor<item_record> downstream) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  auto& core = st.core;
  core.wire(std::move(spec), std::move(pool), std::move(downstream));
  core.hooks.shortcut = pass_finished;
  core.hooks.make_call = [self](const item_record& x) -> result<llm_call> {
    auto& c = *self->state.ctx;
    auto& spec = self->state.core.spec;
    auto& sc = spec.settings;
    auto call =
      render_call(c, "solve", {{"problem", x.problem}}, spec.name, &sc);
    if (call) {
      call->n = std::max<uint32_t>(1, sc.samples);
      // Seeded per item: reruns after a crash ask for the same samples.
      call->has_seed = true;
      call->seed = std::hash<std::string>{}(x.id);
    }
    return call;
  };
  core.hooks.finish = [self](item_record&& x, const llm_reply* reply,
                             const error_info* err) {
    auto& spec = self->state.core.spec;
    if (reply == nullptr) {
      mark_failed(x, spec.name, *err);
      return std::move(x);
    }
    x.trace.push_back(trace_of(spec.name, *reply));
    std::string first_error;
    for (auto& text : reply->texts) {
      auto parsed = core::parse_solution(text);
      if (!parsed) {
        if (first_error.empty())
          first_error = parsed.error().to_string();
        continue;
      }
      x.solutions.push_back(solution{std::move(parsed->text),
                                     std::move(parsed->answer),
                                     spec.settings.model});
    }
    if (x.solutions.empty())
      mark_failed(x, spec.name,
                  error_info{ec::bad_output,
                             fmt::format("none of {} solution(s) usable: {}",
                                         reply->texts.size(), first_error),
                             -1});
    return std::move(x);
  };
  // Consensus compares answers symbolically under a time budget: blocking
  // work, so it runs on the stage's own detached worker.
  core.worker = spawn_blocking_worker(self);
  core.hooks.blocking = [cfg = st.ctx->cfg.consensus,
                         samples = core.spec.settings.samples](item_record& x) {
    apply_consensus(x, cfg, samples);
  };
  core.hooks.blocking_failed = [name = core.spec.name](item_record& x,
                                                       const error_info& e) {
    mark_failed(x, name, e);
  };
  core.start(self);
  return item_stage_behavior(self);
}

} // namespace kpsynth
