#pragma once

#include "core/result.hpp"
#include "decontam/ngram_set.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace kpsynth::quality {

/// Settings of a MinHash-LSH index.
struct minhash_params {
  std::size_t shingle = 5;    ///< Characters (code points) per shingle.
  std::size_t num_perm = 128; ///< Hash functions (signature length).
  double threshold = 0.7;     ///< Jaccard similarity that counts as a match.
  /// LSH bands x rows; 0 and 0 = chosen by `optimal_lsh_shape` for
  /// threshold - candidate_margin. bands * rows must not exceed num_perm.
  std::size_t bands = 0;
  std::size_t rows = 0;
  /// Candidates are verified, so an extra candidate costs one signature
  /// comparison while a missed one is a missed duplicate. Banding for a
  /// threshold this much lower finds pairs at the real threshold with
  /// probability ~0.8 instead of ~0.45 (128 perms, J = 0.7).
  double candidate_margin = 0.1;
  /// Weights of false positives and false negatives in the shape choice.
  double fp_weight = 0.5;
  double fn_weight = 0.5;
  std::uint64_t seed = 0x6b7073796e7468ULL; ///< Seeds the permutations.
};

/// Bands and rows of an LSH banding scheme.
struct lsh_shape {
  std::size_t bands = 0;
  std::size_t rows = 0;
};

/// Chooses bands x rows <= num_perm so that the LSH S-curve
/// P(candidate | s) = 1 - (1 - s^rows)^bands is close to a step at
/// `threshold`: minimises fp_weight * (area under the curve below the
/// threshold, i.e. false positives) + fn_weight * (area above the curve
/// beyond the threshold, i.e. false negatives), as datasketch does.
lsh_shape optimal_lsh_shape(double threshold, std::size_t num_perm,
                            double fp_weight = 0.5, double fn_weight = 0.5);

/// Probability that two texts with Jaccard similarity `s` share a band.
double lsh_candidate_probability(double s, lsh_shape shape);

/// The character shingles of a normalised text, as 64-bit hashes (one per
/// position, so repeats appear repeatedly). Shingles are `k` UTF-8 code
/// points long; a text shorter than `k` code points is one shingle, an empty
/// text has none.
std::vector<std::uint64_t> shingle_hashes(std::string_view normalized,
                                          std::size_t k);

/// The distinct shingle hashes of a normalised text, sorted: the set that
/// MinHash estimates Jaccard similarity over.
std::vector<std::uint64_t> shingle_set(std::string_view normalized,
                                       std::size_t k);

/// Jaccard similarity of two sorted, duplicate-free sets (1 if both empty).
double set_jaccard(std::span<const std::uint64_t> a,
                   std::span<const std::uint64_t> b);

/// Exact Jaccard similarity of the shingle sets of two normalised texts.
double exact_jaccard(std::string_view a, std::string_view b, std::size_t k);

/// Computes MinHash signatures by one permutation hashing (Li, Owen and
/// Zhang, NIPS 2012) with optimal densification (Shrivastava, ICML 2017).
///
/// Classic MinHash hashes every shingle once per permutation (128 multiply-
/// adds per character of text); here each shingle is hashed once and lands
/// in one of `num_perm` bins, keeping the minimum per bin, and bins left
/// empty (short texts) borrow the value of a filled bin chosen by a probe
/// sequence that depends only on the bin. Two texts then agree in a bin
/// with probability equal to the Jaccard similarity of their shingle sets,
/// as with independent permutations, at a cost independent of `num_perm`.
/// Values are 32 bits: they collide by chance with probability 2^-32, far
/// below the estimator's own noise.
class minhasher {
 public:
  minhasher(std::size_t shingle, std::size_t num_perm, std::uint64_t seed);

  /// Signature of a normalised text; all values are 0xFFFFFFFF when the
  /// text is empty.
  std::vector<std::uint32_t> signature(std::string_view normalized) const;

  /// Same, into `sig` (its size is the number of bins, normally
  /// `num_perm()`); for callers that reuse one buffer.
  void signature_into(std::string_view normalized,
                      std::span<std::uint32_t> sig) const;

  std::size_t num_perm() const { return bins_; }
  std::size_t shingle() const { return shingle_; }

 private:
  void densify(std::span<std::uint32_t> sig) const;

  std::size_t shingle_;
  std::size_t bins_;
  std::uint64_t seed_;
};

/// Fraction of equal positions: an unbiased estimate of Jaccard similarity.
double estimated_jaccard(std::span<const std::uint32_t> a,
                         std::span<const std::uint32_t> b);

/// A verified near-duplicate candidate.
struct lsh_match {
  std::uint32_t item = 0; ///< Id returned by `minhash_lsh::add`.
  double jaccard = 0.0;   ///< Estimated Jaccard similarity.
};

/// MinHash-LSH index: items are found as candidates when one band of their
/// signature equals the query's, then verified by estimated Jaccard.
///
/// Memory per item: the signature (4 * num_perm bytes), one chain link per
/// band (4 * bands bytes) and a hash-table slot per new band bucket (at most
/// ~18 * bands bytes); nothing else grows with the items. Writes are not
/// thread-safe; const queries are.
class minhash_lsh {
 public:
  /// Validates the parameters (shingle >= 1, 1 <= num_perm <= 4096,
  /// 0 < threshold <= 1, bands * rows <= num_perm) and picks the shape.
  static result<minhash_lsh> create(const minhash_params& params);

  /// Signature of a normalised text under this index's permutations.
  std::vector<std::uint32_t> signature(std::string_view normalized) const {
    return hasher_.signature(normalized);
  }

  /// Same, into a buffer of `params().num_perm` values.
  void signature_into(std::string_view normalized,
                      std::span<std::uint32_t> sig) const {
    hasher_.signature_into(normalized, sig);
  }

  /// Adds a signature (from `signature`) and returns its item id (0, 1, ...).
  std::uint32_t add(std::span<const std::uint32_t> signature);

  /// Every candidate with estimated Jaccard >= `min_jaccard`, best first
  /// (ties: lowest item id first).
  std::vector<lsh_match> matches(std::span<const std::uint32_t> signature,
                                 double min_jaccard) const;

  /// Releases spare capacity once building is done.
  void shrink_to_fit();

  /// The candidate with the highest estimated Jaccard >= `min_jaccard`.
  std::optional<lsh_match> best_match(std::span<const std::uint32_t> signature,
                                      double min_jaccard) const;

  /// Same, with the index threshold.
  std::optional<lsh_match>
  best_match(std::span<const std::uint32_t> signature) const {
    return best_match(signature, params_.threshold);
  }

  /// The stored signature of an item.
  std::span<const std::uint32_t> signature_of(std::uint32_t item) const;

  std::size_t size() const { return count_; }
  const minhash_params& params() const { return params_; }
  lsh_shape shape() const { return shape_; }

  /// Bytes held by signatures, chains and band tables.
  std::size_t memory_bytes() const;

 private:
  minhash_lsh(const minhash_params& params, lsh_shape shape);
  std::uint64_t band_key(std::span<const std::uint32_t> signature,
                         std::size_t band) const;

  minhash_params params_;
  lsh_shape shape_;
  minhasher hasher_;
  std::size_t count_ = 0;
  std::vector<std::uint32_t> signatures_; ///< count_ x num_perm.
  std::vector<std::uint32_t> next_;       ///< count_ x bands chain links.
  flat_u64_map heads_;                    ///< band key -> newest item.
};

} // namespace kpsynth::quality
