#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace kpsynth::quality {

/// Open-addressing map from 64-bit keys to 32-bit values.
///
/// The n-gram index holds millions of gram hashes, one small value each;
/// `std::unordered_map` would spend ~40 bytes and an allocation per entry.
/// Here keys and values live in two flat arrays (12 bytes per slot, load
/// factor at most 0.7: 17 bytes per entry after `shrink_to_fit`), probed
/// linearly from a Fibonacci-hashed home slot, which stays fast even for
/// keys that are not random. Key 0 marks empty slots, so the real key 0 is kept
/// aside. There is no erase: indexes only grow. Not thread-safe for writes;
/// concurrent `find` calls on an unchanging map are safe.
class flat_u64_map {
 public:
  flat_u64_map() = default;

  /// Makes room for `count` entries without rehashing.
  void reserve(std::size_t count);

  /// Rehashes into the fewest slots that keep the load factor at most 0.7;
  /// for indexes that are built once and then only queried.
  void shrink_to_fit();

  /// Inserts `key -> value` unless `key` is present. Returns the stored value
  /// slot (the new or the existing one) and whether the insert happened. The
  /// pointer is valid until the next insert.
  std::pair<std::uint32_t*, bool> try_emplace(std::uint64_t key,
                                              std::uint32_t value);

  /// The value of `key`, or nullptr.
  const std::uint32_t* find(std::uint64_t key) const;

  /// Asks the cache for the slot where a probe for `key` starts, so that a
  /// `find` issued a little later does not wait for memory.
  void prefetch(std::uint64_t key) const {
    if (!keys_.empty())
      __builtin_prefetch(keys_.data() + home_slot(key));
  }

  /// Calls `f(key)` for every key, in slot order.
  template<class F>
  void for_each_key(F&& f) const {
    if (has_zero_)
      f(std::uint64_t{0});
    for (auto key : keys_)
      if (key != 0)
        f(key);
  }

  /// Mutable access to the value of `key`, or nullptr.
  std::uint32_t* find(std::uint64_t key);

  /// Number of entries.
  std::size_t size() const { return size_ + (has_zero_ ? 1 : 0); }

  /// Number of slots currently allocated.
  std::size_t capacity() const { return keys_.size(); }

  /// Bytes held by the slot arrays.
  std::size_t memory_bytes() const {
    return keys_.capacity() * sizeof(std::uint64_t)
           + values_.capacity() * sizeof(std::uint32_t);
  }

 private:
  std::size_t home_slot(std::uint64_t key) const {
    // Fibonacci hashing spreads sequential keys; multiply-high then maps
    // the mixed key onto any table size, so capacity need not be a power
    // of two.
    unsigned __int128 mixed = key * 0x9E3779B97F4A7C15ULL;
    return static_cast<std::size_t>((mixed * keys_.size()) >> 64);
  }
  std::size_t probe(std::uint64_t key) const;
  void rehash(std::size_t slots);

  std::vector<std::uint64_t> keys_;
  std::vector<std::uint32_t> values_;
  std::size_t size_ = 0;
  bool has_zero_ = false;
  std::uint32_t zero_value_ = 0;
};

/// A blocked Bloom filter over 64-bit hashes: three bits in one 64-bit
/// word per key, about one byte per key.
///
/// The n-gram table is larger than the caches, and a clean text misses on
/// nearly every gram; this filter is small enough to stay cached, so most
/// misses never touch the table. False positives (~2%) only cost the
/// table probe they would have cost anyway.
class bloom_filter {
 public:
  /// Sized for `count` keys; an empty filter answers "maybe" to every key.
  explicit bloom_filter(std::size_t count = 0);

  void insert(std::uint64_t key) { words_[word_of(key)] |= bits_of(key); }

  /// False when `key` was certainly not inserted.
  bool may_contain(std::uint64_t key) const {
    if (words_.empty())
      return true;
    auto bits = bits_of(key);
    return (words_[word_of(key)] & bits) == bits;
  }

  void prefetch(std::uint64_t key) const {
    if (!words_.empty())
      __builtin_prefetch(words_.data() + word_of(key));
  }

  std::size_t memory_bytes() const {
    return words_.capacity() * sizeof(std::uint64_t);
  }

 private:
  std::size_t word_of(std::uint64_t key) const {
    return static_cast<std::size_t>(key >> 32) & mask_;
  }
  static std::uint64_t bits_of(std::uint64_t key) {
    return (std::uint64_t{1} << (key & 63))
           | (std::uint64_t{1} << (key >> 6 & 63))
           | (std::uint64_t{1} << (key >> 12 & 63));
  }

  std::vector<std::uint64_t> words_;
  std::size_t mask_ = 0;
};

} // namespace kpsynth::quality
