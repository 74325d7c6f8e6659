#pragma once

#include "core/result.hpp"
#include "graph/ids.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kpsynth::graph {

/// Which nearest-neighbour search `kp_clusterer::run` uses.
enum class neighbour_search {
  automatic,  ///< Exact up to `exact_limit` KPs, HNSW above.
  exact,      ///< Always the quadratic scan.
  approximate ///< Always HNSW.
};

/// Thresholds from GSDP: >= 0.90 same KP, [0.70, 0.90) ask the LLM.
struct cluster_options {
  float same_threshold = 0.90f;
  float ambiguous_threshold = 0.70f;
  /// Only each KP's top_k most similar KPs are considered, which bounds the
  /// number of LLM questions to n * top_k however dense the space is.
  std::size_t top_k = 10;
  neighbour_search search = neighbour_search::automatic;
  /// Above this many KPs `automatic` uses HNSW. The exact scan is
  /// quadratic but branch-free; measured on 2 shared cores (no AVX build),
  /// 256 dims: 11.6K KPs exact 1.1 s vs HNSW 4.3 s CPU; 47K KPs exact 27 s
  /// vs HNSW 31 s (ef_construction 100, recall 0.9996). HNSW only wins
  /// beyond ~50K, i.e. at the paper's raw 75K KPs before interning.
  std::size_t exact_limit = 50000;
  std::size_t hnsw_m = 16;
  std::size_t hnsw_ef_construction = 100;
  std::size_t hnsw_ef_search = 64;
  std::uint64_t hnsw_seed = 100;
};

/// Two KPs (a < b) and their cosine similarity.
struct kp_pair {
  kp_id a = 0;
  kp_id b = 0;
  float similarity = 0;
};

/// What `run` found, for logs and the report.
struct cluster_summary {
  std::size_t kps = 0;
  std::size_t candidate_pairs = 0; ///< Neighbour pairs >= ambiguous.
  std::size_t same_pairs = 0;      ///< Pairs >= same_threshold.
  std::size_t ambiguous_pairs = 0; ///< Pairs left for the LLM.
  std::size_t groups = 0;          ///< Groups after the automatic merges.
  bool approximate = false;        ///< Whether HNSW was used.
};

/// Groups KPs by embedding similarity. Pure: it never calls an LLM; it
/// hands the ambiguous pairs to the caller, who asks and reports back
/// through `apply_synonym_decisions`, and who may also pick each group's
/// representative with `set_representative`.
///
/// Output order is deterministic: groups are ordered by their smallest KP
/// id and members ascend. Not thread-safe (`groups()` caches).
class kp_clusterer {
 public:
  explicit kp_clusterer(cluster_options options = {});

  /// Adds a KP and its embedding (any dimension, the same for all; it is
  /// normalised here). `frequency` (seeds mentioning it) and `text_length`
  /// choose the default representative. Returns the row index. Errors:
  /// duplicate id, empty/zero/non-finite vector, dimension mismatch, or a
  /// call after `run`.
  result<std::size_t> add(kp_id id, std::span<const float> embedding,
                          std::uint32_t frequency = 1,
                          std::uint32_t text_length = 0);

  std::size_t size() const { return ids_.size(); }
  std::size_t dimension() const { return dim_; }

  /// Finds neighbours, merges pairs >= same_threshold and lists the
  /// ambiguous ones. Call once, after every `add`.
  result<cluster_summary> run();

  /// Every neighbour pair with similarity >= ambiguous_threshold, sorted by
  /// (a, b). Exposed so that exact and approximate search can be compared.
  const std::vector<kp_pair>& candidate_pairs() const { return candidates_; }

  /// Pairs in [ambiguous, same) whose KPs were not already grouped by the
  /// automatic merges, most similar first (ties by a, then b).
  const std::vector<kp_pair>& ambiguous_pairs() const { return ambiguous_; }

  /// Merges the pairs the LLM called synonyms (`decisions[i]` answers
  /// `pairs[i]`). Returns how many merges joined two different groups.
  /// Nothing is merged if any pair names an unknown KP or sizes differ.
  result<std::size_t>
  apply_synonym_decisions(std::span<const kp_pair> pairs,
                          const std::vector<bool>& decisions);

  /// Members per group. Group indices stay valid until the next merge.
  const std::vector<std::vector<kp_id>>& groups() const;

  /// Index into `groups()` of a KP's group.
  std::optional<std::size_t> group_of(kp_id kp) const;

  /// Makes `kp` the representative of `group` (the LLM's choice). It stays
  /// the representative if its group later merges with another, unless a
  /// newer choice in the merged group overrides it.
  result<kp_id> set_representative(std::size_t group, kp_id kp);

  /// The representative: the latest explicit choice, else the most
  /// frequent member, then the shortest text, then the smallest id.
  /// `group` must be < groups().size().
  kp_id representative(std::size_t group) const;

  /// The representative of a KP's group, or `no_kp` if the KP is unknown.
  kp_id representative_of(kp_id kp) const;

  /// (kp, representative) for every KP, ascending by kp: the map a caller
  /// applies to seed KP lists before building the graph. One pass over
  /// the groups, so use it rather than calling representative_of per KP.
  std::vector<std::pair<kp_id, kp_id>> representative_map() const;

 private:
  std::uint32_t find_root(std::uint32_t row);
  bool unite(std::uint32_t a, std::uint32_t b);
  std::optional<std::uint32_t> row_of(kp_id kp) const;
  void refresh_groups() const;

  cluster_options options_;
  std::size_t dim_ = 0;
  bool ran_ = false;
  std::vector<kp_id> ids_;
  std::vector<float> rows_; ///< Unit vectors, dim_ floats each.
  std::vector<std::uint32_t> frequency_;
  std::vector<std::uint32_t> text_length_;
  std::vector<std::uint64_t> chosen_; ///< Stamp of an explicit choice.
  std::uint64_t next_stamp_ = 1;
  std::unordered_map<kp_id, std::uint32_t> row_of_;
  std::vector<std::uint32_t> parent_;
  std::vector<std::uint32_t> rank_;
  std::vector<kp_pair> candidates_;
  std::vector<kp_pair> ambiguous_;

  mutable bool groups_dirty_ = true;
  mutable std::vector<std::vector<kp_id>> groups_;
  mutable std::vector<std::uint32_t> group_of_row_;
};

} // namespace kpsynth::graph
