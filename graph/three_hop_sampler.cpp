#include "graph/three_hop_sampler.hpp"

#include "graph/hashing.hpp"
#include "graph/sampler_util.hpp"

#include <algorithm>
#include <limits>

namespace kpsynth::graph {

three_hop_sampler::three_hop_sampler(const kp_graph& graph,
                                     three_hop_options options)
  : graph_(&graph), options_(options), core_(graph.core_nodes(options.core)),
    rank_(graph.node_count(), std::numeric_limits<std::uint32_t>::max()) {
  for (std::size_t i = 0; i < core_.size(); ++i)
    rank_[core_[i]] = static_cast<std::uint32_t>(i);
  std::uint64_t h = hash_combine(graph.fingerprint(), hash_string("three_hop"));
  h = hash_combine(h, hash_span<node_index>(core_));
  h = hash_combine(h, options.per_core_cap);
  fingerprint_ = hash_combine(h, options.provenance.seeds_per_edge);
}

void three_hop_sampler::next_core() {
  ++ci_;
  xi_ = form_ = yi_ = zi_ = core_emitted_ = x_emitted_ = 0;
}

void three_hop_sampler::next_x() {
  ++xi_;
  form_ = yi_ = zi_ = x_emitted_ = 0;
}

std::optional<combination> three_hop_sampler::next() {
  const auto& g = *graph_;
  const auto cap = options_.per_core_cap;
  while (ci_ < core_.size()) {
    const node_index k = core_[ci_];
    const auto ks = g.neighbours(k);
    if (core_emitted_ >= cap || xi_ >= ks.size()) {
      next_core();
      continue;
    }
    const std::uint64_t quota =
      std::max<std::uint64_t>(1, (cap + ks.size() - 1) / ks.size());
    const node_index x = ks[xi_];
    // Paths through an earlier core node were credited to that node.
    if (form_ >= 2 || x_emitted_ >= quota || rank_[x] < ci_) {
      next_x();
      continue;
    }
    const auto ys = form_ == 0 ? g.neighbours(x) : ks;
    if (yi_ >= ys.size()) {
      ++form_;
      yi_ = zi_ = 0;
      continue;
    }
    const node_index y = ys[yi_];
    const auto zs = g.neighbours(y);
    if (y == k || y == x || rank_[y] < ci_ || zi_ >= zs.size()) {
      ++yi_;
      zi_ = 0;
      continue;
    }
    const node_index z = zs[zi_++];
    if (z == k || z == x || z == y || rank_[z] < ci_)
      continue;
    node_index p[4] = {k, x, y, z};
    if (form_ == 1)
      std::swap(p[0], p[1]);
    if (g.adjacent(p[0], p[3]))
      continue;
    if (p[0] > p[3])
      std::reverse(std::begin(p), std::end(p));
    ++x_emitted_;
    ++core_emitted_;
    std::vector<seed_index> seeds;
    const auto per_edge = options_.provenance.seeds_per_edge;
    for (int e = 0; e < 3; ++e)
      detail::add_edge_seeds(g, p[e], p[e + 1], per_edge, seeds);
    return detail::make_combination(g, combination_kind::three_hop,
                                    {p[0], p[1], p[2], p[3]}, ordinal_++, 0,
                                    std::move(seeds));
  }
  return std::nullopt;
}

sampler_cursor three_hop_sampler::cursor() const {
  return {std::string{name()},
          fingerprint_,
          {ci_, xi_, form_, yi_, zi_, core_emitted_, x_emitted_, ordinal_}};
}

result<std::uint64_t> three_hop_sampler::seek(const sampler_cursor& c) {
  if (auto e = check_cursor(c, name(), fingerprint_, 8, true))
    return *e;
  const auto& s = c.state;
  if (s[0] > core_.size())
    return detail::out_of_range(name(), "core", s[0], core_.size());
  if (s[2] > 2)
    return detail::out_of_range(name(), "form", s[2], 2);
  // Positions past the end of a list are harmless (next() moves on), but
  // values beyond any list show a corrupted cursor.
  const std::uint64_t n = graph_->node_count();
  for (std::size_t i : {1, 3, 4})
    if (s[i] > n)
      return detail::out_of_range(name(), "position", s[i], n);
  if (s[5] > options_.per_core_cap || s[6] > s[5])
    return detail::out_of_range(name(), "emitted", s[5], options_.per_core_cap);
  ci_ = s[0];
  xi_ = s[1];
  form_ = s[2];
  yi_ = s[3];
  zi_ = s[4];
  core_emitted_ = s[5];
  x_emitted_ = s[6];
  ordinal_ = s[7];
  return ordinal_;
}

} // namespace kpsynth::graph
