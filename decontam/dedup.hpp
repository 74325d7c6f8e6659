#pragma once

#include "core/result.hpp"
#include "decontam/minhash.hpp"
#include "decontam/ngram_set.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::quality {

/// The earlier item a text duplicates.
struct duplicate_of {
  std::string id;          ///< Id given when that item was inserted.
  double similarity = 0.0; ///< 1.0 for identical normalised texts, else the
                           ///< estimated Jaccard of the shingle sets.
};

/// Incremental near-duplicate filter for generated problems.
///
/// Insert the seeds first, then every generated problem as it arrives: a
/// problem that is (nearly) a copy of a seed or of an earlier problem is
/// reported and not stored, so the index only holds distinct problems and
/// the pipeline keeps the first of each near-duplicate cluster. Matching
/// uses the same normalisation as decontamination, an exact-text hash
/// (identical normalised texts, including empty ones) and MinHash-LSH.
///
/// Memory per stored item is bounded independently of text length:
/// 4 * num_perm bytes of signature, about 22 * bands bytes of LSH links
/// and slots, ~18 bytes of exact hash, plus the id string. Not thread-safe:
/// one owner (e.g. one actor) calls it.
class dedup_index {
 public:
  /// Fails on invalid MinHash parameters (see `minhash_lsh::create`).
  static result<dedup_index> create(const minhash_params& params = {});

  /// Stores `text` under `id` unless it duplicates a stored item; then
  /// returns that item instead and stores nothing.
  std::optional<duplicate_of> insert_if_new(std::string_view id,
                                            std::string_view text);

  /// The stored item `text` duplicates, without inserting.
  std::optional<duplicate_of> find(std::string_view text) const;

  /// Items stored.
  std::size_t size() const { return ids_.size(); }

  /// Bytes held by the index, ids included.
  std::size_t memory_bytes() const;

  const minhash_params& params() const { return lsh_.params(); }

 private:
  explicit dedup_index(minhash_lsh lsh) : lsh_(std::move(lsh)) {}
  std::optional<duplicate_of> lookup(std::uint64_t exact,
                                     std::span<const std::uint32_t> sig) const;

  minhash_lsh lsh_;
  flat_u64_map exact_; ///< Hash of the normalised text -> item.
  std::vector<std::string> ids_;
};

} // namespace kpsynth::quality
