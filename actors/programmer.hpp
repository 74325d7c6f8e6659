#pragma once

#include "actors/context.hpp"
#include "actors/stage.hpp"
#include "protocols/actors.hpp"

namespace kpsynth {

/// State of the PROGRAMMER actor (program-assisted verification, the third
/// method): asks a model for a Python program that computes the problem's
/// answer (prompt `program`). The VERIFIER runs it.
struct programmer_state {
  stage_core<item_record, item_record> core;
  context_ptr ctx;

  static inline const char* name = "programmer";
};

item_stage_actor::behavior_type
programmer(item_stage_actor::stateful_pointer<programmer_state> self,
           context_ptr ctx, stage_spec spec, model_pool_actor pool,
           consumer_actor<item_record> downstream);

} // namespace kpsynth
