#include "graph/cooccurrence.hpp"
#include "graph/mixed_sampler.hpp"
#include "graph/path_samplers.hpp"
#include "graph/three_hop_sampler.hpp"
#include "tests/graph/sampler_fixtures.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <vector>

using namespace kpsynth::graph;
using namespace kpsynth::graph::testing;

TEST_CASE("cursor round trip through text", "[graph][cursor]") {
  sampler_cursor c{
    "mixed", 0xdeadbeef12345678ULL, {0, 17, 18446744073709551615ULL}};
  CHECK(c.to_string() == "mixed/deadbeef12345678/0,17,18446744073709551615");
  auto back = sampler_cursor::parse(c.to_string());
  REQUIRE(back);
  CHECK(*back == c);
  auto empty = sampler_cursor::parse("one_hop/0/");
  REQUIRE(empty);
  CHECK(empty->state.empty());
  for (const char* bad : {"", "one_hop", "one_hop/zz/1", "/1/1", "a/1/1,,2",
                          "a/1/1,", "a/1/-1", "a/1/99999999999999999999"}) {
    auto r = sampler_cursor::parse(bad, "state.db:cursor");
    INFO(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().where == "state.db:cursor");
  }
}

TEST_CASE("every sampler resumes exactly from a cursor", "[graph][cursor]") {
  static const auto g = random_graph(5, 70, 45);
  SECTION("one_hop") {
    check_resume([] { return std::make_unique<one_hop_sampler>(g); }, 1);
  }
  SECTION("two_hop") {
    check_resume([] { return std::make_unique<two_hop_sampler>(g); }, 2);
  }
  SECTION("three_hop") {
    check_resume(
      [] {
        three_hop_options o;
        o.core.count = 3;
        o.per_core_cap = 25;
        return std::make_unique<three_hop_sampler>(g, o);
      },
      3);
  }
  SECTION("community") {
    check_resume([] { return std::make_unique<community_sampler>(g); }, 4);
  }
  SECTION("cooccurrence") {
    static std::vector<topic_id> topics;
    for (node_index u = 0; u < g.node_count(); ++u)
      topics.push_back(u % 5);
    static auto model = cooccurrence_model::from_node_topics(g, topics);
    REQUIRE(model);
    check_resume(
      [] {
        return std::make_unique<cooccurrence_sampler>(
          g, *model, cooccurrence_options{7, 300, 1});
      },
      5);
  }
  SECTION("mixed") {
    check_resume(
      [] {
        gsdp_mix_options o;
        o.one_hop = 3;
        o.two_hop = 2;
        o.three_hop_config.core.count = 2;
        o.three_hop_config.per_core_cap = 20;
        return std::unique_ptr<sampler>(make_gsdp_sampler(g, o));
      },
      6, 20);
  }
}

TEST_CASE("seek refuses foreign or corrupted cursors", "[graph][cursor]") {
  auto g = random_graph(5, 70, 45);
  auto other = random_graph(6, 70, 45);
  two_hop_sampler s(g);
  for (int i = 0; i < 5; ++i)
    REQUIRE(s.next());
  const auto good = s.cursor();

  two_hop_sampler fresh(g);
  auto wrong_graph = two_hop_sampler(other).cursor();
  auto r = fresh.seek(wrong_graph);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "cursor_mismatch");
  auto wrong_kind = one_hop_sampler(g).cursor();
  CHECK(fresh.seek(wrong_kind).error().code == "cursor_mismatch");
  auto far = good;
  far.state[0] = g.node_count() + 1;
  CHECK(fresh.seek(far).error().code == "bad_cursor");
  auto shorter = good;
  shorter.state.pop_back();
  CHECK(fresh.seek(shorter).error().code == "bad_cursor");
  // A refused seek leaves the sampler where it was (at the start).
  auto next = fresh.next();
  REQUIRE(next);
  CHECK(next->ordinal == 0);

  one_hop_sampler one(g);
  for (int i = 0; i < 3; ++i)
    REQUIRE(one.next());
  auto c = one.cursor();
  c.state[2] += 1; // ordinal no longer matches round/index
  one_hop_sampler one2(g);
  CHECK(one2.seek(c).error().code == "bad_cursor");
}

TEST_CASE("mixed seek is all-or-nothing", "[graph][cursor]") {
  auto g = random_graph(5, 70, 45);
  gsdp_mix_options o;
  o.three_hop_config.core.count = 2;
  auto a = make_gsdp_sampler(g, o);
  for (int i = 0; i < 40; ++i)
    REQUIRE(a->next());
  auto c = a->cursor();
  // Corrupt the last part's (community) node index beyond the graph.
  c.state[c.state.size() - 4] = g.node_count() + 5;
  auto b = make_gsdp_sampler(g, o);
  for (int i = 0; i < 10; ++i)
    REQUIRE(b->next());
  const auto before = b->cursor();
  auto r = b->seek(c);
  REQUIRE_FALSE(r);
  CHECK(r.error().where.find("part 3 (community)") != std::string::npos);
  CHECK(b->cursor() == before);
}

TEST_CASE("mixed interleaves by weight and outlives exhausted parts",
          "[graph][mixed]") {
  auto g = random_graph(11, 200, 120);
  gsdp_mix_options o;
  o.one_hop = 2;
  o.two_hop = 1;
  o.three_hop = 1;
  o.community = 1;
  o.three_hop_config.core.count = 5;
  auto s = make_gsdp_sampler(g, o);
  std::map<combination_kind, std::uint64_t> counts;
  for (int i = 0; i < 100; ++i) {
    auto c = s->next();
    REQUIRE(c);
    ++counts[c->kind];
  }
  CHECK(counts[combination_kind::one_hop] == 40);
  CHECK(counts[combination_kind::two_hop] == 20);
  CHECK(counts[combination_kind::three_hop] == 20);
  CHECK(counts[combination_kind::community] == 20);

  // Drained to the end, it yields exactly the union of the parts.
  auto rest = drain(*s);
  std::uint64_t total = 100 + rest.size();
  one_hop_sampler one(g);
  two_hop_sampler two(g);
  three_hop_sampler three(g, o.three_hop_config);
  community_sampler com(g);
  CHECK(total
        == drain(one).size() + drain(two).size() + drain(three).size()
             + drain(com).size());
  for (std::size_t i = 0; i < 4; ++i)
    CHECK(s->emitted(i) > 0);
}

TEST_CASE("mixed output is deterministic and ids are unique",
          "[graph][mixed]") {
  auto g = random_graph(12, 100, 60);
  gsdp_mix_options o;
  o.three_hop_config.core.count = 3;
  auto a = make_gsdp_sampler(g, o);
  auto b = make_gsdp_sampler(g, o);
  auto xs = drain(*a);
  auto ys = drain(*b);
  REQUIRE(xs.size() == ys.size());
  std::set<std::uint64_t> ids;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    REQUIRE(same_items(xs[i], ys[i]));
    ids.insert(xs[i].id);
  }
  CHECK(ids.size() == xs.size());
  CHECK(a->size_hint() == std::nullopt); // three_hop has no hint
  o.three_hop = 0;
  auto c = make_gsdp_sampler(g, o);
  CHECK(c->size_hint()
        == one_hop_sampler(g).size_hint().value()
             + two_hop_sampler(g).size_hint().value()
             + community_sampler(g).size_hint().value());
}
