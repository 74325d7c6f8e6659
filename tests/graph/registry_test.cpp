#include "graph/kp_registry.hpp"

#include <catch2/catch.hpp>

#include <vector>

using kpsynth::graph::kp_registry;

TEST_CASE("normalise_key trims, collapses, folds case and drops dots",
          "[graph][registry]") {
  CHECK(kp_registry::normalise_key("  Pythagorean \t\n Theorem. ")
        == "pythagorean theorem");
  CHECK(kp_registry::normalise_key("Law\xC2\xA0of  Sines") == "law of sines");
  CHECK(kp_registry::normalise_key("a..") == "a");
  CHECK(kp_registry::normalise_key(" . ") == "");
  CHECK(kp_registry::normalise_key("\xC3\x89quation") == "\xC3\x89quation");
}

TEST_CASE("normalise_display keeps case and punctuation", "[graph][registry]") {
  CHECK(kp_registry::normalise_display("  Pythagorean   Theorem. ")
        == "Pythagorean Theorem.");
  CHECK(kp_registry::normalise_display("\t x \n") == "x");
}

TEST_CASE("intern maps spelling variants to one id", "[graph][registry]") {
  kp_registry r;
  auto a = r.intern("Quadratic Formula");
  auto b = r.intern("  quadratic   formula.");
  auto c = r.intern("Vieta's formulas");
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  CHECK(*a == 0);
  CHECK(*b == 0);
  CHECK(*c == 1);
  CHECK(r.size() == 2);
  CHECK(r.display(0) == "Quadratic Formula");
  CHECK(r.key(0) == "quadratic formula");
  CHECK(r.find("QUADRATIC FORMULA") == 0u);
  CHECK_FALSE(r.find("unknown"));
}

TEST_CASE("intern rejects empty KPs and names the origin",
          "[graph][registry]") {
  kp_registry r;
  auto e = r.intern("  ...  ", "extract.jsonl:12");
  REQUIRE_FALSE(e);
  CHECK(e.error().code == "empty_kp");
  CHECK(e.error().where == "extract.jsonl:12");
  auto s = r.add_seed("train/algebra/1.json");
  auto m = r.add_mention(s, "\t");
  REQUIRE_FALSE(m);
  CHECK(m.error().where == "seed train/algebra/1.json");
  CHECK(r.size() == 0);
}

TEST_CASE("mentions are recorded per seed and per KP", "[graph][registry]") {
  kp_registry r;
  auto s0 = r.add_seed("s0");
  auto s1 = r.add_seed("s1");
  auto s2 = r.add_seed("s2");
  CHECK(r.add_seed("s1") == s1);
  CHECK(r.seed_count() == 3);
  CHECK(r.find_seed("s2") == s2);
  CHECK(r.seed_name(s1) == "s1");
  // Out of seed order on purpose: seeds_of must still ascend.
  REQUIRE(r.add_mention(s2, "Modular arithmetic"));
  REQUIRE(r.add_mention(s0, "modular arithmetic"));
  REQUIRE(r.add_mention(s0, "Primes"));
  REQUIRE(r.add_mention(s0, "PRIMES."));
  REQUIRE(r.add_mention(s1, "Modular  Arithmetic"));
  CHECK(r.size() == 2);
  CHECK(r.mention_count() == 4);
  auto seeds = r.seeds_of(0);
  CHECK(std::vector<kpsynth::graph::seed_index>(seeds.begin(), seeds.end())
        == std::vector<kpsynth::graph::seed_index>{s0, s1, s2});
  CHECK(r.frequency(0) == 3);
  CHECK(r.frequency(1) == 1);
  auto kps = r.kps_of_seed(s0);
  CHECK(std::vector<kpsynth::graph::kp_id>(kps.begin(), kps.end())
        == std::vector<kpsynth::graph::kp_id>{0, 1});
  CHECK(r.display(0) == "Modular arithmetic");
}

TEST_CASE("add_mention reports unknown seeds and KPs", "[graph][registry]") {
  kp_registry r;
  auto bad_seed = r.add_mention(3, "x");
  REQUIRE_FALSE(bad_seed);
  CHECK(bad_seed.error().code == "unknown_seed");
  auto s = r.add_seed("only");
  auto bad_kp = r.add_mention(s, kpsynth::graph::kp_id{7});
  REQUIRE_FALSE(bad_kp);
  CHECK(bad_kp.error().code == "unknown_kp");
  CHECK(bad_kp.error().where == "seed only");
}
