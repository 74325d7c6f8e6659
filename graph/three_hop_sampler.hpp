#pragma once

#include "graph/combination.hpp"
#include "graph/kp_graph.hpp"
#include "graph/path_samplers.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace kpsynth::graph {

/// Options of the three-hop sampler.
struct three_hop_options {
  core_options core;               ///< Which nodes are core KPs.
  std::size_t per_core_cap = 2000; ///< Paths credited to one core node.
  provenance_options provenance;
};

/// Three-hop combinations: paths a-b-c-d of four distinct KPs that contain
/// at least one core KP and whose ends are not adjacent (an implicit
/// relation). The path count grows with the cube of hub degrees, so each
/// core node k gets at most `per_core_cap` paths, shared evenly among its
/// neighbours x (ceil(cap / deg k) paths each, x being the neighbour of k
/// on the path's outer side), so the paths spread across the
/// neighbourhood instead of piling up behind its first member.
///
/// A path belongs to the first core node (in core order) it contains, so
/// it is never produced twice. Core nodes are visited in core order; for
/// each x in ascending order come paths k-x-y-z (k at an end), then
/// x-k-y-z (k inside). Paths are emitted with the smaller end first.
class three_hop_sampler final : public sampler {
 public:
  explicit three_hop_sampler(const kp_graph& graph,
                             three_hop_options options = {});

  std::string_view name() const override { return "three_hop"; }
  std::optional<combination> next() override;
  sampler_cursor cursor() const override;
  result<std::uint64_t> seek(const sampler_cursor& cursor) override;
  /// Unknown without enumerating; at most per_core_cap x core().size().
  std::optional<std::uint64_t> size_hint() const override {
    return std::nullopt;
  }
  std::uint64_t fingerprint() const override { return fingerprint_; }

  /// The core nodes, in the order they are visited.
  const std::vector<node_index>& core() const { return core_; }

 private:
  void next_core();
  void next_x();

  const kp_graph* graph_;
  three_hop_options options_;
  std::vector<node_index> core_;
  std::vector<std::uint32_t> rank_; ///< Core rank per node, or max.
  std::uint64_t fingerprint_;
  std::uint64_t ci_ = 0;   ///< Current core node (index into core_).
  std::uint64_t xi_ = 0;   ///< Position of x in neighbours(k).
  std::uint64_t form_ = 0; ///< 0: k-x-y-z, 1: x-k-y-z.
  std::uint64_t yi_ = 0;   ///< Position of y in its candidate list.
  std::uint64_t zi_ = 0;   ///< Position of z in neighbours(y).
  std::uint64_t core_emitted_ = 0;
  std::uint64_t x_emitted_ = 0;
  std::uint64_t ordinal_ = 0;
};

} // namespace kpsynth::graph
