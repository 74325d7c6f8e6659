#include "decontam/minhash.hpp"

#include "decontam/ngram_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace kpsynth::quality {

namespace {

constexpr std::uint32_t no_item = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t empty_min = std::numeric_limits<std::uint32_t>::max();

/// splitmix64: turns one seed into a stream of well-mixed 64-bit values.
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// Area under f on [lo, hi] by the composite midpoint rule; the S-curve is
/// smooth, so 200 steps are plenty for ranking shapes.
template<class F>
double integrate(F f, double lo, double hi) {
  constexpr int steps = 200;
  if (hi <= lo)
    return 0.0;
  double h = (hi - lo) / steps;
  double sum = 0.0;
  for (int i = 0; i < steps; ++i)
    sum += f(lo + (i + 0.5) * h);
  return sum * h;
}

/// Hash of one shingle. Most shingles are 5 ASCII bytes, so up to 8 bytes
/// are packed into one word and mixed (murmur3's finaliser, a bijection);
/// longer ones, with multi-byte characters, go through XXH3.
std::uint64_t mix_packed(std::uint64_t x, std::size_t size) {
  return fmix64(x + static_cast<std::uint64_t>(size) * 0x9E3779B97F4A7C15ULL);
}

std::uint64_t shingle_hash(const char* data, std::size_t size) {
  if (size > 8)
    return hash_bytes(data, size, 0x7368696e676c65ULL);
  std::uint64_t x = 0;
  std::memcpy(&x, data, size);
  return mix_packed(x, size);
}

/// Calls `f` with the hash of every shingle of `k` code points, in order;
/// a text shorter than `k` code points is one shingle, an empty one none.
/// Calls `f` with the hash of every shingle of `k` code points, in order;
/// a text shorter than `k` code points is one shingle, an empty one none.
template<class F>
void for_each_shingle(std::string_view normalized, std::size_t k, F&& f) {
  const std::size_t n = normalized.size();
  if (n == 0)
    return;
  if (k == 0)
    k = 1;
  const auto* bytes = reinterpret_cast<const unsigned char*>(normalized.data());
  if (k <= 8 && n >= k && std::all_of(bytes, bytes + n, [](unsigned char c) {
        return c < 0x80;
      })) {
    // ASCII: a shingle is k bytes, kept in a register that shifts one byte
    // in per step; it holds the same little-endian word that
    // `shingle_hash` loads, so both paths hash alike.
    const unsigned top = static_cast<unsigned>(8 * (k - 1));
    std::uint64_t x = 0;
    for (std::size_t i = 0; i < k; ++i)
      x |= std::uint64_t{bytes[i]} << (8 * i);
    f(mix_packed(x, k));
    for (std::size_t i = k; i < n; ++i) {
      x = (x >> 8) | (std::uint64_t{bytes[i]} << top);
      f(mix_packed(x, k));
    }
    return;
  }
  auto next_point = [&](std::size_t i) {
    do
      ++i;
    while (i < n && (bytes[i] & 0xC0) == 0x80);
    return i;
  };
  // A window of k code points slides one code point at a time.
  std::size_t begin = 0, end = 0, points = 0;
  while (points < k && end < n) {
    end = next_point(end);
    ++points;
  }
  f(shingle_hash(normalized.data(), end));
  while (end < n) {
    begin = next_point(begin);
    end = next_point(end);
    f(shingle_hash(normalized.data() + begin, end - begin));
  }
}

/// Maps a well-mixed 64-bit value onto [0, k) by its high half.
std::size_t bin_of(std::uint64_t h, std::size_t k) {
  return static_cast<std::size_t>(((h >> 32) * k) >> 32);
}

} // namespace

double lsh_candidate_probability(double s, lsh_shape shape) {
  return 1.0
         - std::pow(1.0 - std::pow(s, static_cast<double>(shape.rows)),
                    static_cast<double>(shape.bands));
}

lsh_shape optimal_lsh_shape(double threshold, std::size_t num_perm,
                            double fp_weight, double fn_weight) {
  lsh_shape best{1, std::max<std::size_t>(num_perm, 1)};
  double best_error = std::numeric_limits<double>::infinity();
  for (std::size_t b = 1; b <= num_perm; ++b) {
    for (std::size_t r = 1; b * r <= num_perm; ++r) {
      lsh_shape shape{b, r};
      auto p = [&](double s) { return lsh_candidate_probability(s, shape); };
      double fp = integrate(p, 0.0, threshold);
      double fn =
        integrate([&](double s) { return 1.0 - p(s); }, threshold, 1.0);
      double error = fp_weight * fp + fn_weight * fn;
      if (error < best_error) {
        best_error = error;
        best = shape;
      }
    }
  }
  return best;
}

std::vector<std::uint64_t> shingle_hashes(std::string_view normalized,
                                          std::size_t k) {
  std::vector<std::uint64_t> out;
  out.reserve(normalized.size());
  for_each_shingle(normalized, k, [&](std::uint64_t h) { out.push_back(h); });
  return out;
}

std::vector<std::uint64_t> shingle_set(std::string_view normalized,
                                       std::size_t k) {
  auto set = shingle_hashes(normalized, k);
  std::sort(set.begin(), set.end());
  set.erase(std::unique(set.begin(), set.end()), set.end());
  return set;
}

double set_jaccard(std::span<const std::uint64_t> a,
                   std::span<const std::uint64_t> b) {
  if (a.empty() && b.empty())
    return 1.0;
  std::size_t common = 0;
  for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++common;
      ++i;
      ++j;
    }
  }
  return static_cast<double>(common)
         / static_cast<double>(a.size() + b.size() - common);
}

double exact_jaccard(std::string_view a, std::string_view b, std::size_t k) {
  return set_jaccard(shingle_set(a, k), shingle_set(b, k));
}

minhasher::minhasher(std::size_t shingle, std::size_t num_perm,
                     std::uint64_t seed)
  : shingle_(shingle == 0 ? 1 : shingle), bins_(num_perm == 0 ? 1 : num_perm),
    seed_(splitmix64(seed)) {}

std::vector<std::uint32_t>
minhasher::signature(std::string_view normalized) const {
  std::vector<std::uint32_t> sig(bins_);
  signature_into(normalized, sig);
  return sig;
}

void minhasher::signature_into(std::string_view normalized,
                               std::span<std::uint32_t> sig) const {
  const std::size_t k = sig.size();
  std::fill(sig.begin(), sig.end(), empty_min);
  if (k == 0)
    return;
  // One pass: each shingle lands in one bin (high bits) and competes there
  // by its low bits.
  const std::uint64_t seed = seed_;
  for_each_shingle(normalized, shingle_, [&](std::uint64_t h) {
    h = fmix64(h ^ seed);
    auto& slot = sig[bin_of(h, k)];
    auto v = static_cast<std::uint32_t>(h);
    slot = v < slot ? v : slot;
  });
  densify(sig);
}

void minhasher::densify(std::span<std::uint32_t> sig) const {
  const std::size_t k = sig.size();
  // Which bins the shingles filled. Densified values go only into empty
  // bins, so the filled ones keep their original values to copy from.
  thread_local std::vector<std::uint64_t> filled;
  filled.assign((k + 63) / 64, 0);
  std::size_t count = 0;
  for (std::size_t i = 0; i < k; ++i)
    if (sig[i] != empty_min) {
      filled[i / 64] |= std::uint64_t{1} << (i % 64);
      ++count;
    }
  if (count == 0 || count == k)
    return;
  auto is_filled = [&](std::size_t i) {
    return (filled[i / 64] >> (i % 64) & 1) != 0;
  };
  // Optimal densification (Shrivastava, ICML 2017): an empty bin i takes
  // the value of the first originally filled bin along a probe sequence
  // that depends on i only, so two texts probe alike and their bins agree
  // with probability equal to their Jaccard similarity.
  for (std::size_t i = 0; i < k; ++i) {
    if (is_filled(i))
      continue;
    std::uint64_t state = seed_ ^ (std::uint64_t{i} << 32);
    std::size_t j = k;
    for (std::size_t attempt = 0; attempt < 64 * k; ++attempt) {
      auto probe = bin_of(splitmix64(state), k);
      if (is_filled(probe)) {
        j = probe;
        break;
      }
    }
    if (j == k) // astronomically unlikely; stay deterministic regardless
      for (j = (i + 1) % k; !is_filled(j); j = (j + 1) % k) {
      }
    sig[i] = sig[j];
  }
}

double estimated_jaccard(std::span<const std::uint32_t> a,
                         std::span<const std::uint32_t> b) {
  std::size_t n = std::min(a.size(), b.size());
  if (n == 0)
    return 0.0;
  std::size_t equal = 0;
  for (std::size_t i = 0; i < n; ++i)
    equal += a[i] == b[i] ? 1 : 0;
  return static_cast<double>(equal) / static_cast<double>(n);
}

result<minhash_lsh> minhash_lsh::create(const minhash_params& params) {
  auto bad = [](std::string message) {
    return make_problem("bad_minhash_params", std::move(message));
  };
  if (params.shingle == 0)
    return bad("minhash shingle length must be at least 1");
  if (params.num_perm == 0 || params.num_perm > 4096)
    return bad("minhash num_perm must be in 1..4096, got "
               + std::to_string(params.num_perm));
  if (!(params.fp_weight >= 0.0 && params.fn_weight >= 0.0
        && params.fp_weight + params.fn_weight > 0.0))
    return bad("minhash fp_weight and fn_weight must be non-negative and "
               "not both zero");
  if (!(params.candidate_margin >= 0.0 && params.candidate_margin < 1.0))
    return bad("minhash candidate_margin must be in [0, 1)");
  if (!(params.threshold > 0.0 && params.threshold <= 1.0))
    return bad("minhash threshold must be in (0, 1], got "
               + std::to_string(params.threshold));
  lsh_shape shape{params.bands, params.rows};
  if (shape.bands == 0 && shape.rows == 0)
    shape = optimal_lsh_shape(
      std::max(0.05, params.threshold - params.candidate_margin),
      params.num_perm, params.fp_weight, params.fn_weight);
  if (shape.bands == 0 || shape.rows == 0
      || shape.bands * shape.rows > params.num_perm)
    return bad("minhash bands x rows must be positive and at most num_perm ("
               + std::to_string(params.num_perm) + "), got "
               + std::to_string(shape.bands) + " x "
               + std::to_string(shape.rows));
  return minhash_lsh{params, shape};
}

minhash_lsh::minhash_lsh(const minhash_params& params, lsh_shape shape)
  : params_(params), shape_(shape),
    hasher_(params.shingle, params.num_perm, params.seed) {}

std::uint64_t minhash_lsh::band_key(std::span<const std::uint32_t> signature,
                                    std::size_t band) const {
  return hash_bytes(signature.data() + band * shape_.rows,
                    shape_.rows * sizeof(std::uint32_t), band + 1);
}

std::uint32_t minhash_lsh::add(std::span<const std::uint32_t> signature) {
  auto item = static_cast<std::uint32_t>(count_);
  // A signature of the wrong length is cut or padded with the empty value,
  // so the stored row always has num_perm entries.
  auto used = std::min(signature.size(), params_.num_perm);
  signatures_.insert(signatures_.end(), signature.begin(),
                     signature.begin() + static_cast<std::ptrdiff_t>(used));
  signatures_.resize(signatures_.size() + (params_.num_perm - used), empty_min);
  ++count_;
  auto stored = signature_of(item);
  for (std::size_t b = 0; b < shape_.bands; ++b) {
    auto [head, inserted] = heads_.try_emplace(band_key(stored, b), item);
    next_.push_back(inserted ? no_item : *head);
    *head = item;
  }
  return item;
}

std::vector<lsh_match>
minhash_lsh::matches(std::span<const std::uint32_t> signature,
                     double min_jaccard) const {
  std::vector<lsh_match> found;
  if (signature.size() < params_.num_perm
      || std::all_of(signature.begin(), signature.end(),
                     [](std::uint32_t v) { return v == empty_min; }))
    return found;
  thread_local std::vector<std::uint64_t> keys;
  thread_local std::vector<std::uint32_t> candidates;
  keys.resize(shape_.bands);
  for (std::size_t b = 0; b < shape_.bands; ++b) {
    keys[b] = band_key(signature, b);
    heads_.prefetch(keys[b]);
  }
  candidates.clear();
  for (std::size_t b = 0; b < shape_.bands; ++b) {
    const auto* head = heads_.find(keys[b]);
    for (auto item = head ? *head : no_item; item != no_item;
         item = next_[std::size_t{item} * shape_.bands + b])
      candidates.push_back(item);
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()),
                   candidates.end());
  for (auto item : candidates) {
    double j =
      estimated_jaccard(signature.first(params_.num_perm), signature_of(item));
    if (j >= min_jaccard)
      found.push_back(lsh_match{item, j});
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const lsh_match& a, const lsh_match& b) {
                     return a.jaccard > b.jaccard;
                   });
  return found;
}

std::optional<lsh_match>
minhash_lsh::best_match(std::span<const std::uint32_t> signature,
                        double min_jaccard) const {
  auto found = matches(signature, min_jaccard);
  if (found.empty())
    return std::nullopt;
  return found.front();
}

std::span<const std::uint32_t>
minhash_lsh::signature_of(std::uint32_t item) const {
  return std::span<const std::uint32_t>{signatures_}.subspan(
    std::size_t{item} * params_.num_perm, params_.num_perm);
}

void minhash_lsh::shrink_to_fit() {
  signatures_.shrink_to_fit();
  next_.shrink_to_fit();
  heads_.shrink_to_fit();
}

std::size_t minhash_lsh::memory_bytes() const {
  return signatures_.capacity() * sizeof(std::uint32_t)
         + next_.capacity() * sizeof(std::uint32_t) + heads_.memory_bytes()
         + sizeof(minhasher);
}

} // namespace kpsynth::quality
