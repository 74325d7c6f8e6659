#include "graph/cooccurrence.hpp"
#include "graph/mixed_sampler.hpp"
#include "graph/path_samplers.hpp"
#include "graph/three_hop_sampler.hpp"
#include "tests/graph/sampler_fixtures.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>
#include <vector>

using namespace kpsynth::graph;
using namespace kpsynth::graph::testing;

TEST_CASE("one-hop: every edge, repeated by weight, in rounds",
          "[graph][sampler]") {
  auto g = tiny_graph();
  one_hop_sampler s(g);
  CHECK(s.size_hint() == 6u);
  auto all = drain(s);
  CHECK(points_of(all)
        == std::vector<points_t>{
          {10, 20}, {10, 30}, {20, 30}, {30, 40}, {40, 50}, {10, 20}});
  CHECK(all[0].repetition == 0);
  CHECK(all[0].seeds == std::vector<seed_index>{0});
  CHECK(all[5].repetition == 1);
  CHECK(all[5].seeds == std::vector<seed_index>{1});
  CHECK(all[3].seeds == std::vector<seed_index>{2});
  CHECK(all[0].id != all[5].id);
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].ordinal == i);
    CHECK(all[i].kind == combination_kind::one_hop);
    CHECK(all[i].id
          == combination_id(all[i].kind, all[i].points, all[i].repetition));
  }
  CHECK_FALSE(s.next());
}

TEST_CASE("two-hop: paths whose ends are not adjacent", "[graph][sampler]") {
  auto g = tiny_graph();
  two_hop_sampler s(g);
  CHECK(s.size_hint() == 3u);
  auto all = drain(s);
  CHECK(points_of(all)
        == std::vector<points_t>{{10, 30, 40}, {20, 30, 40}, {30, 40, 50}});
  CHECK(all[0].seeds == std::vector<seed_index>{0, 2});
  CHECK(all[2].seeds == std::vector<seed_index>{2, 3});
}

TEST_CASE("community: each triangle once", "[graph][sampler]") {
  auto g = tiny_graph();
  community_sampler s(g);
  CHECK(s.size_hint() == 1u);
  auto all = drain(s);
  REQUIRE(all.size() == 1);
  CHECK(all[0].points == points_t{10, 20, 30});
  CHECK(all[0].seeds == std::vector<seed_index>{0, 1});
}

TEST_CASE("three-hop: paths through the core KP", "[graph][sampler]") {
  auto g = tiny_graph();
  three_hop_options opt;
  opt.core.count = 1;
  three_hop_sampler s(g, opt);
  REQUIRE(s.core() == std::vector<node_index>{*g.node_of(30)});
  auto all = drain(s);
  CHECK(
    points_of(all)
    == std::vector<points_t>{
      {10, 30, 40, 50}, {20, 30, 40, 50}, {20, 10, 30, 40}, {10, 20, 30, 40}});
  CHECK(all[2].seeds == std::vector<seed_index>{0, 1, 2});
  // Same four KPs, different paths, different ids.
  CHECK(all[2].id != all[3].id);
}

TEST_CASE("samplers match brute force on random graphs", "[graph][sampler]") {
  for (std::uint64_t seed : {1, 2, 3}) {
    auto g = random_graph(seed, 60, 40);
    INFO("graph seed " << seed);

    one_hop_sampler one(g);
    auto ones = drain(one);
    CHECK(ones.size() == g.total_weight());
    std::map<points_t, std::uint64_t> by_edge;
    for (const auto& c : ones)
      ++by_edge[c.points];
    CHECK(by_edge.size() == g.edge_count());
    for (const auto& [pts, n] : by_edge)
      CHECK(n
            == g.weights(*g.node_of(
              pts[0]))[*g.find_edge(*g.node_of(pts[0]), *g.node_of(pts[1]))]);

    std::set<points_t> wedges, triangles;
    for (node_index b = 0; b < g.node_count(); ++b)
      for (auto a : g.neighbours(b))
        for (auto c : g.neighbours(b)) {
          if (a >= c)
            continue;
          if (g.adjacent(a, c)) {
            points_t t{g.kp_of(a), g.kp_of(b), g.kp_of(c)};
            std::sort(t.begin(), t.end());
            triangles.insert(t);
          } else {
            wedges.insert({g.kp_of(a), g.kp_of(b), g.kp_of(c)});
          }
        }
    two_hop_sampler two(g);
    auto twos = points_of(drain(two));
    CHECK(twos.size() == wedges.size());
    CHECK(std::set<points_t>(twos.begin(), twos.end()) == wedges);
    CHECK(two.size_hint() == wedges.size());

    community_sampler com(g);
    auto coms = points_of(drain(com));
    CHECK(coms.size() == triangles.size());
    CHECK(std::set<points_t>(coms.begin(), coms.end()) == triangles);
    CHECK(com.size_hint() == triangles.size());

    three_hop_options opt;
    opt.core.count = 3;
    opt.per_core_cap = 1000000;
    three_hop_sampler three(g, opt);
    auto threes = points_of(drain(three));
    const auto truth = all_three_hop(g, three.core());
    CHECK(threes.size() == truth.size());
    CHECK(std::set<points_t>(threes.begin(), threes.end()) == truth);
  }
}

TEST_CASE("three-hop respects the per-core cap and spreads paths",
          "[graph][sampler]") {
  auto g = random_graph(9, 80, 40);
  three_hop_options opt;
  opt.core.count = 4;
  opt.per_core_cap = 10;
  three_hop_sampler s(g, opt);
  auto all = drain(s);
  const std::set<node_index> core(s.core().begin(), s.core().end());
  std::map<node_index, std::size_t> per_core;
  std::set<std::uint64_t> ids;
  for (const auto& c : all) {
    std::vector<node_index> n;
    for (auto kp : c.points)
      n.push_back(*g.node_of(kp));
    CHECK_FALSE(g.adjacent(n[0], n[3]));
    CHECK(std::set<node_index>(n.begin(), n.end()).size() == 4);
    node_index first_core = 0;
    bool found = false;
    for (auto k : s.core())
      if (!found && std::find(n.begin(), n.end(), k) != n.end()) {
        first_core = k;
        found = true;
      }
    REQUIRE(found);
    ++per_core[first_core];
    ids.insert(c.id);
  }
  CHECK(ids.size() == all.size());
  for (auto [k, count] : per_core)
    CHECK(count <= 10);
  CHECK(all.size() > 10); // more than one core node contributed
}

TEST_CASE("combination ids are stable across builds", "[graph][sampler]") {
  // Pinned: changing the hash breaks idempotency keys already stored.
  const points_t p{3, 7, 11};
  CHECK(combination_id(combination_kind::community, p, 0)
        == combination_id(combination_kind::community, p, 0));
  CHECK(combination_id(combination_kind::community, p, 0)
        != combination_id(combination_kind::two_hop, p, 0));
  CHECK(combination_id(combination_kind::community, p, 0)
        != combination_id(combination_kind::community, p, 1));
  CHECK(combination_id(combination_kind::one_hop, points_t{1, 2}, 0)
        == 0x7c408b8e526f90ffULL);
}

namespace {

/// Seeds {1,2} {2,3} {3,4} {4,5} with topics {0} {0,1} {1} {1,2}.
struct topic_fixture {
  kp_graph graph;
  std::vector<std::vector<topic_id>> topics{{0}, {0, 1}, {1}, {1, 2}};

  topic_fixture() {
    std::vector<std::vector<kp_id>> seeds{{1, 2}, {2, 3}, {3, 4}, {4, 5}};
    auto g = kp_graph::build(seeds);
    REQUIRE(g);
    graph = std::move(*g);
  }
};

} // namespace

TEST_CASE("co-occurrence matrix from seed topics", "[graph][cooccurrence]") {
  topic_fixture f;
  auto m = cooccurrence_model::from_seed_topics(f.graph, f.topics);
  REQUIRE(m);
  CHECK(m->topic_count() == 3);
  CHECK(m->count(0, 0) == 2);
  CHECK(m->count(1, 0) == 1);
  CHECK(m->count(1, 1) == 3);
  CHECK(m->count(1, 2) == 1);
  CHECK(m->count(2, 2) == 1);
  CHECK(m->count(0, 2) == 0);
  const double total = std::log(3.0) + std::log(2.0) + std::log(4.0)
                       + std::log(2.0) + std::log(2.0);
  CHECK(m->probability(0, 0) == Approx(std::log(3.0) / total));
  CHECK(m->probability(2, 1) == Approx(std::log(2.0) / total));
  CHECK(m->probability(0, 2) == 0.0);
  double sum = 0;
  for (const auto& p : m->pairs())
    sum += p.probability;
  CHECK(sum == Approx(1.0));
  // Topic 1 = seeds 1, 2, 3 = KPs 2, 3 (twice), 4 (twice), 5.
  std::vector<kp_id> kps;
  for (auto n : m->members(1))
    kps.push_back(f.graph.kp_of(n));
  CHECK(kps == std::vector<kp_id>{2, 3, 4, 5});
  auto counts = m->member_counts(1);
  CHECK(std::vector<std::uint64_t>(counts.begin(), counts.end())
        == std::vector<std::uint64_t>{1, 2, 2, 1});

  // A uniform grid over [0, 1) hits each cell in proportion.
  const int n = 100000;
  std::vector<int> hits(m->pairs().size(), 0);
  for (int i = 0; i < n; ++i)
    ++hits[m->pick_pair((i + 0.5) / n)];
  for (std::size_t i = 0; i < hits.size(); ++i)
    CHECK(double(hits[i]) / n
          == Approx(m->pairs()[i].probability).margin(2.0 / n));
}

TEST_CASE("co-occurrence matrix from node topics and its errors",
          "[graph][cooccurrence]") {
  topic_fixture f;
  // KPs 1, 2 -> topic 0; 3 -> 1; 4, 5 -> 2.
  std::vector<topic_id> by_node{0, 0, 1, 2, 2};
  auto m = cooccurrence_model::from_node_topics(f.graph, by_node);
  REQUIRE(m);
  CHECK(m->count(0, 0) == 2); // seeds 0, 1
  CHECK(m->count(0, 1) == 1); // seed 1
  CHECK(m->count(1, 2) == 1); // seed 2
  CHECK(m->count(2, 2) == 2); // seeds 2, 3
  CHECK(m->count(1, 1) == 0); // one member only: not samplable

  std::vector<topic_id> short_list{0, 1};
  auto bad = cooccurrence_model::from_node_topics(f.graph, short_list);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "size_mismatch");
  std::vector<std::vector<topic_id>> huge{{0}, {1u << 30}, {1}, {2}};
  auto big = cooccurrence_model::from_seed_topics(f.graph, huge);
  REQUIRE_FALSE(big);
  CHECK(big.error().where == "seed_topics[1]");
}

TEST_CASE("co-occurrence stream: length, shape and determinism",
          "[graph][cooccurrence]") {
  topic_fixture f;
  // Topics {1, 2}, {3}, {4, 5}; cells (0,0), (0,1), (1,2), (2,2).
  std::vector<topic_id> by_node{0, 0, 1, 2, 2};
  auto m = cooccurrence_model::from_node_topics(f.graph, by_node);
  REQUIRE(m);
  REQUIRE(m->pairs().size() == 4);
  cooccurrence_sampler s(f.graph, *m, {42, 500, 1});
  CHECK(s.size_hint() == 500u);
  auto all = drain(s);
  REQUIRE(all.size() == 500);
  std::set<std::uint64_t> ids;
  std::set<points_t> seen;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& c = all[i];
    CHECK(c.kind == combination_kind::cooccurrence);
    CHECK(c.ordinal == i);
    CHECK_FALSE(c.seeds.empty());
    ids.insert(c.id);
    seen.insert(c.points);
  }
  CHECK(ids.size() == all.size());
  // Exactly the sets the four cells can produce: never KPs of topics 0
  // and 2 together, since they share no seed.
  CHECK(seen
        == std::set<points_t>{{1, 2}, {1, 3}, {2, 3}, {3, 4}, {3, 5}, {4, 5}});

  cooccurrence_sampler same(f.graph, *m, {42, 500, 1});
  cooccurrence_sampler other(f.graph, *m, {43, 500, 1});
  auto again = drain(same);
  auto diff = drain(other);
  std::size_t differing = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    REQUIRE(same_items(all[i], again[i]));
    differing += all[i].points != diff[i].points ? 1 : 0;
  }
  CHECK(differing > 100);

  // Two KPs per topic: small topics give what they have.
  cooccurrence_sampler wide(f.graph, *m, {42, 200, 2});
  std::set<points_t> wide_seen;
  for (const auto& c : drain(wide))
    wide_seen.insert(c.points);
  CHECK(wide_seen == std::set<points_t>{{1, 2}, {1, 2, 3}, {3, 4, 5}, {4, 5}});
}
