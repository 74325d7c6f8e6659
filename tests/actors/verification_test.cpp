// The verification steps the pipeline applies to items: consensus voting
// over solutions, comparing a program's output with the answer, and the
// decontamination/dedup screen. Plain functions, so no actor system here;
// the stages that call them are covered by the pipeline tests.

#include "actors/decontaminator.hpp"
#include "actors/panel.hpp"
#include "actors/solver.hpp"
#include "actors/verifier.hpp"

#include <catch2/catch.hpp>

using namespace kpsynth;

namespace {

item_record with_answers(std::vector<std::string> answers) {
  item_record x;
  x.id = "item";
  x.problem = "What is 1/2 + 1/4?";
  for (auto& a : answers)
    x.solutions.push_back(solution{"... \\boxed{" + a + "}", a, "m"});
  return x;
}

} // namespace

TEST_CASE("consensus picks the majority by symbolic equivalence",
          "[consensus]") {
  config::consensus_config cfg;
  auto x = with_answers({"0.5", "\\frac34", "\\frac{3}{4}", "0.75"});
  apply_consensus(x, cfg, 4);
  CHECK(x.status == item_status::in_flight);
  CHECK(x.consensus_share == Approx(0.75));
  // The solution the judges read carries the majority answer.
  CHECK(x.solutions.front().answer != "0.5");
}

TEST_CASE("consensus rejects when too few solutions agree", "[consensus]") {
  config::consensus_config cfg;
  cfg.min_share = 0.6;
  auto x = with_answers({"1", "2", "3", "3"});
  apply_consensus(x, cfg, 4);
  CHECK(x.status == item_status::rejected);
  CHECK(x.why.code == "no_consensus");
  CHECK_THAT(x.why.reason, Catch::Contains("50%"));
}

TEST_CASE("a single sample is its own consensus", "[consensus]") {
  config::consensus_config cfg;
  cfg.min_share = 0.9;
  auto x = with_answers({"42"});
  apply_consensus(x, cfg, 1);
  CHECK(x.status == item_status::in_flight);
  CHECK(x.consensus_answer == "42");
}

TEST_CASE("no stated answer fails the item", "[consensus]") {
  config::consensus_config cfg;
  auto x = with_answers({"", ""});
  apply_consensus(x, cfg, 2);
  CHECK(x.status == item_status::failed);
}

TEST_CASE("a program agrees when its last line equals the answer", "[verify]") {
  item_record x;
  x.consensus_answer = "\\frac{3}{10}";
  program_run run{"ok", "working...\n3/10\n", "", 0.01};
  judge_program_output(x, run, 100);
  CHECK(x.program_agrees);
  CHECK(x.status == item_status::in_flight);
}

TEST_CASE("a program that disagrees rejects the item with both values",
          "[verify]") {
  item_record x;
  x.consensus_answer = "180";
  program_run run{"ok", "181\n", "", 0.01};
  judge_program_output(x, run, 100);
  CHECK_FALSE(x.program_agrees);
  CHECK(x.status == item_status::rejected);
  CHECK(x.why.code == "program_disagrees");
  CHECK_THAT(x.why.reason, Catch::Contains("181") && Catch::Contains("180"));
}

TEST_CASE("a failed or silent program rejects the item", "[verify]") {
  item_record x;
  x.consensus_answer = "1";
  judge_program_output(x, program_run{"timeout", "", "wall clock", 10}, 100);
  CHECK(x.why.code == "program_failed");
  CHECK_THAT(x.why.reason, Catch::Contains("timeout"));
  item_record y;
  y.consensus_answer = "1";
  judge_program_output(y, program_run{"ok", "\n\n", "", 0.1}, 100);
  CHECK(y.why.code == "program_silent");
}

TEST_CASE("the screen rejects near-duplicates and keeps new problems",
          "[decontam]") {
  auto dedup = quality::dedup_index::create();
  REQUIRE(dedup);
  dedup->insert_if_new("seed:1", "Find the sum of all positive divisors of "
                                 "the number 360 and explain your method.");
  item_record copy;
  copy.id = "a";
  copy.problem = "Find the sum of all positive divisors of the number 360 and "
                 "explain your method!";
  screen(copy, nullptr, &*dedup);
  CHECK(copy.status == item_status::rejected);
  CHECK(copy.why.code == "duplicate");
  CHECK_THAT(copy.why.reason, Catch::Contains("seed:1"));
  item_record fresh;
  fresh.id = "b";
  fresh.problem = "A triangle has sides 7, 24 and 25. What is its area in "
                  "square units?";
  screen(fresh, nullptr, &*dedup);
  CHECK(fresh.status == item_status::in_flight);
  // Items that already failed are left alone.
  item_record failed;
  failed.status = item_status::failed;
  failed.problem = copy.problem;
  screen(failed, nullptr, &*dedup);
  CHECK(failed.why.code.empty());
}

TEST_CASE("the screen rejects benchmark copies", "[decontam]") {
  auto index = quality::decontaminator::create();
  REQUIRE(index);
  index->add("math_test", 7,
             "How many positive three-digit integers are divisible by both "
             "11 and 5?");
  item_record x;
  x.id = "c";
  x.problem = "How many positive three-digit integers are divisible by both "
              "11 and 5?";
  screen(x, &*index, nullptr);
  CHECK(x.status == item_status::rejected);
  CHECK(x.why.code == "contaminated");
  CHECK_THAT(x.why.reason, Catch::Contains("math_test:7"));
}

TEST_CASE("the panel vetoes a program a judge says does not match", "[panel]") {
  item_record x;
  verdict a;
  a.judge = "a";
  a.problem_score = 0.95;
  a.solution_ok = true;
  a.program_judged = true;
  a.program_ok = false;
  x.verdicts = {a};
  decide(x, panel_rule{0.85});
  CHECK(x.status == item_status::rejected);
  CHECK(x.why.code == "program_veto");
}
