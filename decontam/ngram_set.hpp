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
  std::size_t home_slot(std::uint64_t key) const;
  std::size_t probe(std::uint64_t key) const;
  void rehash(std::size_t slots);

  std::vector<std::uint64_t> keys_;
  std::vector<std::uint32_t> values_;
  std::size_t size_ = 0;
  bool has_zero_ = false;
  std::uint32_t zero_value_ = 0;
};

} // namespace kpsynth::quality
