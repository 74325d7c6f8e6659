#include "actors/programmer.hpp"

#include "actors/item_stage_behavior.hpp"
#include "core/llm_output.hpp"

#include <caf/typed_event_based_actor.hpp>

namespace kpsynth {

item_stage_actor::behavior_type
programmer(item_stage_actor::stateful_pointer<programmer_state> self,
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
    return render_call(c, "program", {{"problem", x.problem}}, spec.name,
                       &spec.settings);
  };
  core.hooks.finish = [self](item_record&& x, const llm_reply* reply,
                             const error_info* err) {
    auto& name = self->state.core.spec.name;
    if (reply == nullptr) {
      mark_failed(x, name, *err);
      return std::move(x);
    }
    x.trace.push_back(trace_of(name, *reply));
    auto code = core::parse_program(reply->texts.at(0));
    if (!code) {
      x.status = item_status::rejected;
      x.why = {name, "bad_output", code.error().to_string()};
      return std::move(x);
    }
    x.program = std::move(*code);
    return std::move(x);
  };
  core.start(self);
  return item_stage_behavior(self);
}

} // namespace kpsynth
