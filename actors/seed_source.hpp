#pragma once

#include "actors/context.hpp"
#include "core/seeds.hpp"
#include "protocols/actors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <optional>

namespace kpsynth {

/// State of the SEED SOURCE actor: reads the seed file lazily, only as far
/// as the extractor has asked, and reports malformed lines to the ledger
/// with file:line instead of stopping.
struct seed_source_state {
  std::optional<seed_reader> reader;
  consumer_actor<seed_problem> downstream;
  seed_ledger_actor ledger;
  bool done = false;

  static inline const char* name = "seed_source";
};

seed_source_actor::behavior_type
seed_source(seed_source_actor::stateful_pointer<seed_source_state> self,
            seed_reader reader, consumer_actor<seed_problem> downstream,
            seed_ledger_actor ledger);

} // namespace kpsynth
