#pragma once

#include "core/result.hpp"
#include "graph/ids.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace kpsynth::graph {

/// The raw arrays of a graph in compressed-sparse-row form. Plain data so
/// that the file format can write and read it directly; `kp_graph`
/// validates it on the way in.
struct graph_parts {
  std::uint32_t seed_count = 0;
  std::vector<kp_id> node_kps;                  ///< Strictly ascending.
  std::vector<std::uint64_t> node_seed_offsets; ///< node_count + 1.
  std::vector<seed_index> node_seeds;           ///< Ascending per node.
  std::vector<std::uint64_t> adjacency_offsets; ///< node_count + 1.
  std::vector<node_index> adjacency;            ///< Ascending per node.
  std::vector<std::uint32_t> weights;           ///< Per adjacency entry.
  std::vector<std::uint64_t> edge_seed_offsets; ///< adjacency.size() + 1.
  std::vector<seed_index> edge_seeds;           ///< Ascending per entry.
};

/// Size figures for logs and the run report.
struct graph_stats {
  std::size_t nodes = 0;
  std::size_t edges = 0;          ///< Undirected, each counted once.
  std::uint64_t total_weight = 0; ///< Sum of edge weights.
  std::size_t seeds = 0;
  std::size_t components = 0; ///< Connected components (isolated too).
  std::size_t isolated_nodes = 0;
  std::size_t max_degree = 0;
};

/// Which nodes count as "core KPs" (GSDP: the highest-degree ones).
struct core_options {
  double top_fraction = 0.01; ///< Used when `count` is 0; at least 1 node.
  std::size_t count = 0;      ///< Exact number of core nodes if non-zero.
};

/// The Knowledge Point Relationship Graph: nodes are (representative) KPs,
/// an undirected edge joins two KPs that occur in the same seed, and its
/// weight is the number of such seeds. Each edge keeps those seeds, which
/// gives every sampled combination its provenance. Immutable once built,
/// so samplers may share it across threads.
class kp_graph {
 public:
  /// An empty graph.
  kp_graph();

  /// Most KPs one seed may carry. The build is quadratic per seed; GSDP
  /// extracts at most 10, so anything near this limit is broken input.
  static constexpr std::size_t max_kps_per_seed = 1024;

  /// Builds from `seed_kps[s]` = the representative KPs of seed s.
  /// Repeats within a seed count once; `no_kp` entries are skipped.
  static result<kp_graph> build(std::span<const std::vector<kp_id>> seed_kps);

  /// Adopts arrays read from a file after checking every invariant;
  /// `where` names the file for errors.
  static result<kp_graph> from_parts(graph_parts parts, std::string_view where);

  const graph_parts& parts() const { return parts_; }

  std::size_t node_count() const { return parts_.node_kps.size(); }
  std::size_t seed_count() const { return parts_.seed_count; }
  std::size_t edge_count() const { return parts_.adjacency.size() / 2; }
  std::uint64_t total_weight() const { return total_weight_; }

  kp_id kp_of(node_index node) const { return parts_.node_kps[node]; }
  std::optional<node_index> node_of(kp_id kp) const;

  /// Neighbours of a node, ascending; `weights(node)` is parallel to it.
  std::span<const node_index> neighbours(node_index node) const;
  std::span<const std::uint32_t> weights(node_index node) const;
  std::size_t degree(node_index node) const {
    return parts_.adjacency_offsets[node + 1] - parts_.adjacency_offsets[node];
  }

  /// Seeds mentioning a node's KP, ascending.
  std::span<const seed_index> node_seeds(node_index node) const;

  /// Position of b in a's adjacency (an index into neighbours(a)), if any.
  std::optional<std::size_t> find_edge(node_index a, node_index b) const;
  bool adjacent(node_index a, node_index b) const {
    return find_edge(a, b).has_value();
  }

  /// Seeds in which the edge at `neighbours(a)[pos]` co-occurs, ascending.
  std::span<const seed_index> edge_seeds(node_index a, std::size_t pos) const;

  /// Core nodes, highest degree first (ties: higher weighted degree, then
  /// lower node).
  std::vector<node_index> core_nodes(const core_options& options) const;

  graph_stats stats() const;

  /// Number of triangles. O(E^1.5); not cached, so call it once.
  std::uint64_t triangle_count() const;

  /// Hash of the whole structure. Sampler cursors carry it so that a
  /// cursor is never applied to a different graph.
  std::uint64_t fingerprint() const { return fingerprint_; }

 private:
  explicit kp_graph(graph_parts parts);

  graph_parts parts_;
  std::uint64_t total_weight_ = 0;
  std::uint64_t fingerprint_ = 0;
};

} // namespace kpsynth::graph
