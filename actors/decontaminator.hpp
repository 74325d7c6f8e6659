#pragma once

#include "protocols/actors.hpp"

#include "actors/context.hpp"
#include "actors/flow.hpp"
#include "quality/decontam.hpp"
#include "quality/dedup.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <memory>

namespace kpsynth {

/// State of the DECONTAMINATOR actor. It sits before solving and judging, so
/// that no tokens are spent on a problem that copies a benchmark test item
/// (exact 13-gram overlap or MinHash near-duplicate) or nearly repeats a
/// seed or an earlier generated problem.
struct decontaminator_state {
  context_ptr ctx;
  std::shared_ptr<const quality::decontaminator> benchmarks;
  std::unique_ptr<quality::dedup_index> dedup; ///< Null when dedup is off.
  producer_actor upstream;
  consumer_actor<item_record> downstream;
  flow::inbound_window in;
  flow::outbound_buffer<item_record> out;
  uint64_t contaminated = 0;
  uint64_t duplicates = 0;

  static inline const char* name = "decontaminator";
};

/// Checks one problem; sets the item rejected with a reason if it must go.
/// Exposed for tests.
void screen(item_record& x, const quality::decontaminator* benchmarks,
            quality::dedup_index* dedup);

/// `dedup` comes pre-filled with the seeds and the problems earlier runs
/// accepted, so that a restart keeps deduplicating against them.
item_stage_actor::behavior_type
decontaminator(item_stage_actor::stateful_pointer<decontaminator_state> self,
               context_ptr ctx,
               std::shared_ptr<const quality::decontaminator> benchmarks,
               std::shared_ptr<quality::dedup_index> dedup,
               consumer_actor<item_record> downstream);

} // namespace kpsynth
