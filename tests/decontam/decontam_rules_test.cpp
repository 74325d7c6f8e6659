// The decision rules of the decontaminator on small fixtures: short
// template problems, light edits of copies, and the bundled-set selection.

#include "decontam/decontam.hpp"
#include "decontam/decontam_jsonl.hpp"
#include "decontam/decontam_probe.hpp"
#include "decontam/minhash.hpp"
#include "decontam/ngram_text.hpp"
#include "tests/fixtures/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace q = kpsynth::quality;
namespace fs = std::filesystem;

namespace {

const fs::path repo = KPSYNTH_SOURCE_DIR;

/// One JSONL line {"problem": text}, with the few escapes our texts need.
std::string problem_line(const std::string& text) {
  std::string out = "{\"problem\": \"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out + "\"}\n";
}

/// An index over `texts`, written as a JSONL set named "fixture".
q::decontaminator index_of(const fs::path& dir,
                           const std::vector<std::string>& texts) {
  auto path = dir / "fixture.jsonl";
  std::ofstream out{path, std::ios::binary};
  for (const auto& t : texts)
    out << problem_line(t);
  out.close();
  auto built = q::decontaminator::build(
    std::vector<q::benchmark_source>{{"fixture", path, {"problem"}}});
  REQUIRE(built);
  return std::move(*built);
}

} // namespace

TEST_CASE("short template problems are decided by tokens, numbers kept") {
  kpsynth::fixtures::temp_dir dir{"decontam_rules"};
  const std::string test_item =
    "The sum of two numbers is 40 and their difference is 12. What is their "
    "product?";
  // MATH train holds this sibling: only the numbers differ, and they are
  // few characters, so its character shingles look like a copy.
  const std::string sibling = "The sum of two numbers is $19$ and their "
                              "difference is $5$. What is their product?";
  REQUIRE(q::exact_jaccard(q::normalize_text(sibling),
                           q::normalize_text(test_item), 5)
          >= 0.7);
  const std::string short_item = "Compute $\\dbinom{15}{2}$.";
  auto index = index_of(dir.path(), {test_item, short_item});
  auto v = index.check(sibling);
  INFO(v.reason);
  CHECK_FALSE(v.contaminated);
  CHECK(v.rule == q::match_rule::none);

  // The copies themselves, however typeset, are caught and say how.
  auto copy = index.check("The sum of two numbers is $40$ and their "
                          "difference is $12$.  What is their product?");
  CHECK(copy.contaminated);
  CHECK(copy.rule == q::match_rule::ngram_overlap);
  CHECK(copy.reason == "13-gram overlap 1.00 with fixture:1");
  auto short_copy = index.check("Compute \\(\\binom{15}{2}\\)");
  CHECK(short_copy.rule == q::match_rule::exact_text);
  CHECK(short_copy.reason == "same normalised text as fixture:2");
  CHECK_FALSE(index.check("Compute $\\dbinom{15}{3}$.").contaminated);
  auto reordered = index.check("What is their product? The sum of two "
                               "numbers is 40 and their difference is 12.");
  CHECK(reordered.contaminated);
  CHECK(reordered.rule == q::match_rule::token_jaccard);
  CHECK(reordered.reason.starts_with("token jaccard 1.00 with fixture:1"));
  auto prefixed = index.check("Solve the following problem. " + short_item);
  CHECK(prefixed.contaminated);
  CHECK(prefixed.rule == q::match_rule::contains_item);
  CHECK(q::match_rule_name(prefixed.rule) == "contains_item");
  CHECK(prefixed.reason == "contains all 4 words of fixture:2");
  // The same four words inside a different, longer problem are no copy.
  CHECK_FALSE(index
                .check("A committee of 15 people must choose a chair and a "
                       "secretary, in how many ways? Hint: compute "
                       "$\\dbinom{15}{2}$ and then think about order.")
                .contaminated);
}

TEST_CASE("light edits of test problems are flagged, by a named rule") {
  kpsynth::fixtures::temp_dir dir{"decontam_rules"};
  std::vector<std::string> problems;
  std::vector<std::string> fields{"problem"};
  REQUIRE(q::for_each_jsonl_text(repo / "data/bench/math/test.jsonl", fields,
                                 [&](std::size_t line, std::string_view t) {
                                   if (line % 25 == 0)
                                     problems.emplace_back(t);
                                 }));
  REQUIRE(problems.size() == 200);
  auto index = index_of(dir.path(), problems);
  for (auto edit : q::all_probe_edits) {
    if (!q::is_light_edit(edit))
      continue;
    std::size_t n = 0, hit = 0;
    for (std::size_t i = 0; i < problems.size(); ++i) {
      auto edited = q::apply_probe_edit(edit, problems[i], i);
      if (!edited)
        continue;
      ++n;
      auto v = index.check(*edited);
      hit += v.contaminated ? 1 : 0;
      if (v.contaminated) {
        CHECK(v.rule != q::match_rule::none);
        CHECK(v.source->set == "fixture");
      }
    }
    INFO(q::probe_edit_name(edit) << ": " << hit << " of " << n);
    CHECK(n >= 20);
    CHECK(hit * 100 >= n * 97);
  }
}

TEST_CASE("the new probe edits change form only") {
  const std::string text = "Let $f(x)=x^2+1$. Find $f(3)$, please. Done?";
  auto ws = q::apply_probe_edit(q::probe_edit::whitespace, text, 0);
  REQUIRE(ws);
  CHECK(q::normalize_text(*ws) == q::normalize_text(text));
  auto sp = q::apply_probe_edit(q::probe_edit::latex_spacing, text, 0);
  REQUIRE(sp);
  CHECK(sp->find("\\,") != std::string::npos);
  CHECK(q::normalize_text(*sp) == q::normalize_text(text));
  auto del = q::apply_probe_edit(q::probe_edit::delimiters, text, 0);
  REQUIRE(del);
  CHECK(del->starts_with("Let \\(f\\left(x\\right)=x^2+1\\)."));
  CHECK(q::normalize_text(*del) == q::normalize_text(text));
  auto pre = q::apply_probe_edit(q::probe_edit::prefixed_sentence, text, 0);
  REQUIRE(pre);
  CHECK(*pre == "Solve the following problem. " + text);
  auto drop = q::apply_probe_edit(q::probe_edit::dropped_sentence, text, 0);
  REQUIRE(drop);
  CHECK(*drop == "Let $f(x)=x^2+1$. Find $f(3)$, please.");
  CHECK_FALSE(
    q::apply_probe_edit(q::probe_edit::dropped_sentence, "One only.", 0));
}

TEST_CASE("bundled sets: any subset, unknown names listed, found from the "
          "binary") {
  auto bench = repo / "data/bench";
  auto two = q::bundled_benchmark_sources(bench, "gsm8k, math500");
  REQUIRE(two);
  REQUIRE(two->size() == 2);
  CHECK((*two)[0].name == "math500_test"); // bundled order, not given order
  CHECK((*two)[1].name == "gsm8k_test");
  auto by_set_name = q::bundled_benchmark_sources(bench, "aime24,svamp");
  REQUIRE(by_set_name);
  CHECK(by_set_name->size() == 2);
  CHECK(q::bundled_benchmark_sources(bench, "all")->size() == 18);
  auto unknown = q::bundled_benchmark_sources(bench, "math500,mmlu");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("\"mmlu\"") != std::string::npos);
  CHECK(unknown.error().message.find("math500, math, gsm8k")
        != std::string::npos);
  CHECK_FALSE(q::bundled_benchmark_sources(bench, " , "));

  kpsynth::fixtures::temp_dir dir{"decontam_rules"};
  // An installed-like tree: <prefix>/bin/kpsynth, <prefix>/data/bench.
  auto prefix = dir.path();
  fs::create_directories(prefix / "data/bench/gsm8k");
  fs::copy_file(bench / "gsm8k/test.jsonl",
                prefix / "data/bench/gsm8k/test.jsonl");
  auto found = q::find_bench_dir({}, prefix / "bin/kpsynth");
  REQUIRE(found);
  CHECK(*found == (prefix / "data/bench").lexically_normal());
  auto subset = q::bundled_benchmark_sources(*found, "gsm8k");
  REQUIRE(subset);
  CHECK(subset->size() == 1);
  CHECK_FALSE(q::bundled_benchmark_sources(*found, "math500"));
  auto override_dir = q::find_bench_dir(bench, prefix / "bin/kpsynth");
  REQUIRE(override_dir);
  CHECK(*override_dir == bench);
  auto bad = q::find_bench_dir(prefix / "nowhere", "");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().where == (prefix / "nowhere").string());
}
