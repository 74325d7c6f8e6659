#pragma once

#include "actors/blocking_worker.hpp"
#include "actors/context.hpp"
#include "actors/flow.hpp"
#include "protocols/actors.hpp"

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <cstdio>
#include <unordered_set>
#include <vector>

namespace kpsynth {

/// State of the SINK actor: appends every finished item to items.jsonl and
/// every seed outcome to seeds.jsonl. Ids already written (by this or an
/// earlier run) are dropped, so re-delivery after a crash never duplicates.
struct sink_state {
  context_ptr ctx;
  producer_actor upstream;
  flow::inbound_window in;
  std::FILE* items = nullptr;
  std::FILE* seeds = nullptr;
  std::unordered_set<std::string> item_ids;
  std::unordered_set<std::string> seed_ids;
  pipeline_status counters;
  uint32_t unsynced = 0;
  /// fsync runs here, off the scheduler; one at a time.
  blocking_worker_actor worker;
  bool syncing = false;
  bool sync_again = false; ///< Data was flushed while a sync ran.
  /// `flush` requests answered once the next sync finished.
  std::vector<caf::typed_response_promise<bool>> flush_waiting;

  ~sink_state();

  static inline const char* name = "sink";
};

/// `item_ids` and `seed_ids` hold what earlier runs wrote; `counters` their
/// tallies, so that the summary covers the whole job.
sink_actor::behavior_type sink(sink_actor::stateful_pointer<sink_state> self,
                               context_ptr ctx,
                               std::unordered_set<std::string> item_ids,
                               std::unordered_set<std::string> seed_ids,
                               pipeline_status counters);

} // namespace kpsynth
