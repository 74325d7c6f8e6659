#include "graph/path_samplers.hpp"

#include "graph/hashing.hpp"
#include "graph/sampler_util.hpp"

#include <algorithm>

namespace kpsynth::graph {

// -- one_hop -----------------------------------------------------------------

one_hop_sampler::one_hop_sampler(const kp_graph& graph) : graph_(&graph) {
  for (node_index u = 0; u < graph.node_count(); ++u) {
    auto nb = graph.neighbours(u);
    auto w = graph.weights(u);
    for (std::size_t p = 0; p < nb.size(); ++p)
      if (nb[p] > u)
        edges_.push_back(edge{u, nb[p], static_cast<std::uint32_t>(p), w[p]});
  }
  // Edges were collected by (u, v); stability keeps that as the tie order.
  std::stable_sort(
    edges_.begin(), edges_.end(),
    [](const edge& x, const edge& y) { return x.weight > y.weight; });
  fingerprint_ = hash_combine(graph.fingerprint(), hash_string("one_hop"));
  length_ = round_length(0);
}

std::uint64_t one_hop_sampler::round_length(std::uint64_t round) const {
  auto it =
    std::partition_point(edges_.begin(), edges_.end(),
                         [round](const edge& e) { return e.weight > round; });
  return static_cast<std::uint64_t>(it - edges_.begin());
}

std::optional<combination> one_hop_sampler::next() {
  while (length_ > 0) {
    if (index_ < length_) {
      const auto& e = edges_[index_++];
      const auto seed = graph_->edge_seeds(e.u, e.pos)[round_];
      return detail::make_combination(*graph_, combination_kind::one_hop,
                                      {e.u, e.v}, ordinal_++, round_, {seed});
    }
    ++round_;
    index_ = 0;
    length_ = round_length(round_);
  }
  return std::nullopt;
}

sampler_cursor one_hop_sampler::cursor() const {
  return {std::string{name()}, fingerprint_, {round_, index_, ordinal_}};
}

result<std::uint64_t> one_hop_sampler::seek(const sampler_cursor& c) {
  if (auto e = check_cursor(c, name(), fingerprint_, 3, true))
    return *e;
  const auto round = c.state[0];
  const auto index = c.state[1];
  const auto length = round_length(round);
  if (index > length)
    return detail::out_of_range(name(), "index", index, length);
  // The ordinal is implied by (round, index); a mismatch means the cursor
  // was corrupted.
  std::uint64_t ordinal = index;
  for (const auto& e : edges_)
    ordinal += std::min<std::uint64_t>(e.weight, round);
  if (ordinal != c.state[2])
    return make_problem("bad_cursor",
                        "ordinal " + std::to_string(c.state[2])
                          + " does not match round/index (expected "
                          + std::to_string(ordinal) + ")",
                        "cursor one_hop");
  round_ = round;
  index_ = index;
  length_ = length;
  ordinal_ = ordinal;
  return ordinal_;
}

std::optional<std::uint64_t> one_hop_sampler::size_hint() const {
  return graph_->total_weight();
}

// -- two_hop -----------------------------------------------------------------

two_hop_sampler::two_hop_sampler(const kp_graph& graph,
                                 provenance_options options)
  : graph_(&graph), options_(options) {
  fingerprint_ =
    hash_combine(hash_combine(graph.fingerprint(), hash_string("two_hop")),
                 options.seeds_per_edge);
}

std::optional<combination> two_hop_sampler::next() {
  const auto& g = *graph_;
  while (b_ < g.node_count()) {
    const auto b = static_cast<node_index>(b_);
    auto nb = g.neighbours(b);
    const std::uint64_t d = nb.size();
    if (j_ <= i_)
      j_ = i_ + 1;
    while (i_ + 1 < d) {
      while (j_ < d) {
        const auto a = nb[i_];
        const auto c = nb[j_++];
        if (g.adjacent(a, c))
          continue;
        std::vector<seed_index> seeds;
        detail::add_edge_seeds(g, b, a, options_.seeds_per_edge, seeds);
        detail::add_edge_seeds(g, b, c, options_.seeds_per_edge, seeds);
        return detail::make_combination(g, combination_kind::two_hop, {a, b, c},
                                        ordinal_++, 0, std::move(seeds));
      }
      ++i_;
      j_ = i_ + 1;
    }
    ++b_;
    i_ = 0;
    j_ = 1;
  }
  return std::nullopt;
}

sampler_cursor two_hop_sampler::cursor() const {
  return {std::string{name()}, fingerprint_, {b_, i_, j_, ordinal_}};
}

result<std::uint64_t> two_hop_sampler::seek(const sampler_cursor& c) {
  if (auto e = detail::check_pair_cursor(*graph_, name(), c, fingerprint_))
    return *e;
  b_ = c.state[0];
  i_ = c.state[1];
  j_ = c.state[2];
  ordinal_ = c.state[3];
  return ordinal_;
}

std::optional<std::uint64_t> two_hop_sampler::size_hint() const {
  if (!size_) {
    std::uint64_t wedges = 0;
    for (node_index u = 0; u < graph_->node_count(); ++u) {
      const std::uint64_t d = graph_->degree(u);
      wedges += d * (d - (d > 0 ? 1 : 0)) / 2;
    }
    size_ = wedges - 3 * graph_->triangle_count();
  }
  return size_;
}

// -- community ---------------------------------------------------------------

community_sampler::community_sampler(const kp_graph& graph,
                                     provenance_options options)
  : graph_(&graph), options_(options) {
  fingerprint_ =
    hash_combine(hash_combine(graph.fingerprint(), hash_string("community")),
                 options.seeds_per_edge);
}

std::optional<combination> community_sampler::next() {
  const auto& g = *graph_;
  while (a_ < g.node_count()) {
    const auto a = static_cast<node_index>(a_);
    auto nb = g.neighbours(a);
    const std::uint64_t d = nb.size();
    // Only neighbours above a: each triangle is found from its smallest node.
    const std::uint64_t lo = static_cast<std::uint64_t>(
      std::upper_bound(nb.begin(), nb.end(), a) - nb.begin());
    if (i_ < lo)
      i_ = lo;
    if (j_ <= i_)
      j_ = i_ + 1;
    while (i_ + 1 < d) {
      while (j_ < d) {
        const auto b = nb[i_];
        const auto c = nb[j_++];
        if (!g.adjacent(b, c))
          continue;
        std::vector<seed_index> seeds;
        const auto k = options_.seeds_per_edge;
        detail::add_edge_seeds(g, a, b, k, seeds);
        detail::add_edge_seeds(g, a, c, k, seeds);
        detail::add_edge_seeds(g, b, c, k, seeds);
        return detail::make_combination(g, combination_kind::community,
                                        {a, b, c}, ordinal_++, 0,
                                        std::move(seeds));
      }
      ++i_;
      j_ = i_ + 1;
    }
    ++a_;
    i_ = 0;
    j_ = 0;
  }
  return std::nullopt;
}

sampler_cursor community_sampler::cursor() const {
  return {std::string{name()}, fingerprint_, {a_, i_, j_, ordinal_}};
}

result<std::uint64_t> community_sampler::seek(const sampler_cursor& c) {
  if (auto e = detail::check_pair_cursor(*graph_, name(), c, fingerprint_))
    return *e;
  a_ = c.state[0];
  i_ = c.state[1];
  j_ = c.state[2];
  ordinal_ = c.state[3];
  return ordinal_;
}

std::optional<std::uint64_t> community_sampler::size_hint() const {
  if (!size_)
    size_ = graph_->triangle_count();
  return size_;
}

} // namespace kpsynth::graph
