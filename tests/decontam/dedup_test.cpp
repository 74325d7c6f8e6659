#include "decontam/decontam_jsonl.hpp"
#include "decontam/decontam_probe.hpp"
#include "decontam/dedup.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace q = kpsynth::quality;

namespace {

std::vector<std::string> seed_problems() {
  std::vector<std::string> texts;
  std::vector<std::string> fields{"problem"};
  auto n =
    q::for_each_jsonl_text(std::filesystem::path{KPSYNTH_SOURCE_DIR}
                             / "data/seeds/math_train_sample.jsonl",
                           fields, [&](std::size_t, std::string_view text) {
                             texts.emplace_back(text);
                           });
  REQUIRE(n);
  REQUIRE(texts.size() == 300);
  return texts;
}

const std::string traffic =
  "A complete cycle of a traffic light takes 60 seconds. During each cycle "
  "the light is green for 25 seconds, yellow for 5 seconds, and red for 30 "
  "seconds. At a randomly chosen time, what is the probability that the "
  "light will NOT be green?  Express your answer as a common fraction.";

} // namespace

TEST_CASE("dedup_index reports duplicates across inserts") {
  auto index = q::dedup_index::create();
  REQUIRE(index);
  CHECK_FALSE(index->insert_if_new("p1", traffic));
  CHECK_FALSE(index->insert_if_new(
    "p2", "Two eight-sided dice each have faces numbered 1 through 8. What "
          "is the probability that the product of the two top numbers is "
          "greater than their sum?"));
  CHECK(index->size() == 2);

  // Identical after normalisation: similarity exactly 1.
  auto same = index->insert_if_new(
    "p3", "a complete  cycle of a traffic light takes $60$ seconds.\nDuring "
          "each cycle the light is green for 25 seconds, yellow for 5 "
          "seconds, and red for 30 seconds. At a randomly chosen time, what "
          "is the probability that the light will NOT be green? Express your "
          "answer as a common fraction.");
  REQUIRE(same);
  CHECK(same->id == "p1");
  CHECK(same->similarity == 1.0);

  // A few words and numbers changed: still a near duplicate of p1.
  auto near = index->insert_if_new(
    "p4", "A full cycle of a traffic signal takes 90 seconds. During each "
          "cycle the light is green for 40 seconds, yellow for 5 seconds, and "
          "red for 45 seconds. At a randomly chosen time, what is the "
          "probability that the light will NOT be green?  Express your "
          "answer as a common fraction.");
  REQUIRE(near);
  CHECK(near->id == "p1");
  CHECK(near->similarity >= 0.7);
  CHECK(near->similarity < 1.0);

  // Duplicates are not stored; new problems are.
  CHECK(index->size() == 2);
  CHECK_FALSE(index->insert_if_new(
    "p5", "How many positive divisors does 3600 have that are perfect "
          "squares?"));
  CHECK(index->size() == 3);
  auto again = index->insert_if_new("p6", "How many positive divisors does "
                                          "3600 have that are perfect "
                                          "squares?");
  REQUIRE(again);
  CHECK(again->id == "p5");
}

TEST_CASE("find does not insert; empty texts are exact duplicates") {
  auto index = q::dedup_index::create();
  REQUIRE(index);
  CHECK_FALSE(index->find(traffic));
  CHECK(index->size() == 0);
  CHECK_FALSE(index->insert_if_new("empty", "   $$ "));
  auto dup = index->insert_if_new("empty2", "");
  REQUIRE(dup);
  CHECK(dup->id == "empty");
  CHECK_FALSE(index->find(traffic));
}

TEST_CASE("generated variants are caught against seeds") {
  auto seeds = seed_problems();
  auto index = q::dedup_index::create();
  REQUIRE(index);
  std::size_t seed_dups = 0;
  for (std::size_t i = 0; i < seeds.size(); ++i)
    seed_dups +=
      index->insert_if_new("seed:" + std::to_string(i), seeds[i]) ? 1 : 0;
  // A stratified sample of distinct MATH problems: few near-duplicates.
  CHECK(seed_dups < 10);
  std::size_t stored = index->size();
  CHECK(stored == seeds.size() - seed_dups);

  // Exact copies and LaTeX reformatting always match the right seed; light
  // word edits mostly do.
  std::size_t exact_hits = 0, latex_hits = 0, word_hits = 0, word_n = 0;
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    auto d = index->find(seeds[i]);
    exact_hits += d ? 1 : 0;
    if (auto l =
          q::apply_probe_edit(q::probe_edit::latex_reformat, seeds[i], i))
      latex_hits += index->find(*l) ? 1 : 0;
    else
      ++latex_hits;
    if (auto w =
          q::apply_probe_edit(q::probe_edit::word_substitution, seeds[i], i)) {
      ++word_n;
      word_hits += index->find(*w) ? 1 : 0;
    }
  }
  CHECK(exact_hits == seeds.size());
  CHECK(latex_hits == seeds.size());
  CHECK(word_hits * 10 >= word_n * 6); // >= 60%
  CHECK(index->size() == stored);      // find never inserts

  // Unrelated generated problems are new.
  CHECK_FALSE(index->insert_if_new(
    "gen:1", "A bakery sells muffins in boxes of 7 and cookies in tins of 11. "
             "Priya buys the same number of muffins and cookies, at least "
             "one box and one tin. What is the least number she can buy?"));
}

TEST_CASE("dedup memory per item is bounded") {
  auto index = q::dedup_index::create();
  REQUIRE(index);
  // 200 distinct texts of ~10 KB each.
  for (std::size_t i = 0; i < 200; ++i) {
    std::string text;
    for (std::size_t k = 0; k < 1500; ++k)
      text += "w" + std::to_string((k * (2 * i + 3) + i) % 10007) + " ";
    CHECK_FALSE(index->insert_if_new("long:" + std::to_string(i), text));
  }
  REQUIRE(index->size() == 200);
  // Signature 512 B + LSH links and slots + exact hash + id: far below the
  // ~10 KB texts, and independent of them.
  CHECK(index->memory_bytes() / index->size() < 2048);

  q::minhash_params bad;
  bad.shingle = 0;
  CHECK_FALSE(q::dedup_index::create(bad));
}
