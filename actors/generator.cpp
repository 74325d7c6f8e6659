#include "actors/generator.hpp"

#include "actors/item_stage_behavior.hpp"
#include "core/llm_output.hpp"

#include <caf/typed_event_based_actor.hpp>

namespace kpsynth {

item_stage_actor::behavior_type
generator(item_stage_actor::stateful_pointer<generator_state> self,
          context_ptr ctx, stage_spec spec, model_pool_actor pool,
          consumer_actor<item_record> downstream) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  auto& core = st.core;
  core.wire(std::move(spec), std::move(pool), std::move(downstream));
  core.hooks.shortcut = pass_finished;
  core.hooks.make_call = [self](const item_record& x) {
    auto& c = *self->state.ctx;
    auto& spec = self->state.core.spec;
    return render_call(c, "generate",
                       {{"knowledge_points", numbered(x.origin.points)},
                        {"count", std::to_string(x.origin.points.size())}},
                       spec.name, &spec.settings);
  };
  core.hooks.finish = [self](item_record&& x, const llm_reply* reply,
                             const error_info* err) {
    auto& name = self->state.core.spec.name;
    if (reply == nullptr) {
      mark_failed(x, name, *err);
      return std::move(x);
    }
    x.trace.push_back(trace_of(name, *reply));
    auto problem = core::parse_generated_problem(reply->texts.at(0));
    if (!problem) {
      mark_failed(x, name,
                  error_info{ec::bad_output, problem.error().to_string(), -1});
      return std::move(x);
    }
    x.problem = std::move(*problem);
    return std::move(x);
  };
  core.start(self);
  return item_stage_behavior(self);
}

} // namespace kpsynth
