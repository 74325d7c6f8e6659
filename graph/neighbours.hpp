#pragma once

#include "core/result.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace kpsynth::graph {

/// Two rows of an embedding matrix (a < b) and their cosine similarity.
struct row_pair {
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  float similarity = 0;
};

/// How many neighbours to look at and how to tune the HNSW index.
struct neighbour_options {
  std::size_t top_k = 10;       ///< Neighbours kept per row.
  float min_similarity = 0.70f; ///< Pairs below this are dropped.
  std::size_t hnsw_m = 16;      ///< HNSW links per node.
  std::size_t hnsw_ef_construction = 100;
  std::size_t hnsw_ef_search = 64;
  std::uint64_t hnsw_seed = 100; ///< Fixes HNSW's level draws.
};

/// Dot product; with unit rows this is the cosine similarity.
float dot_product(const float* a, const float* b, std::size_t dim);

/// Exact top-k: every pair is compared (O(n^2 dim)). `rows` holds n unit
/// vectors of `dim` floats back to back. Result: the union of every row's
/// top-k neighbours with similarity >= min_similarity, each pair once,
/// sorted by (a, b). Ties in similarity go to the lower row, so the output
/// depends only on the input.
std::vector<row_pair> exact_neighbour_pairs(std::span<const float> rows,
                                            std::size_t dim,
                                            const neighbour_options& options);

/// The same contract answered by an HNSW index (hnswlib), for inputs where
/// the quadratic scan is too slow. Similarities are recomputed exactly, so
/// only the choice of neighbours is approximate. Built single-threaded with
/// a fixed seed, hence deterministic. Fails only if hnswlib throws (e.g.
/// out of memory).
result<std::vector<row_pair>>
approximate_neighbour_pairs(std::span<const float> rows, std::size_t dim,
                            const neighbour_options& options);

} // namespace kpsynth::graph
