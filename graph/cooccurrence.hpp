#pragma once

#include "core/result.hpp"
#include "graph/combination.hpp"
#include "graph/kp_graph.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace kpsynth::graph {

/// A topic: a seed label (e.g. the MATH subject) or a coarse KP cluster
/// (e.g. the groups of a second kp_clusterer run at a lower threshold).
using topic_id = std::uint32_t;

/// One non-zero cell of the topic co-occurrence matrix (a <= b).
struct topic_pair {
  topic_id a = 0;
  topic_id b = 0;
  std::uint64_t count = 0; ///< Seeds in which both topics occur.
  double probability = 0;  ///< log(1 + count), normalised over cells.
};

/// KPDDS's Topic-level Co-occurrence Probability Matrix, plus the KPs of
/// each topic, ready to sample from. The diagonal counts seeds with the
/// topic, so single-label seed sets still give a usable matrix. Only cells
/// that can supply two distinct KPs are kept. Log-normalised counts flatten
/// the head of the distribution so rare topic pairs still get drawn.
class cooccurrence_model {
 public:
  /// Topics per seed (`seed_topics.size()` must equal the graph's seed
  /// count). A topic's KPs are the KPs of its seeds, weighted by the
  /// number of those seeds.
  static result<cooccurrence_model>
  from_seed_topics(const kp_graph& graph,
                   std::span<const std::vector<topic_id>> seed_topics);

  /// One topic per graph node (`topic_of_node.size()` == node count); a
  /// seed's topics are those of its KPs, a KP's weight its seed count.
  static result<cooccurrence_model>
  from_node_topics(const kp_graph& graph,
                   std::span<const topic_id> topic_of_node);

  std::size_t topic_count() const { return member_offsets_.size() - 1; }

  /// The kept cells, sorted by (a, b).
  const std::vector<topic_pair>& pairs() const { return pairs_; }

  /// Seed count of a cell (0 if absent or not samplable).
  std::uint64_t count(topic_id a, topic_id b) const;
  /// Probability of a cell (0 if absent or not samplable).
  double probability(topic_id a, topic_id b) const;

  /// KPs (graph nodes) of a topic, ascending, and their raw weights.
  std::span<const node_index> members(topic_id t) const;
  std::span<const std::uint64_t> member_counts(topic_id t) const;

  std::uint64_t fingerprint() const { return fingerprint_; }

  /// Index of the cell that a uniform u in [0, 1) selects.
  std::size_t pick_pair(double u) const;
  /// Member node of topic t that a uniform u in [0, 1) selects.
  node_index pick_member(topic_id t, double u) const;

 private:
  /// Shared tail of both constructors: from (seed, topic) pairs and
  /// (topic, node, weight) entries.
  static result<cooccurrence_model> assemble(
    std::vector<std::vector<topic_id>> seed_topics,
    std::vector<std::vector<std::pair<node_index, std::uint64_t>>> members);

  std::vector<topic_pair> pairs_;
  std::vector<double> pair_cumulative_;
  std::vector<std::uint64_t> member_offsets_{0};
  std::vector<node_index> members_;
  std::vector<std::uint64_t> member_counts_;
  std::vector<double> member_cumulative_; ///< Per topic, log weights.
  std::uint64_t fingerprint_ = 0;
};

/// Options of the co-occurrence sampler.
struct cooccurrence_options {
  std::uint64_t seed = 1;           ///< Fixes the whole stream.
  std::uint64_t max_items = 0;      ///< Length of the stream.
  std::size_t points_per_topic = 1; ///< KPs per topic (2x on the diagonal).
};

/// KPDDS sampling: a stream of `max_items` combinations, each a topic cell
/// drawn by probability, then KPs drawn within the topics by log weight.
/// Draws are counter-based (item i uses only seed and i), so the cursor is
/// just the ordinal. The same KP set may be drawn twice; the repetition
/// (= ordinal) keeps ids distinct. Graph and model must outlive it.
class cooccurrence_sampler final : public sampler {
 public:
  cooccurrence_sampler(const kp_graph& graph, const cooccurrence_model& model,
                       cooccurrence_options options);

  std::string_view name() const override { return "cooccurrence"; }
  std::optional<combination> next() override;
  sampler_cursor cursor() const override;
  result<std::uint64_t> seek(const sampler_cursor& cursor) override;
  std::optional<std::uint64_t> size_hint() const override;
  std::uint64_t fingerprint() const override { return fingerprint_; }

 private:
  const kp_graph* graph_;
  const cooccurrence_model* model_;
  cooccurrence_options options_;
  std::uint64_t fingerprint_;
  std::uint64_t ordinal_ = 0;
};

} // namespace kpsynth::graph
