#pragma once

#include "actors/context.hpp"
#include "actors/flow.hpp"
#include "protocols/actors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <memory>
#include <unordered_map>

namespace kpsynth {

/// The panel's decision rule (GSDP): the problem score is the weighted mean
/// of the judges' scores and must reach the threshold; the solution needs
/// every voting judge's approval (single-vote veto). Judges that abstained
/// (timeout, unparseable answer) do not vote; with no vote at all the item
/// fails rather than passing by default.
struct panel_rule {
  double threshold = 0.85;
};

/// Applies the rule to the verdicts gathered for `x` and sets its status.
void decide(item_record& x, const panel_rule& rule);

/// State of the PANEL actor (vote aggregator).
struct panel_state {
  /// An item out for judging with the panel it started with.
  struct pending {
    item_record item;
    std::size_t outstanding = 0;
  };

  context_ptr ctx;
  stage_spec spec;
  panel_rule rule;
  std::vector<panel_member> members;
  producer_actor upstream;
  consumer_actor<item_record> downstream;
  flow::inbound_window in;
  flow::outbound_buffer<item_record> out;
  std::unordered_map<uint64_t, pending> judging;
  uint64_t next_id = 1;
  uint32_t bound = 64;
  uint64_t failed = 0; ///< Items that failed here (no vote, no panel).

  stage_status status() const;

  static inline const char* name = "panel";
};

panel_actor::behavior_type
panel(panel_actor::stateful_pointer<panel_state> self, context_ptr ctx,
      stage_spec spec, std::vector<panel_member> members,
      consumer_actor<item_record> downstream);

} // namespace kpsynth
