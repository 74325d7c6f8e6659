#pragma once

#include "decontam/ngram_set.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace kpsynth::quality {

/// How much of a query is covered by indexed word n-grams.
struct ngram_match {
  std::size_t query_grams = 0;   ///< Grams (positions) in the query.
  std::size_t matched_grams = 0; ///< Query positions whose gram is indexed.
  double overlap = 0.0;          ///< matched_grams / query_grams.
  /// The indexed item that owns the most matched grams, if any matched.
  std::optional<std::uint32_t> item;
  std::size_t item_matches = 0; ///< Query positions matched to `item`.
  /// item_matches / grams of `item`: how much of the indexed item is
  /// contained in the query. High when a long text embeds a benchmark item.
  double item_coverage = 0.0;
};

/// Exact word n-gram index in the style of the GPT-3 contamination study
/// (13-grams, appendix C) and lm-evaluation-harness.
///
/// Stores only a 64-bit hash per distinct gram and the first item that
/// contains it (a gram shared by several items is credited to the first),
/// so memory is about 17 bytes per distinct gram (after `shrink_to_fit`)
/// plus 4 bytes per item.
/// Texts must already be normalised (see `normalize_text`); texts shorter
/// than n words are indexed as one gram. Writes are not thread-safe; `query`
/// is const and safe to call from many threads once building is done.
class ngram_index {
 public:
  /// `n` is the gram length in words; 0 is treated as 1.
  explicit ngram_index(std::size_t n = 13) : n_(n == 0 ? 1 : n) {}

  /// Indexes the grams of `normalized` under `item` and returns how many
  /// grams the item has. Items should be added with increasing ids.
  std::size_t add(std::uint32_t item, std::string_view normalized);

  /// Releases spare capacity once building is done.
  void shrink_to_fit() {
    grams_.shrink_to_fit();
    item_grams_.shrink_to_fit();
  }

  /// Looks up every gram of `normalized`.
  ngram_match query(std::string_view normalized) const;

  /// Gram length in words.
  std::size_t n() const { return n_; }

  /// Distinct grams stored.
  std::size_t size() const { return grams_.size(); }

  /// Bytes held by the index.
  std::size_t memory_bytes() const {
    return grams_.memory_bytes()
           + item_grams_.capacity() * sizeof(std::uint32_t);
  }

 private:
  std::size_t n_;
  flat_u64_map grams_;
  std::vector<std::uint32_t> item_grams_; ///< Gram count per item id.
};

} // namespace kpsynth::quality
