#pragma once

// Text vectors for the report's similarity and diversity figures.
//
// The report is CAF-free and runs offline, so by default it embeds texts
// with a *lexical* embedding: hashed word unigrams and bigrams weighted by
// TF-IDF, L2-normalised. It measures shared wording, not meaning: two
// paraphrases with different words score low. Every figure computed from it
// says so. Real model embeddings can be supplied instead as a JSONL file of
// `{"id": ..., "embedding": [...]}` lines (load_embeddings); the report then
// looks vectors up by item and seed id.

#include "core/result.hpp"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kpsynth::quality {

/// An L2-normalised vector stored as sorted (index, value) pairs, so that
/// short texts in a 2^20-dimensional hashed space cost only their words.
/// Dense model embeddings are stored the same way (every index present).
struct sparse_vector {
  std::vector<uint32_t> index; ///< Strictly increasing.
  std::vector<float> value;    ///< Same length as `index`.
};

/// Cosine similarity of two normalised vectors (their dot product); 0 when
/// either is empty.
double cosine(const sparse_vector& a, const sparse_vector& b);

/// Scales `v` to unit length (a zero vector stays empty) and drops zeros.
void normalise(sparse_vector& v);

/// The lexical features of `text`: lower-cased runs of ASCII letters or
/// digits (LaTeX `\frac` gives "frac"; other bytes separate words), each
/// word as a unigram and each adjacent pair as "a b".
std::vector<std::string> lexical_features(std::string_view text);

/// Hashed uni/bi-gram TF-IDF embedding. Fit document frequencies on the
/// corpus that will be compared (seeds and generated items together), then
/// embed. Weight of a feature: (1 + ln tf) * ln((1 + N) / (1 + df)), so a
/// word found in every document weighs ~0 and rare shared words dominate.
class lexical_embedder {
 public:
  /// Number of hash buckets (2^20: collisions are rare for math text).
  static constexpr uint32_t dims = 1u << 20;

  /// Counts the features of one more corpus document.
  void add_document(std::string_view text);

  /// Documents counted so far.
  uint64_t documents() const { return documents_; }

  /// The normalised TF-IDF vector of `text`.
  sparse_vector embed(std::string_view text) const;

  /// Bucket of a feature (FNV-1a 64 folded to `dims`).
  static uint32_t bucket(std::string_view feature);

 private:
  std::unordered_map<uint32_t, uint32_t> df_;
  uint64_t documents_ = 0;
};

/// Precomputed embeddings by id, e.g. from a real embedding model.
struct embedding_table {
  std::unordered_map<std::string, sparse_vector> vectors;
  std::size_t dims = 0;
  std::string source; ///< The file they came from, for the report.
};

/// Reads `{"id": "...", "embedding": [numbers]}` lines. Every vector must
/// have the same length; vectors are normalised on load. Errors name
/// `file:line` and the field; a duplicate id is an error.
result<embedding_table> load_embeddings(const std::filesystem::path& file);

/// Parses embedding lines already in memory; `where` names them in errors.
result<embedding_table> parse_embeddings(std::string_view content,
                                         std::string_view where);

/// A dense vector as a normalised sparse_vector.
sparse_vector from_dense(std::span<const float> v);

/// For each of `queries`, the highest cosine to any of `corpus` and the
/// index of that corpus vector (SIZE_MAX when the corpus is empty). Uses an
/// inverted index over the corpus, so cost follows shared features rather
/// than |queries| x |corpus|.
struct nearest {
  double similarity = 0;
  std::size_t index = SIZE_MAX;
};
std::vector<nearest> nearest_neighbours(std::span<const sparse_vector> queries,
                                        std::span<const sparse_vector> corpus);

} // namespace kpsynth::quality
