#pragma once

#include <cstdint>
#include <limits>

namespace kpsynth::graph {

/// Dense id of an interned knowledge point. 32 bits: the paper's scale is
/// ~75K raw KPs, and halving the id width halves every adjacency array.
using kp_id = std::uint32_t;

/// Dense index of a seed problem in the order the registry first saw it.
using seed_index = std::uint32_t;

/// Dense index of a node of a `kp_graph`. Nodes are sorted by kp_id, so
/// comparing node indices compares kp ids.
using node_index = std::uint32_t;

/// Marks "no KP" where an id is optional inside packed arrays.
inline constexpr kp_id no_kp = std::numeric_limits<kp_id>::max();

} // namespace kpsynth::graph
