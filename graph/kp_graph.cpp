#include "graph/kp_graph.hpp"

#include "graph/hashing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

namespace kpsynth::graph {

namespace {

/// Counting sort helper: turns per-bucket counts into offsets (size n+1).
std::vector<std::uint64_t>
offsets_from_counts(const std::vector<std::uint64_t>& counts) {
  std::vector<std::uint64_t> offsets(counts.size() + 1, 0);
  for (std::size_t i = 0; i < counts.size(); ++i)
    offsets[i + 1] = offsets[i] + counts[i];
  return offsets;
}

std::uint64_t fingerprint_of(const graph_parts& p) {
  std::uint64_t h = hash_combine(0x6b70677261706831ULL, p.seed_count);
  h = hash_combine(h, hash_span<kp_id>(p.node_kps));
  h = hash_combine(h, hash_span<std::uint64_t>(p.node_seed_offsets));
  h = hash_combine(h, hash_span<seed_index>(p.node_seeds));
  h = hash_combine(h, hash_span<std::uint64_t>(p.adjacency_offsets));
  h = hash_combine(h, hash_span<node_index>(p.adjacency));
  h = hash_combine(h, hash_span<std::uint32_t>(p.weights));
  h = hash_combine(h, hash_span<std::uint64_t>(p.edge_seed_offsets));
  return hash_combine(h, hash_span<seed_index>(p.edge_seeds));
}

/// Checks an offsets array: right length, starts at 0, never decreases,
/// ends at the size of the array it indexes.
std::optional<problem> check_offsets(const std::vector<std::uint64_t>& off,
                                     std::size_t expected_len,
                                     std::size_t target_size,
                                     std::string_view name,
                                     std::string_view where) {
  auto bad = [&](std::string msg) {
    return make_problem("bad_graph", std::string{name} + ": " + msg,
                        std::string{where});
  };
  if (off.size() != expected_len)
    return bad("has " + std::to_string(off.size()) + " entries, expected "
               + std::to_string(expected_len));
  if (off.front() != 0)
    return bad("does not start at 0");
  for (std::size_t i = 1; i < off.size(); ++i)
    if (off[i] < off[i - 1])
      return bad("decreases at entry " + std::to_string(i));
  if (off.back() != target_size)
    return bad("ends at " + std::to_string(off.back()) + " but indexes "
               + std::to_string(target_size) + " values");
  return std::nullopt;
}

/// True if `values[begin, end)` is strictly ascending and below `limit`.
template<class T>
bool ascending_below(const std::vector<T>& values, std::uint64_t begin,
                     std::uint64_t end, std::uint64_t limit) {
  for (auto i = begin; i < end; ++i) {
    if (values[i] >= limit)
      return false;
    if (i > begin && values[i] <= values[i - 1])
      return false;
  }
  return true;
}

} // namespace

kp_graph::kp_graph()
  : kp_graph(graph_parts{0, {}, {0}, {}, {0}, {}, {}, {0}, {}}) {}

kp_graph::kp_graph(graph_parts parts) : parts_(std::move(parts)) {
  total_weight_ = 0;
  for (auto w : parts_.weights)
    total_weight_ += w;
  total_weight_ /= 2;
  fingerprint_ = fingerprint_of(parts_);
}

result<kp_graph> kp_graph::build(std::span<const std::vector<kp_id>> seed_kps) {
  if (seed_kps.size() >= std::numeric_limits<seed_index>::max())
    return make_problem("too_many_seeds",
                        std::to_string(seed_kps.size()) + " seeds",
                        "kp_graph::build");
  // Each seed's KPs, sorted and without repeats, back to back.
  std::vector<std::uint64_t> seed_off{0};
  std::vector<kp_id> flat;
  for (std::size_t s = 0; s < seed_kps.size(); ++s) {
    const auto begin = flat.size();
    for (kp_id kp : seed_kps[s])
      if (kp != no_kp)
        flat.push_back(kp);
    std::sort(flat.begin() + static_cast<std::ptrdiff_t>(begin), flat.end());
    flat.erase(std::unique(flat.begin() + static_cast<std::ptrdiff_t>(begin),
                           flat.end()),
               flat.end());
    if (flat.size() - begin > max_kps_per_seed)
      return make_problem("too_many_kps",
                          "seed has " + std::to_string(flat.size() - begin)
                            + " distinct KPs (at most "
                            + std::to_string(max_kps_per_seed) + ")",
                          "seed index " + std::to_string(s));
    seed_off.push_back(flat.size());
  }
  graph_parts p;
  p.seed_count = static_cast<std::uint32_t>(seed_kps.size());
  p.node_kps = flat;
  std::sort(p.node_kps.begin(), p.node_kps.end());
  p.node_kps.erase(std::unique(p.node_kps.begin(), p.node_kps.end()),
                   p.node_kps.end());
  const std::size_t n = p.node_kps.size();
  // KP ids become node indices; order is kept, so each seed stays sorted.
  for (auto& kp : flat)
    kp = static_cast<node_index>(
      std::lower_bound(p.node_kps.begin(), p.node_kps.end(), kp)
      - p.node_kps.begin());

  std::vector<std::uint64_t> seed_counts(n, 0), edge_counts(n, 0);
  for (std::size_t s = 0; s + 1 < seed_off.size(); ++s) {
    const auto k = seed_off[s + 1] - seed_off[s];
    for (auto i = seed_off[s]; i < seed_off[s + 1]; ++i) {
      ++seed_counts[flat[i]];
      edge_counts[flat[i]] += k - 1;
    }
  }
  p.node_seed_offsets = offsets_from_counts(seed_counts);
  p.node_seeds.resize(p.node_seed_offsets.back());
  // Directed (neighbour, seed) entries per node; seeds arrive ascending.
  const auto entry_off = offsets_from_counts(edge_counts);
  std::vector<std::pair<node_index, seed_index>> entries(entry_off.back());
  {
    auto seed_fill = p.node_seed_offsets;
    auto entry_fill = entry_off;
    for (std::size_t s = 0; s + 1 < seed_off.size(); ++s)
      for (auto i = seed_off[s]; i < seed_off[s + 1]; ++i) {
        const auto u = flat[i];
        p.node_seeds[seed_fill[u]++] = static_cast<seed_index>(s);
        for (auto j = seed_off[s]; j < seed_off[s + 1]; ++j)
          if (j != i)
            entries[entry_fill[u]++] = {flat[j], static_cast<seed_index>(s)};
      }
  }
  p.adjacency_offsets.assign(1, 0);
  p.edge_seed_offsets.assign(1, 0);
  p.edge_seeds.reserve(entries.size());
  for (std::size_t u = 0; u < n; ++u) {
    auto first = entries.begin() + static_cast<std::ptrdiff_t>(entry_off[u]);
    auto last = entries.begin() + static_cast<std::ptrdiff_t>(entry_off[u + 1]);
    std::stable_sort(first, last, [](const auto& x, const auto& y) {
      return x.first < y.first;
    });
    for (auto it = first; it != last; ++it) {
      if (it == first || it->first != (it - 1)->first) {
        p.adjacency.push_back(it->first);
        p.weights.push_back(0);
        p.edge_seed_offsets.push_back(p.edge_seed_offsets.back());
      }
      ++p.weights.back();
      p.edge_seeds.push_back(it->second);
      ++p.edge_seed_offsets.back();
    }
    p.adjacency_offsets.push_back(p.adjacency.size());
  }
  return kp_graph{std::move(p)};
}

result<kp_graph> kp_graph::from_parts(graph_parts p, std::string_view where) {
  auto bad = [&](std::string msg) {
    return make_problem("bad_graph", std::move(msg), std::string{where});
  };
  const std::size_t n = p.node_kps.size();
  if (!ascending_below(p.node_kps, 0, n, no_kp))
    return bad("node kp ids are not strictly ascending");
  if (auto e = check_offsets(p.node_seed_offsets, n + 1, p.node_seeds.size(),
                             "node seed offsets", where))
    return *e;
  if (auto e = check_offsets(p.adjacency_offsets, n + 1, p.adjacency.size(),
                             "adjacency offsets", where))
    return *e;
  if (p.weights.size() != p.adjacency.size())
    return bad("weights and adjacency differ in length");
  if (auto e = check_offsets(p.edge_seed_offsets, p.adjacency.size() + 1,
                             p.edge_seeds.size(), "edge seed offsets", where))
    return *e;
  for (std::size_t u = 0; u < n; ++u) {
    if (!ascending_below(p.node_seeds, p.node_seed_offsets[u],
                         p.node_seed_offsets[u + 1], p.seed_count))
      return bad("seeds of node " + std::to_string(u)
                 + " are out of range or not ascending");
    const auto b = p.adjacency_offsets[u];
    const auto e = p.adjacency_offsets[u + 1];
    if (!ascending_below(p.adjacency, b, e, n))
      return bad("neighbours of node " + std::to_string(u)
                 + " are out of range or not ascending");
    for (auto i = b; i < e; ++i) {
      if (p.adjacency[i] == u)
        return bad("node " + std::to_string(u) + " has a self loop");
      const auto sb = p.edge_seed_offsets[i];
      const auto se = p.edge_seed_offsets[i + 1];
      if (p.weights[i] != se - sb || p.weights[i] == 0)
        return bad("edge entry " + std::to_string(i)
                   + " has a weight that differs from its seed count");
      if (!ascending_below(p.edge_seeds, sb, se, p.seed_count))
        return bad("seeds of edge entry " + std::to_string(i)
                   + " are out of range or not ascending");
    }
  }
  kp_graph g{std::move(p)};
  // Symmetry last: find_edge relies on the sorted adjacency checked above.
  for (node_index u = 0; u < n; ++u) {
    auto nb = g.neighbours(u);
    for (std::size_t i = 0; i < nb.size(); ++i) {
      auto back = g.find_edge(nb[i], u);
      if (!back || g.weights(nb[i])[*back] != g.weights(u)[i]
          || !std::ranges::equal(g.edge_seeds(nb[i], *back),
                                 g.edge_seeds(u, i)))
        return bad("edge " + std::to_string(u) + "-" + std::to_string(nb[i])
                   + " is not symmetric");
    }
  }
  return g;
}

std::optional<node_index> kp_graph::node_of(kp_id kp) const {
  auto it =
    std::lower_bound(parts_.node_kps.begin(), parts_.node_kps.end(), kp);
  if (it == parts_.node_kps.end() || *it != kp)
    return std::nullopt;
  return static_cast<node_index>(it - parts_.node_kps.begin());
}

std::span<const node_index> kp_graph::neighbours(node_index node) const {
  const auto b = parts_.adjacency_offsets[node];
  return {parts_.adjacency.data() + b, parts_.adjacency_offsets[node + 1] - b};
}

std::span<const std::uint32_t> kp_graph::weights(node_index node) const {
  const auto b = parts_.adjacency_offsets[node];
  return {parts_.weights.data() + b, parts_.adjacency_offsets[node + 1] - b};
}

std::span<const seed_index> kp_graph::node_seeds(node_index node) const {
  const auto b = parts_.node_seed_offsets[node];
  return {parts_.node_seeds.data() + b, parts_.node_seed_offsets[node + 1] - b};
}

std::optional<std::size_t> kp_graph::find_edge(node_index a,
                                               node_index b) const {
  auto nb = neighbours(a);
  auto it = std::lower_bound(nb.begin(), nb.end(), b);
  if (it == nb.end() || *it != b)
    return std::nullopt;
  return static_cast<std::size_t>(it - nb.begin());
}

std::span<const seed_index> kp_graph::edge_seeds(node_index a,
                                                 std::size_t pos) const {
  const auto i = parts_.adjacency_offsets[a] + pos;
  const auto b = parts_.edge_seed_offsets[i];
  return {parts_.edge_seeds.data() + b, parts_.edge_seed_offsets[i + 1] - b};
}

std::vector<node_index> kp_graph::core_nodes(const core_options& opt) const {
  const std::size_t n = node_count();
  std::size_t want = opt.count;
  if (want == 0 && opt.top_fraction > 0)
    want =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(
                                 opt.top_fraction * static_cast<double>(n))));
  want = std::min(want, n);
  std::vector<std::uint64_t> strength(n, 0);
  for (node_index u = 0; u < n; ++u)
    for (auto w : weights(u))
      strength[u] += w;
  std::vector<node_index> order(n);
  std::iota(order.begin(), order.end(), node_index{0});
  auto before = [&](node_index x, node_index y) {
    if (degree(x) != degree(y))
      return degree(x) > degree(y);
    if (strength[x] != strength[y])
      return strength[x] > strength[y];
    return x < y;
  };
  std::partial_sort(order.begin(),
                    order.begin() + static_cast<std::ptrdiff_t>(want),
                    order.end(), before);
  order.resize(want);
  return order;
}

graph_stats kp_graph::stats() const {
  graph_stats s;
  s.nodes = node_count();
  s.edges = edge_count();
  s.total_weight = total_weight_;
  s.seeds = seed_count();
  std::vector<node_index> parent(s.nodes);
  std::iota(parent.begin(), parent.end(), node_index{0});
  auto root = [&](node_index x) {
    while (parent[x] != x)
      x = parent[x] = parent[parent[x]];
    return x;
  };
  s.components = s.nodes;
  for (node_index u = 0; u < s.nodes; ++u) {
    s.max_degree = std::max(s.max_degree, degree(u));
    if (degree(u) == 0)
      ++s.isolated_nodes;
    for (auto v : neighbours(u)) {
      auto a = root(u);
      auto b = root(v);
      if (a != b) {
        parent[std::max(a, b)] = std::min(a, b);
        --s.components;
      }
    }
  }
  return s;
}

std::uint64_t kp_graph::triangle_count() const {
  // Orient every edge from lower to higher (degree, id) rank; each
  // triangle is then found exactly once, and no node has more than
  // O(sqrt(E)) out-neighbours.
  const std::size_t n = node_count();
  auto lower = [&](node_index x, node_index y) {
    return degree(x) != degree(y) ? degree(x) < degree(y) : x < y;
  };
  std::vector<std::uint64_t> out_off(n + 1, 0);
  std::vector<node_index> out;
  for (node_index u = 0; u < n; ++u) {
    for (auto v : neighbours(u))
      if (lower(u, v))
        out.push_back(v);
    out_off[u + 1] = out.size();
  }
  std::vector<char> mark(n, 0);
  std::uint64_t count = 0;
  for (node_index u = 0; u < n; ++u) {
    for (auto i = out_off[u]; i < out_off[u + 1]; ++i)
      mark[out[i]] = 1;
    for (auto i = out_off[u]; i < out_off[u + 1]; ++i) {
      const auto v = out[i];
      for (auto j = out_off[v]; j < out_off[v + 1]; ++j)
        count += mark[out[j]];
    }
    for (auto i = out_off[u]; i < out_off[u + 1]; ++i)
      mark[out[i]] = 0;
  }
  return count;
}

} // namespace kpsynth::graph
