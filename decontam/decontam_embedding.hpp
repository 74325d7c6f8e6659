#pragma once

// The optional semantic layer of decontamination: exact 13-grams and
// MinHash catch copies and light edits, but a benchmark problem reworded
// ("A train travels 60 km in ..." -> "In ... hours a train covers 60 km")
// shares few shingles with its source. Embeddings put such pairs close
// together, so the nearest benchmark neighbours of a generated problem are
// the candidates that an LLM "same problem?" check then decides on.
//
// Everything here is CAF-free; the decontaminator actor does the calls.

#include "core/result.hpp"
#include "decontam/decontam.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::quality {

/// One benchmark problem as written (not normalised): what is embedded and
/// what the LLM check is shown.
struct benchmark_text {
  std::string set;      ///< Benchmark set name, as in `match_source`.
  std::size_t line = 0; ///< 1-based line in its JSONL file.
  std::string text;
};

/// The benchmark problems in load order, findable by (set, line) so that a
/// MinHash near-miss, which only names its source, can be shown to the LLM.
class benchmark_corpus {
 public:
  /// Reads every record of `sources` with the same field rules as
  /// `decontaminator::load`; errors name `path:line` and the field.
  static result<benchmark_corpus>
  load(std::span<const benchmark_source> sources);

  /// Adds one problem in its sorted place (for tests and texts in memory).
  void add(std::string set, std::size_t line, std::string text);

  std::size_t size() const { return texts_.size(); }
  const benchmark_text& operator[](std::size_t i) const { return texts_[i]; }
  std::span<const benchmark_text> texts() const { return texts_; }

  /// Index of the problem at `set`:`line`, if loaded.
  std::optional<std::size_t> find(std::string_view set, std::size_t line) const;

 private:
  std::vector<benchmark_text> texts_; ///< Sorted by (set name, line).
};

/// A benchmark neighbour of a query.
struct neighbour {
  std::uint32_t row = 0; ///< Row of the index (= corpus index).
  float cosine = 0;
};

/// A flat row-major matrix of unit-length vectors with exact top-k cosine
/// search. Brute force is deliberate: 19k benchmark problems x 1024 dims is
/// 80 MB of floats and one query costs ~20 M multiply-adds, well under the
/// latency of the embedding call that produced the query, and exact search
/// has no recall knob to tune.
class embedding_index {
 public:
  /// An empty index of `dims`-dimensional vectors; fails for dims == 0.
  static result<embedding_index> create(std::size_t dims);

  /// Normalises and appends `v`; returns its row. Fails (naming `where`)
  /// on a wrong length, a non-finite value or a zero vector, since any of
  /// them would make every cosine meaningless.
  result<std::uint32_t> add(std::span<const float> v, std::string_view where);

  /// Up to `k` rows with cosine >= `min_cosine` to `query`, best first.
  /// The query need not be normalised; a query of the wrong length or zero
  /// norm has no neighbours.
  std::vector<neighbour> search(std::span<const float> query, std::size_t k,
                                float min_cosine) const;

  /// `search` for many queries at once: rows are visited in blocks that
  /// stay in cache while every query is compared against them, which is
  /// what makes a batch cheaper than single searches.
  std::vector<std::vector<neighbour>>
  search_many(std::span<const std::vector<float>> queries, std::size_t k,
              float min_cosine) const;

  std::size_t size() const { return dims_ == 0 ? 0 : data_.size() / dims_; }
  std::size_t dims() const { return dims_; }

  /// The normalised vector of `row`.
  std::span<const float> row(std::size_t r) const {
    return std::span<const float>{data_}.subspan(r * dims_, dims_);
  }

  /// Bytes held by the matrix.
  std::size_t memory_bytes() const { return data_.capacity() * sizeof(float); }

 private:
  explicit embedding_index(std::size_t dims) : dims_(dims) {}

  std::size_t dims_ = 0;
  std::vector<float> data_;
};

/// What a cache file must match to be reused: the embedding model and the
/// benchmark files as they were when it was written.
struct embedding_cache_key {
  std::string model;
  /// Hash of every source's name, path, fields, size and mtime.
  std::uint64_t fingerprint = 0;
  std::size_t rows = 0; ///< Problems embedded.
};

/// Fingerprint of the benchmark files (sizes and modification times, not
/// contents, so that checking it costs a stat per file). Errors name the
/// file that cannot be stat'ed.
result<std::uint64_t>
benchmark_fingerprint(std::span<const benchmark_source> sources);

/// Writes the index with its key to `file` (via a temporary file and a
/// rename, so a crash never leaves a torn cache). Returns bytes written.
result<std::size_t> save_embeddings(const std::filesystem::path& file,
                                    const embedding_cache_key& key,
                                    const embedding_index& index);

/// Reads a cache written by `save_embeddings`. A key that differs is a
/// problem with code "stale_cache"; a damaged file one with "bad_cache";
/// both name the file. Native byte order: the cache is local to a machine.
result<embedding_index> load_embeddings(const std::filesystem::path& file,
                                        const embedding_cache_key& key);

} // namespace kpsynth::quality
