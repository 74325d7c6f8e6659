#pragma once

// ROUTE and MERGE: the two ends of a set of lanes. A route sends each item to
// one lane by a field of the item; each lane has its own pull credit, so a
// lane whose consumer is slow holds back only the items routed to it while
// the other lanes keep receiving theirs. A merge joins the lanes again and
// pulls from every lane it has room for. Neither drops an item, and each
// sends end-of-stream only when every input it waits for is done.

#include "actors/context.hpp"
#include "actors/flow.hpp"
#include "actors/lanes.hpp"
#include "protocols/actors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <deque>
#include <vector>

namespace kpsynth {

/// A route or a merge: a consumer and producer of items with a status.
using lane_actor = consumer_actor<item_record>::extend_with<
  producer_actor>::extend_with<stage_status_actor>;

/// A route: also reports each lane's numbers, by lane index.
using route_actor = lane_actor::extend_with<caf::typed_actor<
  caf::replies_to<atom::status, uint32_t>::with<stage_status>>>;

/// One lane as a route sees it.
struct route_lane {
  lane_spec spec;
  consumer_actor<item_record> consumer;
  caf::actor_addr addr; ///< Of `consumer`: pulls are told apart by sender.
  flow::outbound_buffer<item_record> out;
};

/// State of a ROUTE actor.
struct route_state {
  stage_spec spec;
  const route_field* field = nullptr;
  producer_actor upstream;
  flow::inbound_window in;
  std::vector<lane_spec> specs;
  std::vector<route_lane> lanes;

  /// Totals over the lanes, for the status protocol; `lane_counts` says
  /// per lane how many items it took and how many wait for its pull.
  stage_status status() const;
  std::string lane_counts() const;
  /// Lane `i` as a stage of its own ("<route>/<value>", kind "lane"): what
  /// it took, what waits for its pull, and the pull credit it has given.
  stage_status lane_status(std::size_t i) const;

  static inline const char* name = "route";
};

/// Spawned with the lanes' first stages in the order of `lanes`.
route_actor::behavior_type
router(route_actor::stateful_pointer<route_state> self, stage_spec spec,
       const route_field* field, std::vector<lane_spec> lanes,
       std::vector<consumer_actor<item_record>> consumers);

/// Answers the status protocol for lane `lane` of `route`, so that every
/// lane shows up in `GET /v1/status` as a stage of its own.
stage_status_actor::behavior_type lane_view(stage_status_actor::pointer self,
                                            route_actor route, uint32_t lane);

/// One input of a merge: the last stage of a lane.
struct merge_input {
  caf::actor_addr addr;
  producer_actor producer;
  flow::inbound_window in;
  uint64_t held = 0; ///< Its items waiting in the merge's buffer.
};

/// State of a MERGE actor.
struct merge_state {
  stage_spec spec;
  uint32_t expected = 0; ///< Lanes that end here.
  std::vector<merge_input> inputs;
  std::deque<std::pair<std::size_t, item_record>> ready; ///< Input index.
  uint64_t credit = 0;
  uint64_t sent = 0;
  bool done_sent = false;
  consumer_actor<item_record> downstream;

  stage_status status() const;
  std::string lane_counts() const;

  static inline const char* name = "merge";
};

/// Joins `expected` lanes into `downstream`.
lane_actor::behavior_type merger(lane_actor::stateful_pointer<merge_state> self,
                                 stage_spec spec, uint32_t expected,
                                 consumer_actor<item_record> downstream);

} // namespace kpsynth
