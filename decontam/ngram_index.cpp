#include "decontam/ngram_index.hpp"

#include "decontam/ngram_text.hpp"

#include <algorithm>
#include <limits>

namespace kpsynth::quality {

std::size_t ngram_index::add(std::uint32_t item, std::string_view normalized) {
  auto grams = word_ngram_hashes(normalized, n_);
  grams_.reserve(grams_.size() + grams.size());
  for (auto gram : grams)
    grams_.try_emplace(gram, item);
  if (item_grams_.size() <= item)
    item_grams_.resize(std::size_t{item} + 1, 0);
  constexpr std::size_t cap = std::numeric_limits<std::uint32_t>::max();
  item_grams_[item] = static_cast<std::uint32_t>(std::min(grams.size(), cap));
  return grams.size();
}

ngram_match ngram_index::query(std::string_view normalized) const {
  ngram_match result;
  auto grams = word_ngram_hashes(normalized, n_);
  result.query_grams = grams.size();
  if (grams.empty())
    return result;
  std::vector<std::uint32_t> owners;
  for (auto gram : grams)
    if (const auto* owner = grams_.find(gram))
      owners.push_back(*owner);
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

} // namespace kpsynth::quality
