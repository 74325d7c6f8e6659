#pragma once

#include "decontam/ngram_set.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace kpsynth::quality {

class word_windows;

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
/// plus 8 bytes per item. Gram hashes are polynomial window hashes over
/// word hashes (`word_windows`), so a query costs one multiply-add and one
/// table probe per word; probes are prefetched a few grams ahead, because
/// the table is larger than the caches and a clean query misses on nearly
/// every gram.
///
/// Items shorter than n words are one gram (all their words). They get two
/// more lookups that 13-grams give long items for free: a short item
/// quoted inside a longer query (`contained_item`), and a short query that
/// is the beginning of an item (`prefix_item`, e.g. a copy whose last
/// sentence was dropped). Both only consider runs of at least
/// `min_words` words, so that a generic phrase is no match.
///
/// Texts must already be normalised (see `normalize_text`). Writes are not
/// thread-safe; queries are const and safe to call from many threads once
/// building is done.
class ngram_index {
 public:
  /// `n` is the gram length in words (0 is treated as 1, at most
  /// `word_windows::max_length`); `min_words` bounds the short-text
  /// lookups.
  explicit ngram_index(std::size_t n = 13, std::size_t min_words = 6);

  /// Indexes the grams of `normalized` under `item` and returns how many
  /// grams the item has. Items should be added with increasing ids.
  std::size_t add(std::uint32_t item, std::string_view normalized);

  /// Same, for a text whose word windows are already computed.
  std::size_t add(std::uint32_t item, const word_windows& words);

  /// Releases spare capacity once building is done.
  void shrink_to_fit();

  /// Looks up every gram of `normalized`.
  ngram_match query(std::string_view normalized) const;

  /// Same, for precomputed word windows; `grams` and `owners` are scratch
  /// space that a caller may reuse between queries.
  ngram_match query(const word_windows& words,
                    std::vector<std::uint64_t>& grams,
                    std::vector<std::uint32_t>& owners) const;

  /// The first short item (fewer than n, at least min_words words) whose
  /// words occur as a run inside the query.
  std::optional<std::uint32_t> contained_item(const word_windows& words) const;

  /// The first item that starts with all the words of a short query (at
  /// least min_words and fewer than n words) and has more words than it.
  std::optional<std::uint32_t> prefix_item(const word_windows& words) const;

  /// Words of an indexed item (saturating at 65535).
  std::size_t item_words(std::uint32_t item) const {
    return item < item_words_.size() ? item_words_[item] : 0;
  }

  /// Gram length in words.
  std::size_t n() const { return n_; }

  /// Shortest run the short-text lookups consider.
  std::size_t min_words() const { return min_words_; }

  /// Distinct grams stored.
  std::size_t size() const { return grams_.size(); }

  /// Bytes held by the index.
  std::size_t memory_bytes() const;

 private:
  std::size_t n_;
  std::size_t min_words_;
  flat_u64_map grams_;
  /// Filter over `grams_`, built by `shrink_to_fit` (the end of loading);
  /// a later `add` drops it.
  bloom_filter filter_;
  /// Whole-text grams of short items again, in a table small enough for
  /// the caches: `contained_item` probes it at every position.
  flat_u64_map short_items_;
  /// The first min_words words of every short item: one cheap probe per
  /// query position before any length is tried.
  flat_u64_map anchors_;
  bloom_filter anchor_filter_; ///< Over `anchors_`, as `filter_`.
  /// Word-prefix windows (min_words .. n - 1 words) of every item.
  flat_u64_map prefixes_;
  /// Bit L set when some short item has L words.
  std::uint64_t short_lengths_ = 0;
  std::vector<std::uint32_t> item_grams_; ///< Gram count per item id.
  std::vector<std::uint16_t> item_words_; ///< Word count per item id.
};

} // namespace kpsynth::quality
