#pragma once

#include "actors/context.hpp"
#include "actors/stage.hpp"
#include "protocols/actors.hpp"

#include <cstdio>
#include <unordered_map>

namespace kpsynth {

/// State of the EXTRACTOR actor: asks a model for the knowledge points of
/// each seed (prompt kp_extract) and journals them, so that a restart never
/// pays for an extraction twice.
struct extractor_state {
  stage_core<seed_problem, kp_list> core;
  context_ptr ctx;
  seed_ledger_actor ledger;
  /// Lists journaled by an earlier run, by seed id.
  std::unordered_map<std::string, kp_list> journaled;
  std::FILE* journal = nullptr;

  ~extractor_state();

  static inline const char* name = "extractor";
};

extractor_actor::behavior_type
extractor(extractor_actor::stateful_pointer<extractor_state> self,
          context_ptr ctx, stage_spec spec, model_pool_actor pool,
          consumer_actor<kp_list> downstream, seed_ledger_actor ledger,
          std::unordered_map<std::string, kp_list> journaled);

} // namespace kpsynth
