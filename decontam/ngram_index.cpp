#include "decontam/ngram_index.hpp"

#include "decontam/ngram_text.hpp"

#include <algorithm>
#include <limits>

namespace kpsynth::quality {

namespace {

/// How many grams ahead the query prefetches table slots: enough misses in
/// flight to hide memory latency, few enough to stay in the L1 cache.
constexpr std::size_t prefetch_distance = 16;

/// Scratch space of one thread's queries, so that a query allocates only
/// when a text is longer than every text before it.
struct query_scratch {
  std::vector<std::uint64_t> words;
  word_windows windows;
  std::vector<std::uint64_t> grams;
  std::vector<std::uint32_t> owners;
};

query_scratch& scratch() {
  thread_local query_scratch s;
  return s;
}

} // namespace

ngram_index::ngram_index(std::size_t n, std::size_t min_words)
  : n_(std::clamp<std::size_t>(n, 1, word_windows::max_length)),
    min_words_(std::max<std::size_t>(min_words, 1)) {}

std::size_t ngram_index::add(std::uint32_t item, std::string_view normalized) {
  auto& s = scratch();
  s.words.clear();
  append_word_hashes(normalized, s.words);
  s.windows.assign(s.words);
  return add(item, s.windows);
}

std::size_t ngram_index::add(std::uint32_t item, const word_windows& words) {
  if (item_grams_.size() <= item) {
    item_grams_.resize(std::size_t{item} + 1, 0);
    item_words_.resize(std::size_t{item} + 1, 0);
  }
  filter_ = bloom_filter{};
  anchor_filter_ = bloom_filter{};
  const std::size_t count = words.size();
  constexpr std::size_t max_words = std::numeric_limits<std::uint16_t>::max();
  item_words_[item] = static_cast<std::uint16_t>(std::min(count, max_words));
  if (count == 0)
    return 0;
  auto len = words.gram_length(n_);
  std::size_t grams = count - len + 1;
  grams_.reserve(grams_.size() + grams);
  for (std::size_t i = 0; i < grams; ++i)
    grams_.try_emplace(words.window(i, len), item);
  if (count < n_ && count >= min_words_) {
    short_items_.try_emplace(words.window(0, count), item);
    anchors_.try_emplace(words.window(0, min_words_), item);
    short_lengths_ |= std::uint64_t{1} << count;
  }
  for (std::size_t l = min_words_; l < n_ && l < count; ++l)
    prefixes_.try_emplace(words.window(0, l), item);
  constexpr std::size_t cap = std::numeric_limits<std::uint32_t>::max();
  item_grams_[item] = static_cast<std::uint32_t>(std::min(grams, cap));
  return grams;
}

void ngram_index::shrink_to_fit() {
  grams_.shrink_to_fit();
  filter_ = bloom_filter{grams_.size()};
  grams_.for_each_key([this](std::uint64_t key) { filter_.insert(key); });
  anchor_filter_ = bloom_filter{anchors_.size()};
  anchors_.for_each_key(
    [this](std::uint64_t key) { anchor_filter_.insert(key); });
  short_items_.shrink_to_fit();
  anchors_.shrink_to_fit();
  prefixes_.shrink_to_fit();
  item_grams_.shrink_to_fit();
  item_words_.shrink_to_fit();
}

ngram_match ngram_index::query(std::string_view normalized) const {
  auto& s = scratch();
  s.words.clear();
  append_word_hashes(normalized, s.words);
  s.windows.assign(s.words);
  return query(s.windows, s.grams, s.owners);
}

ngram_match ngram_index::query(const word_windows& words,
                               std::vector<std::uint64_t>& grams,
                               std::vector<std::uint32_t>& owners) const {
  ngram_match result;
  grams.clear();
  append_grams(words, n_, grams);
  result.query_grams = grams.size();
  if (grams.empty())
    return result;
  owners.clear();
  for (std::size_t i = 0; i < std::min(prefetch_distance, grams.size()); ++i)
    filter_.prefetch(grams[i]);
  for (std::size_t i = 0; i < grams.size(); ++i) {
    if (i + prefetch_distance < grams.size())
      filter_.prefetch(grams[i + prefetch_distance]);
    if (!filter_.may_contain(grams[i]))
      continue;
    if (const auto* owner = grams_.find(grams[i]))
      owners.push_back(*owner);
  }
  result.matched_grams = owners.size();
  result.overlap =
    static_cast<double>(owners.size()) / static_cast<double>(grams.size());
  if (owners.empty())
    return result;
  // The most frequent owner; ties go to the lowest id (first loaded).
  std::sort(owners.begin(), owners.end());
  std::size_t best_count = 0;
  std::uint32_t best = owners.front();
  for (std::size_t i = 0; i < owners.size();) {
    std::size_t j = i;
    while (j < owners.size() && owners[j] == owners[i])
      ++j;
    if (j - i > best_count) {
      best_count = j - i;
      best = owners[i];
    }
    i = j;
  }
  result.item = best;
  result.item_matches = best_count;
  if (best < item_grams_.size() && item_grams_[best] > 0)
    result.item_coverage =
      std::min(1.0, static_cast<double>(best_count)
                      / static_cast<double>(item_grams_[best]));
  return result;
}

std::optional<std::uint32_t>
ngram_index::contained_item(const word_windows& words) const {
  std::optional<std::uint32_t> best;
  if (short_lengths_ == 0 || words.size() < min_words_)
    return best;
  // One probe per position in the small anchor table (the first min_words
  // words of every short item); only where an anchor matches are the
  // item lengths tried.
  for (std::size_t i = 0; i + min_words_ <= words.size(); ++i) {
    auto anchor = words.window(i, min_words_);
    if (!anchor_filter_.may_contain(anchor) || anchors_.find(anchor) == nullptr)
      continue;
    for (std::size_t len = min_words_; len < n_ && i + len <= words.size();
         ++len)
      if ((short_lengths_ >> len & 1) != 0)
        if (const auto* item = short_items_.find(words.window(i, len)))
          if (!best || *item < *best)
            best = *item;
  }
  return best;
}

std::optional<std::uint32_t>
ngram_index::prefix_item(const word_windows& words) const {
  if (words.size() < min_words_ || words.size() >= n_)
    return std::nullopt;
  if (const auto* item = prefixes_.find(words.window(0, words.size())))
    return *item;
  return std::nullopt;
}

std::size_t ngram_index::memory_bytes() const {
  return grams_.memory_bytes() + filter_.memory_bytes()
         + short_items_.memory_bytes() + anchors_.memory_bytes()
         + anchor_filter_.memory_bytes() + prefixes_.memory_bytes()
         + item_grams_.capacity() * sizeof(std::uint32_t)
         + item_words_.capacity() * sizeof(std::uint16_t);
}

} // namespace kpsynth::quality
