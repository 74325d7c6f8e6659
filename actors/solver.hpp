#pragma once

#include "actors/context.hpp"
#include "actors/stage.hpp"
#include "protocols/actors.hpp"

namespace kpsynth {

/// State of the SOLVER actor: writes step-by-step solutions (prompt
/// `solve`), `samples` per problem for consensus voting.
struct solver_state {
  stage_core<item_record, item_record> core;
  context_ptr ctx;

  static inline const char* name = "solver";
};

/// Consensus voting (KPDDS): groups the solutions' final answers by
/// symbolic equivalence, puts a solution with the majority answer first and
/// records the majority's share. With several samples, a share below
/// `min_share` rejects the item. Exposed for tests.
void apply_consensus(item_record& x, const config::consensus_config& cfg,
                     uint32_t samples);

item_stage_actor::behavior_type
solver(item_stage_actor::stateful_pointer<solver_state> self, context_ptr ctx,
       stage_spec spec, model_pool_actor pool,
       consumer_actor<item_record> downstream);

} // namespace kpsynth
