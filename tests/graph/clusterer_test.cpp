#include "graph/kp_clusterer.hpp"
#include "graph/neighbours.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <utility>
#include <vector>

using namespace kpsynth::graph;

namespace {

/// A vector in 8 dimensions whose cosine with e_i is exactly `c`, lying in
/// the plane of e_i and e_j.
std::vector<float> in_plane(std::size_t i, std::size_t j, double c) {
  std::vector<float> v(8, 0.0f);
  v[i] = static_cast<float>(c);
  v[j] = static_cast<float>(std::sqrt(1 - c * c));
  return v;
}

std::vector<float> axis(std::size_t i, float scale = 1.0f) {
  std::vector<float> v(8, 0.0f);
  v[i] = scale;
  return v;
}

/// Clustered unit vectors: clusters of 2..24 members (so top-k matters) around
/// random centres with noise levels that put within-cluster cosines on both
/// sides of 0.90 and 0.70.
std::vector<std::vector<float>> clustered(std::size_t n, std::size_t dim,
                                          std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::uniform_int_distribution<int> size(2, 24);
  const double sigmas[] = {0.15, 0.3, 0.45, 0.6, 0.8};
  std::vector<std::vector<float>> out;
  while (out.size() < n) {
    std::vector<double> centre(dim);
    for (auto& x : centre)
      x = gauss(rng);
    // |centre| and |noise| / sigma are both about sqrt(dim), so two
    // members have cosine about 1 / (1 + sigma^2): 0.98 down to 0.61.
    const double sigma = sigmas[out.size() % 5];
    const int members = size(rng);
    for (int m = 0; m < members && out.size() < n; ++m) {
      std::vector<float> v(dim);
      for (std::size_t d = 0; d < dim; ++d)
        v[d] = static_cast<float>(centre[d] + sigma * gauss(rng));
      out.push_back(std::move(v));
    }
  }
  return out;
}

std::set<std::pair<kp_id, kp_id>> as_set(const std::vector<kp_pair>& v,
                                         float lo, float hi) {
  std::set<std::pair<kp_id, kp_id>> s;
  for (const auto& p : v)
    if (p.similarity >= lo && p.similarity < hi)
      s.emplace(p.a, p.b);
  return s;
}

double recall(const std::set<std::pair<kp_id, kp_id>>& truth,
              const std::set<std::pair<kp_id, kp_id>>& found) {
  if (truth.empty())
    return 1.0;
  std::size_t hit = 0;
  for (const auto& p : truth)
    hit += found.count(p);
  return double(hit) / double(truth.size());
}

} // namespace

TEST_CASE("thresholds: 0.95 merges, 0.8 is ambiguous, 0.5 stays apart",
          "[graph][clusterer]") {
  kp_clusterer c;
  REQUIRE(c.add(10, axis(0)));
  REQUIRE(c.add(11, in_plane(0, 1, 0.95)));
  REQUIRE(c.add(20, axis(2, 3.0f))); // length does not matter
  REQUIRE(c.add(21, in_plane(2, 3, 0.8)));
  REQUIRE(c.add(30, axis(4)));
  REQUIRE(c.add(31, in_plane(4, 5, 0.5)));
  auto summary = c.run();
  REQUIRE(summary);
  CHECK_FALSE(summary->approximate);
  CHECK(summary->same_pairs == 1);
  CHECK(summary->ambiguous_pairs == 1);
  CHECK(summary->groups == 5);
  REQUIRE(c.ambiguous_pairs().size() == 1);
  CHECK(c.ambiguous_pairs()[0].a == 20);
  CHECK(c.ambiguous_pairs()[0].b == 21);
  CHECK(c.ambiguous_pairs()[0].similarity == Approx(0.8).epsilon(1e-5));
  CHECK(c.groups()
        == std::vector<std::vector<kp_id>>{{10, 11}, {20}, {21}, {30}, {31}});

  SECTION("the LLM's yes merges the ambiguous pair") {
    auto merged = c.apply_synonym_decisions(c.ambiguous_pairs(), {true});
    REQUIRE(merged);
    CHECK(*merged == 1);
    CHECK(c.groups()
          == std::vector<std::vector<kp_id>>{{10, 11}, {20, 21}, {30}, {31}});
    CHECK(c.group_of(21) == 1u);
    auto again = c.apply_synonym_decisions(c.ambiguous_pairs(), {true});
    REQUIRE(again);
    CHECK(*again == 0);
  }
  SECTION("the LLM's no keeps them apart") {
    auto merged = c.apply_synonym_decisions(c.ambiguous_pairs(), {false});
    REQUIRE(merged);
    CHECK(*merged == 0);
    CHECK(c.groups().size() == 5);
  }
  SECTION("bad decisions merge nothing and say where") {
    std::vector<kp_pair> pairs{{10, 30, 0.8f}, {20, 99, 0.8f}};
    auto r = c.apply_synonym_decisions(pairs, {true, true});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "unknown_kp");
    CHECK(r.error().where == "synonym decisions[1]");
    CHECK(c.groups().size() == 5);
    auto m = c.apply_synonym_decisions(pairs, {true});
    REQUIRE_FALSE(m);
    CHECK(m.error().code == "size_mismatch");
  }
}

TEST_CASE("representatives: frequency, then length, then explicit choice",
          "[graph][clusterer]") {
  kp_clusterer c;
  REQUIRE(c.add(1, in_plane(0, 1, 0.99), 2, 30));
  REQUIRE(c.add(2, axis(0), 5, 40));
  REQUIRE(c.add(3, in_plane(0, 2, 0.98), 5, 12));
  REQUIRE(c.add(4, axis(5), 1, 3));
  REQUIRE(c.add(5, in_plane(5, 6, 0.97), 1, 3));
  REQUIRE(c.run());
  REQUIRE(c.groups() == std::vector<std::vector<kp_id>>{{1, 2, 3}, {4, 5}});
  CHECK(c.representative(0) == 3); // most frequent, shorter than 2
  CHECK(c.representative(1) == 4); // all equal: smallest id
  CHECK(c.representative_of(5) == 4);
  CHECK(c.representative_of(77) == no_kp);
  auto set = c.set_representative(0, 1);
  REQUIRE(set);
  CHECK(c.representative(0) == 1);
  auto bad = c.set_representative(0, 4);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "not_member");
  CHECK_FALSE(c.set_representative(9, 1));
  // The choice survives a merge with a group that has no choice.
  std::vector<kp_pair> pair{{2, 5, 0.75f}};
  REQUIRE(c.apply_synonym_decisions(pair, {true}));
  REQUIRE(c.groups().size() == 1);
  CHECK(c.representative(0) == 1);
  auto map = c.representative_map();
  REQUIRE(map.size() == 5);
  for (auto [kp, rep] : map)
    CHECK(rep == 1);
}

TEST_CASE("add rejects bad embeddings and says which KP",
          "[graph][clusterer]") {
  kp_clusterer c;
  REQUIRE(c.add(1, axis(0)));
  auto dup = c.add(1, axis(1));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == "duplicate_kp");
  std::vector<float> short_v{1.0f, 0.0f};
  auto dim = c.add(2, short_v);
  REQUIRE_FALSE(dim);
  CHECK(dim.error().code == "dimension_mismatch");
  CHECK(dim.error().where == "embedding of kp 2");
  CHECK(c.add(3, std::vector<float>(8, 0.0f)).error().code == "zero_embedding");
  auto nan = axis(0);
  nan[3] = std::numeric_limits<float>::quiet_NaN();
  CHECK(c.add(4, nan).error().code == "bad_embedding");
  CHECK(c.add(5, std::vector<float>{}).error().code == "empty_embedding");
  REQUIRE(c.run());
  CHECK(c.add(6, axis(2)).error().code == "clusterer_finished");
  CHECK_FALSE(c.run());
}

TEST_CASE("each KP contributes at most top_k neighbours",
          "[graph][clusterer]") {
  // 30 KPs all at cosine 0.8 with each other: 435 ambiguous pairs exist,
  // but with k = 3 each KP may only name its 3 best.
  const std::size_t n = 30, dim = 40;
  const double c = 0.8;
  cluster_options opt;
  opt.top_k = 3;
  opt.search = neighbour_search::exact;
  kp_clusterer cl(opt);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<float> v(dim, 0.0f);
    v[0] = static_cast<float>(std::sqrt(c));
    v[1 + i] = static_cast<float>(std::sqrt(1 - c));
    REQUIRE(cl.add(static_cast<kp_id>(i), v));
  }
  auto s = cl.run();
  REQUIRE(s);
  CHECK(s->candidate_pairs <= n * 3);
  CHECK(s->candidate_pairs >= n * 3 / 2);
  CHECK(s->ambiguous_pairs == s->candidate_pairs);
  for (const auto& p : cl.ambiguous_pairs())
    CHECK(p.similarity == Approx(0.8).epsilon(1e-4));
}

TEST_CASE("HNSW agrees with the exact scan on clustered vectors",
          "[graph][clusterer]") {
  const std::size_t n = 3000, dim = 48;
  const auto vectors = clustered(n, dim, 7);
  auto run = [&](neighbour_search mode) {
    cluster_options opt;
    opt.search = mode;
    kp_clusterer c(opt);
    for (std::size_t i = 0; i < n; ++i)
      REQUIRE(c.add(static_cast<kp_id>(1000 + i), vectors[i]));
    auto s = c.run();
    REQUIRE(s);
    CHECK(s->approximate == (mode == neighbour_search::approximate));
    return c;
  };
  auto exact = run(neighbour_search::exact);
  auto approx = run(neighbour_search::approximate);
  const auto same_e = as_set(exact.candidate_pairs(), 0.90f, 2.0f);
  const auto same_a = as_set(approx.candidate_pairs(), 0.90f, 2.0f);
  const auto amb_e = as_set(exact.candidate_pairs(), 0.70f, 0.90f);
  const auto amb_a = as_set(approx.candidate_pairs(), 0.70f, 0.90f);
  // The generator must produce plenty of both kinds for this to mean much.
  CHECK(same_e.size() > 500);
  CHECK(amb_e.size() > 500);
  CHECK(recall(same_e, same_a) >= 0.95);
  CHECK(recall(amb_e, amb_a) >= 0.95);
  // HNSW never invents a pair: its similarities are recomputed exactly.
  for (const auto& p : approx.candidate_pairs())
    CHECK(p.similarity >= 0.70f);
  const double groups_e = double(exact.groups().size());
  const double groups_a = double(approx.groups().size());
  CHECK(std::abs(groups_e - groups_a) / groups_e < 0.02);

  SECTION("and is deterministic") {
    auto again = run(neighbour_search::approximate);
    CHECK(again.groups() == approx.groups());
    REQUIRE(again.ambiguous_pairs().size() == approx.ambiguous_pairs().size());
    for (std::size_t i = 0; i < again.ambiguous_pairs().size(); ++i) {
      CHECK(again.ambiguous_pairs()[i].a == approx.ambiguous_pairs()[i].a);
      CHECK(again.ambiguous_pairs()[i].b == approx.ambiguous_pairs()[i].b);
    }
  }
}

TEST_CASE("automatic search switches to HNSW above the limit",
          "[graph][clusterer]") {
  cluster_options opt;
  opt.exact_limit = 50;
  const auto vectors = clustered(60, 16, 3);
  kp_clusterer big(opt);
  for (std::size_t i = 0; i < vectors.size(); ++i)
    REQUIRE(big.add(static_cast<kp_id>(i), vectors[i]));
  auto s = big.run();
  REQUIRE(s);
  CHECK(s->approximate);
  kp_clusterer small(opt);
  for (std::size_t i = 0; i < 50; ++i)
    REQUIRE(small.add(static_cast<kp_id>(i), vectors[i]));
  auto t = small.run();
  REQUIRE(t);
  CHECK_FALSE(t->approximate);
}

TEST_CASE("exact neighbour pairs break ties by row", "[graph][clusterer]") {
  // Row 0 has three equally similar neighbours; with k = 2 it keeps rows 1
  // and 2, and row 3 keeps row 0 only through its own list.
  std::vector<float> rows;
  for (int i = 0; i < 4; ++i)
    for (int d = 0; d < 4; ++d)
      rows.push_back(i == 0 ? (d == 0 ? 1.0f : 0.0f)
                            : (d == 0 ? 0.8f : (d == i ? 0.6f : 0.0f)));
  neighbour_options opt;
  opt.top_k = 2;
  opt.min_similarity = 0.7f;
  auto pairs = exact_neighbour_pairs(rows, 4, opt);
  REQUIRE(pairs.size() == 3);
  CHECK((pairs[0].a == 0 && pairs[0].b == 1));
  CHECK((pairs[1].a == 0 && pairs[1].b == 2));
  CHECK((pairs[2].a == 0 && pairs[2].b == 3));
}
