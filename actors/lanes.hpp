#pragma once

// CAF-free pieces of routing: the item fields a `route` stage can switch on
// and the `lanes` option that names each lane's first stage. Kept apart from
// the actors so that the syntax and its errors are unit-tested directly.

#include "core/result.hpp"
#include "protocols/messages.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace kpsynth {

/// The value that matches every item no other lane takes.
inline constexpr std::string_view any_lane = "*";

/// An item field a route can switch on.
struct route_field {
  std::string name;
  /// Every value the field can take, so that a config can be checked for
  /// values no lane takes.
  std::vector<std::string> values;
  std::string (*of)(const item_record&);
};

/// The routable fields: difficulty, status, combination.
const std::vector<route_field>& route_fields();

/// The field named `name`, or nullptr.
const route_field* find_route_field(std::string_view name);

/// One lane as written: items whose field equals `value` (or `*`) go to the
/// stage named `first`.
struct lane_spec {
  std::string value;
  std::string first;
};

/// Parses `lanes = "hard=solve_big; *=solve_small"` for field `field`:
/// every value known to the field (or `*`), no value twice, no stage twice,
/// and every value of the field taken by some lane.
result<std::vector<lane_spec>> parse_lanes(std::string_view text,
                                           const route_field& field);

/// The lane index for `value`: its own lane, else the `*` lane.
std::size_t lane_for(const std::vector<lane_spec>& lanes,
                     std::string_view value);

} // namespace kpsynth
