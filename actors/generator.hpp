#pragma once

#include "actors/context.hpp"
#include "actors/stage.hpp"
#include "protocols/actors.hpp"

namespace kpsynth {

/// State of the GENERATOR actor: writes one new problem per combination of
/// knowledge points (prompt `generate`).
struct generator_state {
  stage_core<item_record, item_record> core;
  context_ptr ctx;

  static inline const char* name = "generator";
};

item_stage_actor::behavior_type
generator(item_stage_actor::stateful_pointer<generator_state> self,
          context_ptr ctx, stage_spec spec, model_pool_actor pool,
          consumer_actor<item_record> downstream);

} // namespace kpsynth
