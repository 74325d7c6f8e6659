#pragma once

// Graphs and helpers shared by the sampler test suites.

#include "graph/combination.hpp"
#include "graph/kp_graph.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <vector>

namespace kpsynth::graph::testing {

using points_t = std::vector<kp_id>;

/// 10-20 (seeds 0, 1), 10-30, 20-30 (seed 0), 30-40 (seed 2), 40-50
/// (seed 3): one triangle with a tail.
inline kp_graph tiny_graph() {
  std::vector<std::vector<kp_id>> seeds{
    {10, 20, 30}, {10, 20}, {30, 40}, {40, 50}};
  auto g = kp_graph::build(seeds);
  REQUIRE(g);
  return std::move(*g);
}

/// A random graph from `seeds` random seeds of 2..6 KPs among `kps`.
inline kp_graph random_graph(std::uint64_t seed, std::size_t seeds, kp_id kps) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<kp_id> kp(0, kps - 1);
  std::uniform_int_distribution<int> len(2, 6);
  std::vector<std::vector<kp_id>> lists(seeds);
  for (auto& l : lists)
    for (int i = len(rng); i > 0; --i)
      l.push_back(kp(rng));
  auto g = kp_graph::build(lists);
  REQUIRE(g);
  return std::move(*g);
}

inline std::vector<combination> drain(sampler& s, std::size_t limit = 1000000) {
  std::vector<combination> out;
  while (out.size() < limit) {
    auto c = s.next();
    if (!c)
      break;
    out.push_back(std::move(*c));
  }
  return out;
}

inline std::vector<points_t> points_of(const std::vector<combination>& v) {
  std::vector<points_t> out;
  for (const auto& c : v)
    out.push_back(c.points);
  return out;
}

inline bool same_items(const combination& a, const combination& b) {
  return a.kind == b.kind && a.points == b.points && a.ordinal == b.ordinal
         && a.repetition == b.repetition && a.seeds == b.seeds && a.id == b.id;
}

/// Brute force: every path a-b-c-d of distinct nodes (as canonical KP
/// sequences, smaller end first) containing a core node, ends not adjacent.
inline std::set<points_t> all_three_hop(const kp_graph& g,
                                        const std::vector<node_index>& core) {
  std::set<node_index> is_core(core.begin(), core.end());
  std::set<points_t> out;
  for (node_index a = 0; a < g.node_count(); ++a)
    for (auto b : g.neighbours(a))
      for (auto c : g.neighbours(b))
        for (auto d : g.neighbours(c)) {
          if (c == a || d == a || d == b || g.adjacent(a, d) || a > d)
            continue;
          if (!is_core.count(a) && !is_core.count(b) && !is_core.count(c)
              && !is_core.count(d))
            continue;
          out.insert({g.kp_of(a), g.kp_of(b), g.kp_of(c), g.kp_of(d)});
        }
  return out;
}

/// Resuming from a cursor taken after `cut` items (through its string
/// form) must give exactly the rest of the sequence.
inline void check_resume(const std::function<std::unique_ptr<sampler>()>& make,
                         std::uint64_t rng_seed, int cuts = 12) {
  auto full_sampler = make();
  const auto full = drain(*full_sampler);
  REQUIRE_FALSE(full.empty());
  std::mt19937_64 rng(rng_seed);
  std::uniform_int_distribution<std::size_t> pick(0, full.size());
  std::vector<std::size_t> points{0, full.size()};
  for (int i = 0; i < cuts; ++i)
    points.push_back(pick(rng));
  for (auto cut : points) {
    auto first = make();
    for (std::size_t i = 0; i < cut; ++i)
      REQUIRE(first->next());
    const auto text = first->cursor().to_string();
    auto parsed = sampler_cursor::parse(text);
    REQUIRE(parsed);
    auto second = make();
    auto at = second->seek(*parsed);
    REQUIRE(at);
    const auto rest = drain(*second);
    INFO("cut " << cut << " of " << full.size() << ", cursor " << text);
    REQUIRE(rest.size() == full.size() - cut);
    for (std::size_t i = 0; i < rest.size(); ++i)
      REQUIRE(same_items(rest[i], full[cut + i]));
    // The original sampler continues identically too.
    auto cont = drain(*first);
    REQUIRE(cont.size() == rest.size());
  }
}

} // namespace kpsynth::graph::testing
