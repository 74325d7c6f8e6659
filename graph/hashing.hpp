#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace kpsynth::graph {

/// 64-bit XXH3 of raw bytes. Kept behind a function so that only one
/// translation unit pays for inlining xxhash.
std::uint64_t hash_bytes(const void* data, std::size_t size,
                         std::uint64_t seed = 0);

/// Hashes a string; used for interning keys and fingerprints.
inline std::uint64_t hash_string(std::string_view text,
                                 std::uint64_t seed = 0) {
  return hash_bytes(text.data(), text.size(), seed);
}

/// Hashes the bytes of a span of trivially copyable values.
template<class T>
std::uint64_t hash_span(std::span<const T> values, std::uint64_t seed = 0) {
  return hash_bytes(values.data(), values.size_bytes(), seed);
}

/// SplitMix64 finaliser: a cheap bijective mixer. Samplers use it as a
/// counter-based random generator, so that item i can be recomputed from
/// (seed, i) alone and a cursor needs no generator state.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/// Combines a running hash with one more value (order-sensitive).
constexpr std::uint64_t hash_combine(std::uint64_t h, std::uint64_t v) {
  return mix64(h ^ mix64(v));
}

/// Uniform double in [0, 1) derived from (seed, a, b) without state.
constexpr double counter_uniform(std::uint64_t seed, std::uint64_t a,
                                 std::uint64_t b) {
  const std::uint64_t bits = hash_combine(hash_combine(mix64(seed), a), b);
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

} // namespace kpsynth::graph
