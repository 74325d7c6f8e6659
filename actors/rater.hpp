#pragma once

#include "actors/context.hpp"
#include "actors/stage.hpp"
#include "protocols/actors.hpp"

#include <string_view>

namespace kpsynth {

/// State of the RATER actor: rates each problem's difficulty (prompt
/// `difficulty`) into `item_record::level`, so that a `route` stage can send
/// hard problems to a larger solver.
struct rater_state {
  stage_core<item_record, item_record> core;
  context_ptr ctx;

  static inline const char* name = "rater";
};

/// The level a `difficulty` reply states, or a problem naming what the
/// reply said. Exposed for tests.
result<difficulty> rating_of(std::string_view reply_text);

item_stage_actor::behavior_type
rater(item_stage_actor::stateful_pointer<rater_state> self, context_ptr ctx,
      stage_spec spec, model_pool_actor pool,
      consumer_actor<item_record> downstream);

} // namespace kpsynth
