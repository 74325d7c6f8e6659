#pragma once

#include "actors/blocking_worker.hpp"
#include "actors/context.hpp"
#include "actors/flow.hpp"
#include "graph/combination.hpp"
#include "graph/kp_graph.hpp"
#include "graph/kp_registry.hpp"
#include "protocols/actors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <memory>
#include <unordered_set>

namespace kpsynth {

/// State of the PLANNER actor (graph planner). It gathers every seed's
/// knowledge points, builds the KP relationship graph once extraction is
/// complete, then enumerates combinations lazily -- one per pulled item --
/// so that millions of combinations never sit in memory.
struct planner_state {
  context_ptr ctx;
  stage_spec spec;
  producer_actor upstream;
  consumer_actor<item_record> downstream;
  flow::inbound_window in;
  /// Knowledge points as they arrive; interned only when all are in, in
  /// seed-id order, so that KP ids -- and with them the combination ids
  /// that make items idempotent -- are the same in every run of the job.
  std::vector<kp_list> lists;
  graph::kp_registry registry;
  std::unique_ptr<graph::kp_graph> graph;
  std::unique_ptr<graph::sampler> sampler;
  /// Items written by earlier runs: enumerated again but not re-emitted.
  std::unordered_set<std::string> done_ids;
  uint64_t credit = 0;  ///< Items downstream asked for.
  uint64_t planned = 0; ///< Combinations enumerated so far.
  uint64_t skipped = 0; ///< Of those, already done earlier.
  bool exhausted = false;
  bool done_sent = false;
  bool building = false;        ///< The worker builds the graph.
  blocking_worker_actor worker; ///< Builds the graph off the scheduler.

  static inline const char* name = "planner";
};

planner_actor::behavior_type
planner(planner_actor::stateful_pointer<planner_state> self, context_ptr ctx,
        stage_spec spec, consumer_actor<item_record> downstream,
        std::unordered_set<std::string> done_ids);

} // namespace kpsynth
