#pragma once

// Helpers shared by the graph samplers; not part of the public API.

#include "graph/combination.hpp"
#include "graph/kp_graph.hpp"

#include <algorithm>
#include <initializer_list>
#include <optional>

namespace kpsynth::graph::detail {

/// Appends up to `limit` seeds of edge a-b (which must exist).
inline void add_edge_seeds(const kp_graph& g, node_index a, node_index b,
                           std::size_t limit, std::vector<seed_index>& out) {
  auto pos = g.find_edge(a, b);
  if (!pos)
    return;
  auto seeds = g.edge_seeds(a, *pos);
  const auto n = std::min(limit, seeds.size());
  out.insert(out.end(), seeds.begin(),
             seeds.begin() + static_cast<std::ptrdiff_t>(n));
}

/// Builds a combination from node indices: maps them to KP ids, sorts the
/// provenance and computes the id.
inline combination make_combination(const kp_graph& g, combination_kind kind,
                                    std::initializer_list<node_index> nodes,
                                    std::uint64_t ordinal,
                                    std::uint64_t repetition,
                                    std::vector<seed_index> seeds) {
  combination c;
  c.kind = kind;
  c.points.reserve(nodes.size());
  for (auto n : nodes)
    c.points.push_back(g.kp_of(n));
  c.ordinal = ordinal;
  c.repetition = repetition;
  std::sort(seeds.begin(), seeds.end());
  seeds.erase(std::unique(seeds.begin(), seeds.end()), seeds.end());
  c.seeds = std::move(seeds);
  c.id = combination_id(kind, c.points, repetition);
  return c;
}

/// Error for a cursor value that does not fit the graph.
inline problem out_of_range(std::string_view sampler, std::string_view field,
                            std::uint64_t value, std::uint64_t limit) {
  return make_problem("bad_cursor",
                      std::string{field} + " = " + std::to_string(value)
                        + " exceeds " + std::to_string(limit),
                      "cursor " + std::string{sampler});
}

/// Validates the state of a cursor shaped {node, i, j, ordinal}, where i
/// and j index the node's neighbour list (two-hop and community samplers).
inline std::optional<problem> check_pair_cursor(const kp_graph& g,
                                                std::string_view sampler,
                                                const sampler_cursor& c,
                                                std::uint64_t fingerprint) {
  if (auto e = check_cursor(c, sampler, fingerprint, 4, true))
    return e;
  const auto n = g.node_count();
  if (c.state[0] > n)
    return out_of_range(sampler, "node", c.state[0], n);
  const std::uint64_t d =
    c.state[0] < n ? g.degree(static_cast<node_index>(c.state[0])) : 0;
  if (c.state[1] > d || c.state[2] > d + 1)
    return out_of_range(sampler, "position", std::max(c.state[1], c.state[2]),
                        d);
  return std::nullopt;
}

} // namespace kpsynth::graph::detail
