#pragma once

#include "text/equivalence.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace kpsynth::text {

/// Answers that are equivalent to each other.
struct answer_cluster {
  /// The first answer of the cluster, as given.
  std::string representative;
  /// Indexes of the member answers in the input, ascending.
  std::vector<std::size_t> members;
  /// members.size(), the cluster's votes.
  std::size_t count = 0;
};

/// Clusters for consensus voting over sampled solutions.
struct answer_groups {
  /// Largest first; ties keep the order of first appearance.
  std::vector<answer_cluster> clusters;
  /// Number of answers given, empty ones included.
  std::size_t total = 0;
  /// Answers that were empty (no final answer found); in no cluster.
  std::size_t empty = 0;
  /// Votes of the largest cluster over `total` (0 when there is none).
  double majority_share = 0;

  /// The largest cluster, or nullptr when every answer was empty.
  const answer_cluster* majority() const {
    return clusters.empty() ? nullptr : &clusters.front();
  }
};

/// Groups answers into clusters of equivalent answers.
///
/// Each answer is parsed once and compared with the representative of each
/// existing cluster until one says `equal`; `unknown` does not merge (a vote
/// is only shared on positive evidence). Identical normalised answers join
/// without a comparison. `options.budget` applies to each comparison.
/// Empty answers count towards `total` but join no cluster, so the share
/// reflects every sample. Never throws except std::bad_alloc.
answer_groups group_answers(const std::vector<std::string>& answers,
                            const equiv_options& options = {});

} // namespace kpsynth::text
