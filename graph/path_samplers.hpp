#pragma once

#include "graph/combination.hpp"
#include "graph/kp_graph.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace kpsynth::graph {

/// Options common to the graph samplers.
struct provenance_options {
  /// Seeds recorded per edge of a combination. Small, because provenance
  /// is for tracing, and hub edges can have thousands of seeds.
  std::size_t seeds_per_edge = 2;
};

/// One-hop combinations: both ends of every edge, each edge `weight` times.
/// Enumerated in rounds: round r yields every edge whose weight exceeds r
/// (heaviest first, ties by KP ids), so a partial run covers all edges once
/// before repeating any. Repetition r carries the edge's r-th seed.
/// The graph must outlive the sampler.
class one_hop_sampler final : public sampler {
 public:
  explicit one_hop_sampler(const kp_graph& graph);

  std::string_view name() const override { return "one_hop"; }
  std::optional<combination> next() override;
  sampler_cursor cursor() const override;
  result<std::uint64_t> seek(const sampler_cursor& cursor) override;
  /// The sum of edge weights.
  std::optional<std::uint64_t> size_hint() const override;
  std::uint64_t fingerprint() const override { return fingerprint_; }

 private:
  struct edge {
    node_index u;
    node_index v;
    std::uint32_t pos; ///< Index of v in neighbours(u).
    std::uint32_t weight;
  };
  std::uint64_t round_length(std::uint64_t round) const;

  const kp_graph* graph_;
  std::vector<edge> edges_;
  std::uint64_t fingerprint_;
  std::uint64_t round_ = 0;
  std::uint64_t index_ = 0;
  std::uint64_t length_ = 0; ///< round_length(round_).
  std::uint64_t ordinal_ = 0;
};

/// Two-hop combinations: paths a-b-c with a < c and a, c not adjacent, by
/// middle node b ascending, then a, then c. Each point set occurs once.
class two_hop_sampler final : public sampler {
 public:
  explicit two_hop_sampler(const kp_graph& graph,
                           provenance_options options = {});

  std::string_view name() const override { return "two_hop"; }
  std::optional<combination> next() override;
  sampler_cursor cursor() const override;
  result<std::uint64_t> seek(const sampler_cursor& cursor) override;
  /// sum over b of C(deg b, 2) minus 3 x triangles; computed on first call.
  std::optional<std::uint64_t> size_hint() const override;
  std::uint64_t fingerprint() const override { return fingerprint_; }

 private:
  const kp_graph* graph_;
  provenance_options options_;
  std::uint64_t fingerprint_;
  std::uint64_t b_ = 0, i_ = 0, j_ = 1, ordinal_ = 0;
  mutable std::optional<std::uint64_t> size_;
};

/// Community combinations: every triangle a < b < c exactly once, by a,
/// then b, then c.
class community_sampler final : public sampler {
 public:
  explicit community_sampler(const kp_graph& graph,
                             provenance_options options = {});

  std::string_view name() const override { return "community"; }
  std::optional<combination> next() override;
  sampler_cursor cursor() const override;
  result<std::uint64_t> seek(const sampler_cursor& cursor) override;
  /// The number of triangles; computed on first call.
  std::optional<std::uint64_t> size_hint() const override;
  std::uint64_t fingerprint() const override { return fingerprint_; }

 private:
  const kp_graph* graph_;
  provenance_options options_;
  std::uint64_t fingerprint_;
  std::uint64_t a_ = 0, i_ = 0, j_ = 0, ordinal_ = 0;
  mutable std::optional<std::uint64_t> size_;
};

} // namespace kpsynth::graph
