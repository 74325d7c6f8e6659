#pragma once

// Density clustering for the report's diversity figure: DBSCAN over a
// precomputed distance matrix, with eps chosen from the k-distance graph.
//
// Conventions (stated once, used everywhere): `min_pts` counts *other*
// points. A point is a core point when at least `min_pts` other points lie
// within distance eps, and the k-distance of a point (k = min_pts) is the
// distance to its k-th nearest other point. So a point is a core point
// exactly when its k-distance is <= eps, which is what makes the knee of the
// sorted k-distance curve a sensible eps: points left of the knee are
// inside dense regions, points right of it are noise.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <utility>
#include <vector>

namespace kpsynth::quality {

/// Symmetric pairwise distances of n points, stored as the upper triangle
/// in floats: n = 5,000 takes 50 MB, which bounds the diversity sample.
class distance_matrix {
 public:
  /// Fills the matrix with `distance(i, j)` for i < j.
  distance_matrix(
    std::size_t n,
    const std::function<double(std::size_t, std::size_t)>& distance);

  std::size_t size() const { return n_; }

  /// d(i, j); 0 on the diagonal.
  float at(std::size_t i, std::size_t j) const {
    if (i == j)
      return 0.0f;
    if (i > j)
      std::swap(i, j);
    return d_[offset(i) + (j - i - 1)];
  }

 private:
  std::size_t offset(std::size_t i) const { return i * (2 * n_ - i - 1) / 2; }

  std::size_t n_;
  std::vector<float> d_;
};

/// For every point, the distance to its k-th nearest other point; a point
/// with fewer than k others gets the distance to its farthest (0 if alone).
/// Returned in point order.
std::vector<double> k_distances(const distance_matrix& d, std::size_t k);

/// The knee of an ascending curve: the index of the point farthest from the
/// chord between the first and the last point, after scaling both axes to
/// [0, 1] so that the units of distance do not matter. 0 for fewer than
/// three points or a flat curve.
std::size_t knee_index(std::span<const double> ascending);

/// eps chosen from the k-distance graph.
struct eps_choice {
  std::vector<double> curve; ///< k-distances sorted ascending.
  std::size_t knee = 0;      ///< Index into `curve`.
  double eps = 0;            ///< curve[knee].
};

/// k-distances with k = min_pts, sorted, and their knee.
eps_choice choose_eps(const distance_matrix& d, std::size_t min_pts);

/// Cluster labels: 0, 1, ... in order of discovery, or `noise`.
struct dbscan_result {
  static constexpr int noise = -1;
  std::vector<int> labels;
  std::size_t clusters = 0;
  std::size_t noise_points = 0;
  std::vector<std::size_t> sizes; ///< Points per cluster.
};

/// DBSCAN (Ester et al. 1996) in O(n^2): points are visited in index order
/// and a border point joins the first cluster that reaches it, so the
/// result is deterministic.
dbscan_result dbscan(const distance_matrix& d, double eps, std::size_t min_pts);

} // namespace kpsynth::quality
