#pragma once

#include "actors/context.hpp"
#include "actors/flow.hpp"
#include "core/append_file.hpp"
#include "protocols/actors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <optional>
#include <unordered_set>

namespace kpsynth {

/// State of the SINK actor: appends every finished item to items.jsonl and
/// every seed outcome to seeds.jsonl. Ids already written (by this or an
/// earlier run) are dropped, so re-delivery after a crash never duplicates.
/// A record counts only once it is written; after the first failed write
/// the sink writes nothing more, pulls nothing more and reports the error in
/// its status, so that the job stops and nothing is counted that is not on
/// disk.
struct sink_state {
  context_ptr ctx;
  producer_actor upstream;
  flow::inbound_window in;
  std::optional<append_file> items;
  std::optional<append_file> seeds;
  std::unordered_set<std::string> item_ids;
  std::unordered_set<std::string> seed_ids;
  pipeline_status counters;
  uint32_t unsynced = 0;

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
