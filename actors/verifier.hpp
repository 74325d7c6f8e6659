#pragma once

#include "actors/blocking_worker.hpp"
#include "actors/context.hpp"
#include "actors/flow.hpp"
#include "protocols/actors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <deque>

namespace kpsynth {

/// State of the VERIFIER actor (bilateral verification): runs each item's
/// generated program in the sandbox and keeps the item only if the program's
/// output is equivalent to the solutions' consensus answer. Runs go to a
/// few detached sandbox workers so that a slow program never blocks CAF.
struct verifier_state {
  context_ptr ctx;
  stage_spec spec;
  std::vector<sandbox_worker_actor> workers;
  blocking_worker_actor worker; ///< Compares outputs with the answer.
  std::size_t next_worker = 0;
  producer_actor upstream;
  consumer_actor<item_record> downstream;
  flow::inbound_window in;
  flow::outbound_buffer<item_record> out;
  std::deque<item_record> waiting; ///< Items for which no worker is free.
  uint32_t running = 0;
  uint64_t failed = 0; ///< Items whose sandbox run failed.

  stage_status status() const;

  static inline const char* name = "verifier";
};

/// Compares a program's printed output with the answer and records the
/// outcome on the item (rejecting it on disagreement). Exposed for tests.
void judge_program_output(item_record& x, const program_run& run,
                          double budget_ms);

item_stage_actor::behavior_type
verifier(item_stage_actor::stateful_pointer<verifier_state> self,
         context_ptr ctx, stage_spec spec,
         std::vector<sandbox_worker_actor> workers,
         consumer_actor<item_record> downstream);

} // namespace kpsynth
