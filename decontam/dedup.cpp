#include "decontam/dedup.hpp"

#include "decontam/ngram_text.hpp"

namespace kpsynth::quality {

result<dedup_index> dedup_index::create(const minhash_params& params) {
  auto lsh = minhash_lsh::create(params);
  if (!lsh)
    return lsh.error();
  return dedup_index{std::move(*lsh)};
}

std::optional<duplicate_of>
dedup_index::lookup(std::uint64_t exact,
                    std::span<const std::uint32_t> sig) const {
  if (const auto* item = exact_.find(exact))
    return duplicate_of{ids_[*item], 1.0};
  if (auto match = lsh_.best_match(sig))
    return duplicate_of{ids_[match->item], match->jaccard};
  return std::nullopt;
}

std::optional<duplicate_of> dedup_index::find(std::string_view text) const {
  auto normalized = normalize_text(text);
  return lookup(hash_bytes(normalized.data(), normalized.size()),
                lsh_.signature(normalized));
}

std::optional<duplicate_of> dedup_index::insert_if_new(std::string_view id,
                                                       std::string_view text) {
  auto normalized = normalize_text(text);
  auto exact = hash_bytes(normalized.data(), normalized.size());
  auto sig = lsh_.signature(normalized);
  if (auto dup = lookup(exact, sig))
    return dup;
  auto item = lsh_.add(sig);
  exact_.try_emplace(exact, item);
  ids_.emplace_back(id);
  return std::nullopt;
}

std::size_t dedup_index::memory_bytes() const {
  std::size_t bytes = lsh_.memory_bytes() + exact_.memory_bytes()
                      + ids_.capacity() * sizeof(std::string);
  for (const auto& id : ids_)
    if (id.capacity() > 15) // beyond libstdc++'s inline buffer
      bytes += id.capacity() + 1;
  return bytes;
}

} // namespace kpsynth::quality
