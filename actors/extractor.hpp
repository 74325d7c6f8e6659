#pragma once

#include "actors/context.hpp"
#include "actors/stage.hpp"
#include "core/append_file.hpp"
#include "protocols/actors.hpp"

#include <optional>
#include <unordered_map>

namespace kpsynth {

/// State of the EXTRACTOR actor: asks a model for the knowledge points of
/// each seed (prompt kp_extract) and journals them, so that a restart never
/// pays for an extraction twice. A list is synced to the journal before its
/// seed's outcome goes to the ledger; if the journal cannot be written the
/// extractor exits with the error, which ends the job (nothing is counted
/// that a rerun would not find).
struct extractor_state {
  stage_core<seed_problem, kp_list> core;
  context_ptr ctx;
  seed_ledger_actor ledger;
  /// Lists journaled by an earlier run, by seed id.
  std::unordered_map<std::string, kp_list> journaled;
  std::optional<append_file> journal;

  static inline const char* name = "extractor";
};

extractor_actor::behavior_type
extractor(extractor_actor::stateful_pointer<extractor_state> self,
          context_ptr ctx, stage_spec spec, model_pool_actor pool,
          consumer_actor<kp_list> downstream, seed_ledger_actor ledger,
          std::unordered_map<std::string, kp_list> journaled);

} // namespace kpsynth
