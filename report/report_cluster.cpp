#include "report/report_cluster.hpp"

#include <algorithm>
#include <cmath>
#include <deque>

namespace kpsynth::quality {

distance_matrix::distance_matrix(
  std::size_t n, const std::function<double(std::size_t, std::size_t)>& dist)
  : n_(n), d_(n < 2 ? 0 : n * (n - 1) / 2) {
  std::size_t at = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      d_[at++] = static_cast<float>(dist(i, j));
}

std::vector<double> k_distances(const distance_matrix& d, std::size_t k) {
  auto n = d.size();
  std::vector<double> out(n, 0.0);
  std::vector<float> row;
  for (std::size_t i = 0; i < n; ++i) {
    row.clear();
    for (std::size_t j = 0; j < n; ++j)
      if (j != i)
        row.push_back(d.at(i, j));
    if (row.empty() || k == 0)
      continue;
    auto kth = std::min(k, row.size()) - 1;
    std::nth_element(row.begin(), row.begin() + static_cast<long>(kth),
                     row.end());
    out[i] = row[kth];
  }
  return out;
}

std::size_t knee_index(std::span<const double> y) {
  auto n = y.size();
  if (n < 3)
    return 0;
  double lo = y.front();
  double hi = y.back();
  if (!(hi > lo))
    return 0;
  // Scaled to the unit square the chord runs from (0, 0) to (1, 1); the
  // distance of (x, v) to it is |x - v| / sqrt(2), so maximise |x - v|.
  std::size_t best = 0;
  double best_gap = -1;
  for (std::size_t i = 0; i < n; ++i) {
    double x = static_cast<double>(i) / static_cast<double>(n - 1);
    double v = (y[i] - lo) / (hi - lo);
    double gap = std::abs(x - v);
    if (gap > best_gap) {
      best_gap = gap;
      best = i;
    }
  }
  return best;
}

eps_choice choose_eps(const distance_matrix& d, std::size_t min_pts) {
  eps_choice c;
  c.curve = k_distances(d, min_pts);
  std::sort(c.curve.begin(), c.curve.end());
  c.knee = knee_index(c.curve);
  c.eps = c.curve.empty() ? 0.0 : c.curve[c.knee];
  return c;
}

dbscan_result dbscan(const distance_matrix& d, double eps,
                     std::size_t min_pts) {
  constexpr int unvisited = -2;
  auto n = d.size();
  dbscan_result r;
  r.labels.assign(n, unvisited);
  std::vector<std::size_t> neighbours;
  auto region = [&](std::size_t p) {
    neighbours.clear();
    for (std::size_t q = 0; q < n; ++q)
      if (q != p && d.at(p, q) <= eps)
        neighbours.push_back(q);
  };
  std::deque<std::size_t> frontier;
  for (std::size_t p = 0; p < n; ++p) {
    if (r.labels[p] != unvisited)
      continue;
    region(p);
    if (neighbours.size() < min_pts) {
      r.labels[p] = dbscan_result::noise; // may become a border point later
      continue;
    }
    auto cluster = static_cast<int>(r.clusters++);
    r.labels[p] = cluster;
    frontier.assign(neighbours.begin(), neighbours.end());
    while (!frontier.empty()) {
      auto q = frontier.front();
      frontier.pop_front();
      if (r.labels[q] == dbscan_result::noise)
        r.labels[q] = cluster; // border point
      if (r.labels[q] != unvisited)
        continue;
      r.labels[q] = cluster;
      region(q);
      if (neighbours.size() >= min_pts)
        frontier.insert(frontier.end(), neighbours.begin(), neighbours.end());
    }
  }
  r.sizes.assign(r.clusters, 0);
  for (auto l : r.labels) {
    if (l == dbscan_result::noise)
      ++r.noise_points;
    else
      ++r.sizes[static_cast<std::size_t>(l)];
  }
  return r;
}

} // namespace kpsynth::quality
