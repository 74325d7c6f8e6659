#include "actors/rater.hpp"

#include "actors/item_stage_behavior.hpp"
#include "core/llm_output.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

namespace kpsynth {

result<difficulty> rating_of(std::string_view reply_text) {
  auto level = core::parse_difficulty(reply_text);
  if (!level)
    return level.error();
  switch (*level) {
  case core::difficulty_level::easy:
    return difficulty::easy;
  case core::difficulty_level::medium:
    return difficulty::medium;
  case core::difficulty_level::hard:
    return difficulty::hard;
  }
  return make_problem("bad_output", "unknown difficulty level");
}

item_stage_actor::behavior_type
rater(item_stage_actor::stateful_pointer<rater_state> self, context_ptr ctx,
      stage_spec spec, model_pool_actor pool,
      consumer_actor<item_record> downstream) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  auto& core = st.core;
  core.wire(std::move(spec), std::move(pool), std::move(downstream));
  core.hooks.shortcut = pass_finished;
  core.hooks.make_call = [self](const item_record& x) {
    auto& spec = self->state.core.spec;
    return render_call(*self->state.ctx, "difficulty", {{"problem", x.problem}},
                       spec.name, &spec.settings);
  };
  // A rating is advice, not a verdict on the problem: when the call fails
  // or the reply is unreadable the item goes on unrated ("unknown", which
  // a route sends to its `*` lane) instead of losing a good problem. The
  // reason is logged and the reply stays in the trace.
  core.hooks.finish = [self](item_record&& x, const llm_reply* reply,
                             const error_info* err) {
    auto& name = self->state.core.spec.name;
    if (reply == nullptr) {
      spdlog::warn("stage '{}': item {} left unrated: {}", name, x.id,
                   err->message);
      return std::move(x);
    }
    x.trace.push_back(trace_of(name, *reply));
    auto level = rating_of(reply->texts.at(0));
    if (level)
      x.level = *level;
    else
      spdlog::warn("stage '{}': item {} left unrated: {}", name, x.id,
                   level.error().to_string());
    return std::move(x);
  };
  core.start(self);
  return item_stage_behavior(self);
}

} // namespace kpsynth
