#include "decontam/ngram_set.hpp"

#include <algorithm>

namespace kpsynth::quality {

namespace {

constexpr std::size_t min_slots = 16;

/// Slots needed to hold `count` entries at a load factor of at most 0.7.
std::size_t slots_for(std::size_t count) {
  std::size_t needed = count * 10 / 7 + 1;
  return needed < min_slots ? min_slots : needed;
}

} // namespace

std::size_t flat_u64_map::probe(std::uint64_t key) const {
  std::size_t slot = home_slot(key);
  while (keys_[slot] != 0 && keys_[slot] != key)
    if (++slot == keys_.size())
      slot = 0;
  return slot;
}

void flat_u64_map::reserve(std::size_t count) {
  // Geometric growth, so that reserving a little more each time stays
  // amortised O(1) per entry.
  if (slots_for(count) > keys_.size())
    rehash(std::max(slots_for(count), keys_.size() * 2));
}

void flat_u64_map::shrink_to_fit() {
  if (!keys_.empty() && slots_for(size_) < keys_.size())
    rehash(slots_for(size_));
}

void flat_u64_map::rehash(std::size_t slots) {
  std::vector<std::uint64_t> old_keys(slots, 0);
  std::vector<std::uint32_t> old_values(slots, 0);
  old_keys.swap(keys_);
  old_values.swap(values_);
  for (std::size_t i = 0; i < old_keys.size(); ++i) {
    if (old_keys[i] == 0)
      continue;
    auto slot = probe(old_keys[i]);
    keys_[slot] = old_keys[i];
    values_[slot] = old_values[i];
  }
}

std::pair<std::uint32_t*, bool> flat_u64_map::try_emplace(std::uint64_t key,
                                                          std::uint32_t value) {
  if (key == 0) {
    bool inserted = !has_zero_;
    if (inserted) {
      has_zero_ = true;
      zero_value_ = value;
    }
    return {&zero_value_, inserted};
  }
  if (keys_.empty() || (size_ + 1) * 10 > keys_.size() * 7)
    rehash(keys_.empty() ? min_slots : keys_.size() * 2);
  auto slot = probe(key);
  if (keys_[slot] == key)
    return {&values_[slot], false};
  keys_[slot] = key;
  values_[slot] = value;
  ++size_;
  return {&values_[slot], true};
}

const std::uint32_t* flat_u64_map::find(std::uint64_t key) const {
  if (key == 0)
    return has_zero_ ? &zero_value_ : nullptr;
  if (keys_.empty())
    return nullptr;
  auto slot = probe(key);
  return keys_[slot] == key ? &values_[slot] : nullptr;
}

std::uint32_t* flat_u64_map::find(std::uint64_t key) {
  const auto* self = this;
  return const_cast<std::uint32_t*>(self->find(key));
}

bloom_filter::bloom_filter(std::size_t count) {
  if (count == 0)
    return;
  // About eight bits per key, in a power-of-two number of words.
  std::size_t words = 1;
  while (words * 64 < count * 8)
    words *= 2;
  words_.assign(words, 0);
  mask_ = words - 1;
}

} // namespace kpsynth::quality
