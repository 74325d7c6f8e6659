#include "graph/neighbours.hpp"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <exception>
#include <string>

namespace kpsynth::graph {

namespace {

/// A candidate neighbour of one row.
struct candidate {
  float similarity;
  std::uint32_t row;
};

/// "a is a better neighbour than b": higher similarity, then lower row.
bool better(const candidate& a, const candidate& b) {
  if (a.similarity != b.similarity)
    return a.similarity > b.similarity;
  return a.row < b.row;
}

/// Bounded top-k kept as a heap whose front is the worst kept candidate.
void offer(std::vector<candidate>& heap, std::size_t k, candidate c) {
  if (k == 0)
    return;
  if (heap.size() < k) {
    heap.push_back(c);
    std::push_heap(heap.begin(), heap.end(), better);
    return;
  }
  if (!better(c, heap.front()))
    return;
  std::pop_heap(heap.begin(), heap.end(), better);
  heap.back() = c;
  std::push_heap(heap.begin(), heap.end(), better);
}

/// Turns per-row neighbour lists into unique (a < b) pairs sorted by (a, b).
std::vector<row_pair>
to_pairs(const std::vector<std::vector<candidate>>& lists) {
  std::vector<row_pair> pairs;
  for (std::uint32_t i = 0; i < lists.size(); ++i)
    for (const auto& c : lists[i])
      pairs.push_back(
        row_pair{std::min(i, c.row), std::max(i, c.row), c.similarity});
  std::sort(pairs.begin(), pairs.end(), [](const auto& x, const auto& y) {
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  });
  pairs.erase(std::unique(pairs.begin(), pairs.end(),
                          [](const auto& x, const auto& y) {
                            return x.a == y.a && x.b == y.b;
                          }),
              pairs.end());
  return pairs;
}

} // namespace

float dot_product(const float* a, const float* b, std::size_t dim) {
  // Eight independent sums let the compiler vectorise without
  // -ffast-math (which would make results depend on the build).
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= dim; i += 8)
    for (std::size_t j = 0; j < 8; ++j)
      s[j] += a[i + j] * b[i + j];
  float tail = 0;
  for (; i < dim; ++i)
    tail += a[i] * b[i];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
         + tail;
}

std::vector<row_pair> exact_neighbour_pairs(std::span<const float> rows,
                                            std::size_t dim,
                                            const neighbour_options& options) {
  const std::size_t n = dim == 0 ? 0 : rows.size() / dim;
  std::vector<std::vector<candidate>> lists(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float* a = rows.data() + i * dim;
    for (std::size_t j = i + 1; j < n; ++j) {
      const float s = dot_product(a, rows.data() + j * dim, dim);
      if (s < options.min_similarity)
        continue;
      offer(lists[i], options.top_k,
            candidate{s, static_cast<std::uint32_t>(j)});
      offer(lists[j], options.top_k,
            candidate{s, static_cast<std::uint32_t>(i)});
    }
  }
  return to_pairs(lists);
}

result<std::vector<row_pair>>
approximate_neighbour_pairs(std::span<const float> rows, std::size_t dim,
                            const neighbour_options& options) {
  const std::size_t n = dim == 0 ? 0 : rows.size() / dim;
  if (n < 2 || options.top_k == 0)
    return std::vector<row_pair>{};
  try {
    hnswlib::InnerProductSpace space(dim);
    hnswlib::HierarchicalNSW<float> index(
      &space, n, options.hnsw_m, options.hnsw_ef_construction,
      static_cast<std::size_t>(options.hnsw_seed));
    for (std::size_t i = 0; i < n; ++i)
      index.addPoint(rows.data() + i * dim, i);
    index.setEf(std::max(options.hnsw_ef_search, options.top_k + 1));
    std::vector<std::vector<candidate>> lists(n);
    for (std::size_t i = 0; i < n; ++i) {
      const float* q = rows.data() + i * dim;
      auto found = index.searchKnn(q, options.top_k + 1);
      auto& list = lists[i];
      while (!found.empty()) {
        const auto j = static_cast<std::uint32_t>(found.top().second);
        found.pop();
        if (j == i)
          continue;
        const float s = dot_product(q, rows.data() + std::size_t{j} * dim, dim);
        if (s >= options.min_similarity)
          offer(list, options.top_k, candidate{s, j});
      }
    }
    return to_pairs(lists);
  } catch (const std::exception& e) {
    return make_problem("hnsw_failed",
                        std::string{"HNSW index failed: "} + e.what(),
                        "kp_clusterer (" + std::to_string(n) + " rows of dim "
                          + std::to_string(dim) + ")");
  }
}

} // namespace kpsynth::graph
