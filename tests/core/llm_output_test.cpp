#include "core/llm_output.hpp"

#include <catch2/catch.hpp>

using namespace kpsynth::core;

namespace {

/// The rendered error of a failed parse, for matching.
template<class T>
std::string error_of(const kpsynth::result<T>& r) {
  REQUIRE_FALSE(r);
  return r.error().to_string();
}

} // namespace

TEST_CASE("parse_kp_list reads numbered lists through markdown noise") {
  auto text = "Sure! Here are the knowledge points:\n\n"
              "1. **Vieta's formulas**: relate roots to coefficients\n"
              "2)  Solving quadratic equations by factoring.\n"
              "3. solving quadratic equations by factoring\n"
              "  4. `Discriminant of a quadratic`\n"
              "5. \n"
              "6. <knowledge point>\n"
              "These cover the main ideas.";
  auto kps = parse_kp_list(text);
  REQUIRE(kps);
  REQUIRE(kps->size() == 3);
  CHECK((*kps)[0] == "Vieta's formulas");
  CHECK((*kps)[1] == "Solving quadratic equations by factoring");
  CHECK((*kps)[2] == "Discriminant of a quadratic");
}

TEST_CASE("parse_kp_list caps, drops overlong lines and accepts bullets") {
  std::string many;
  for (int i = 1; i <= 14; ++i)
    many += std::to_string(i) + ". Concept number " + std::to_string(i) + "\n";
  auto capped = parse_kp_list(many, {5, 160, 3});
  REQUIRE(capped);
  CHECK(capped->size() == 5);
  CHECK(capped->back() == "Concept number 5");
  auto long_line = "1. " + std::string(300, 'x') + "\n2. Modular arithmetic";
  auto kept = parse_kp_list(long_line);
  REQUIRE(kept);
  REQUIRE(kept->size() == 1);
  CHECK(kept->front() == "Modular arithmetic");
  auto bullets = parse_kp_list("- Prime factorization\n- Divisibility rules");
  REQUIRE(bullets);
  CHECK(bullets->size() == 2);
  CHECK(parse_kp_list("<think>1. draft idea</think>\n1. Final idea")->size()
        == 1);
}

TEST_CASE("parse_kp_list rejects output without knowledge points") {
  CHECK(error_of(parse_kp_list("I cannot help with that."))
        == "kp_extract: no numbered knowledge points found [bad_output]");
  CHECK(error_of(parse_kp_list("1. \n2. x\n3. <kp>")).find("all 3")
        != std::string::npos);
  // "1.5 is the answer" is a decimal, not an item.
  CHECK_FALSE(parse_kp_list("1.5 is the answer"));
}

TEST_CASE("parse_kp_quality reads KEEP/DROP lines") {
  auto text = "Let me review each one.\n"
              "**1: KEEP**\n"
              "2. DROP - too vague\n"
              "KP 3: drop (tied to the specific numbers)\n"
              "4 - Keep\n";
  auto items = parse_kp_quality_items(text, 4);
  REQUIRE(items);
  CHECK((*items)[0].keep);
  CHECK_FALSE((*items)[1].keep);
  CHECK((*items)[1].reason == "too vague");
  CHECK((*items)[2].reason == "tied to the specific numbers");
  CHECK((*items)[3].keep);
  auto flags = parse_kp_quality("1: KEEP\n2: DROP\n", 2);
  REQUIRE(flags);
  CHECK(*flags == std::vector<bool>{true, false});
}

TEST_CASE("parse_kp_quality is strict about content") {
  CHECK(error_of(parse_kp_quality("1: KEEP\n3: KEEP", 3))
          .find("no KEEP/DROP verdict for 1 of 3 knowledge points (e.g. 2)")
        != std::string::npos);
  CHECK(error_of(parse_kp_quality("1: KEEP\n2: KEEP\n5: DROP", 2))
          .find("knowledge point 5, but the batch has 2")
        != std::string::npos);
  CHECK(error_of(parse_kp_quality("1: KEEP\n1: DROP - vague", 1))
          .find("conflicting")
        != std::string::npos);
  CHECK(error_of(parse_kp_quality("1: KEEPING", 1)).rfind("kp_quality:", 0)
        == 0);
}

TEST_CASE("parse_same_or_different") {
  CHECK(*parse_same_or_different("SAME"));
  CHECK_FALSE(*parse_same_or_different(
    "Both involve the same idea of roots, but scope differs.\n**DIFFERENT**"));
  CHECK(*parse_same_or_different("Answer: same"));
  CHECK_FALSE(*parse_same_or_different("They are NOT SAME."));
  CHECK(error_of(parse_same_or_different("SAME or DIFFERENT", "same_problem"))
          .rfind("same_problem:", 0)
        == 0);
  CHECK(error_of(parse_same_or_different("They look alike to me."))
        == "kp_synonym: no SAME or DIFFERENT answer found [bad_output]");
}

TEST_CASE("parse_representative") {
  CHECK(*parse_representative("KP 2 is broader.\nRepresentative: 2", 3) == 1);
  CHECK(*parse_representative("**Representative:** #3", 3) == 2);
  CHECK(*parse_representative("1", 2) == 0);
  CHECK(error_of(parse_representative("Representative: 4", 3))
          .find("outside the group of 3")
        != std::string::npos);
  CHECK_FALSE(parse_representative("Representative: the first one", 3));
  CHECK_FALSE(parse_representative("", 3));
}

TEST_CASE("parse_generated_problem") {
  auto text = "Here is a new problem combining both ideas.\n\n"
              "**Problem:** A bag holds 3 red and 5 blue marbles.\n"
              "Two are drawn. What is the probability both are red?\n\n"
              "**Solution:** There are 28 pairs...";
  auto p = parse_generated_problem(text);
  REQUIRE(p);
  CHECK(*p
        == "A bag holds 3 red and 5 blue marbles.\n"
           "Two are drawn. What is the probability both are red?");
  auto heading = parse_generated_problem("### Problem\nFind $x$ if $2x=6$.");
  REQUIRE(heading);
  CHECK(*heading == "Find $x$ if $2x=6$.");
  CHECK(error_of(parse_generated_problem("Find x if 2x = 6."))
        == "generate: no 'Problem:' line found [bad_output]");
  CHECK(error_of(parse_generated_problem("Problem:\n\nSolution: 3"))
          .find("empty or too short")
        != std::string::npos);
  CHECK_FALSE(parse_generated_problem("Problem: " + std::string(5000, 'a')));
}

TEST_CASE("parse_difficulty accepts words and numeric scales") {
  CHECK(*parse_difficulty("Difficulty: Medium") == difficulty_level::medium);
  CHECK(*parse_difficulty("**Difficulty:** hard.") == difficulty_level::hard);
  CHECK(*parse_difficulty("It needs one step.\nDifficulty: simple")
        == difficulty_level::easy);
  CHECK(*parse_difficulty("Difficulty: 2/5") == difficulty_level::easy);
  CHECK(*parse_difficulty("Difficulty: 3") == difficulty_level::medium);
  CHECK(*parse_difficulty("Difficulty: 4") == difficulty_level::hard);
  CHECK(*parse_difficulty("Difficulty: 4/10") == difficulty_level::medium);
  CHECK(*parse_difficulty("Difficulty: 8 out of 10") == difficulty_level::hard);
  CHECK(*parse_difficulty("Difficulty: 7") == difficulty_level::hard);
  CHECK(*parse_difficulty("Overall I'd say\nEasy") == difficulty_level::easy);
  CHECK(error_of(parse_difficulty("Difficulty: 12")).find("outside the scale")
        != std::string::npos);
  CHECK(error_of(parse_difficulty("Difficulty: tricky")).find("tricky")
        != std::string::npos);
  CHECK_FALSE(parse_difficulty("This is a nice problem."));
}

TEST_CASE("parse_solution takes the last complete box") {
  auto s = parse_solution("First guess $\\boxed{3}$, but recheck.\n"
                          "So $x = \\boxed{\\frac{\\sqrt{2}}{2}}$.");
  REQUIRE(s);
  CHECK(s->answer == "\\frac{\\sqrt{2}}{2}");
  CHECK(parse_solution("Thus \\fbox{ 12 } apples.")->answer == "12");
  CHECK(parse_solution("Hence \\boxed 5.")->answer == "5");
  CHECK(parse_solution("Set \\{1, 2\\}: \\boxed{\\{1,2\\}}")->answer
        == "\\{1,2\\}");
  auto think = parse_solution("<think>maybe \\boxed{1}</think>Final: "
                              "\\boxed{2}");
  REQUIRE(think);
  CHECK(think->answer == "2");
  CHECK(think->text.find("<think>") == std::string::npos);
}

TEST_CASE("parse_solution falls back to stated answers and rejects bad ones") {
  CHECK(parse_solution("Adding up, the answer is $42$.")->answer == "42");
  CHECK(parse_solution("...\nFinal answer: 3.5")->answer == "3.5");
  CHECK(parse_solution("So The answer is 7. Done.")->answer == "7");
  CHECK(
    error_of(parse_solution("We get \\boxed{\\frac{1}{2")).find("never closed")
    != std::string::npos);
  CHECK(error_of(parse_solution("So \\boxed{}")).find("empty")
        != std::string::npos);
  CHECK(error_of(parse_solution("I am not sure how to proceed."))
        == "solve: no \\boxed{} answer and no 'The answer is' sentence "
           "[bad_output]");
  CHECK_FALSE(parse_solution("   "));
  CHECK(last_boxed("a \\boxed{1} b \\boxed{2}") == "2");
  CHECK(last_boxed("nothing") == "");
}

TEST_CASE("parse_score accepts scales and clamps out-of-range values") {
  CHECK(parse_score("Looks fine.\nScore: 0.92")->value == Approx(0.92));
  CHECK(parse_score("**Score:** **0.9**")->value == Approx(0.9));
  CHECK(parse_score("Final score: 85%")->value == Approx(0.85));
  CHECK(parse_score("Score: 8.5/10")->value == Approx(0.85));
  CHECK(parse_score("Score: 7 out of 10")->value == Approx(0.7));
  CHECK(parse_score("Score: 0.3\nOn reflection...\nScore: 0.95")->value
        == Approx(0.95));
  auto high = parse_score("Score: 1.2");
  REQUIRE(high);
  CHECK(high->value == 1.0);
  CHECK(high->clamped);
  CHECK(high->note.find("1.2") != std::string::npos);
  CHECK_FALSE(parse_score("Score: 0.9")->clamped);
  auto low = parse_score("Score: -0.5");
  REQUIRE(low);
  CHECK(low->value == 0.0);
  CHECK(low->clamped);
  CHECK(error_of(parse_score("I rate it highly.")).rfind("judge_problem:", 0)
        == 0);
  CHECK_FALSE(parse_score("Score: excellent"));
  CHECK_FALSE(parse_score("Score: 5/0"));
}

TEST_CASE("parse_verdict") {
  CHECK(*parse_verdict("All steps check out.\nVerdict: True"));
  CHECK_FALSE(*parse_verdict("**Verdict:** False"));
  CHECK(*parse_verdict("Verdict: Yes"));
  CHECK_FALSE(*parse_verdict("Final verdict: incorrect."));
  CHECK_FALSE(*parse_verdict("Verdict: not correct"));
  CHECK(*parse_verdict("The reasoning holds.\n\n**Correct**"));
  CHECK_FALSE(*parse_verdict("Verdict: True\nWait, step 3 is wrong.\n"
                             "Verdict: False"));
  CHECK(error_of(parse_verdict("Verdict: maybe", "program_judge"))
          .rfind("program_judge: unknown verdict 'maybe'", 0)
        == 0);
  CHECK(error_of(parse_verdict("The solution is probably fine."))
        == "judge_solution: no 'Verdict: True|False' line found "
           "[bad_output]");
}

TEST_CASE("parse_program extracts the python block") {
  auto text = "Here is the program:\n\n```python\nfrom math import comb\n"
              "print(comb(5, 2))\n```\nIt prints 10.";
  auto code = parse_program(text);
  REQUIRE(code);
  CHECK(*code == "from math import comb\nprint(comb(5, 2))\n");
  auto two = parse_program("```python\nprint(1)\n```\nBetter:\n```py\n"
                           "print(2)\n```");
  REQUIRE(two);
  CHECK(*two == "print(2)\n");
  auto bare = parse_program("x = 3\nfor i in range(2):\n    x += i\nprint(x)");
  REQUIRE(bare);
  CHECK(bare->find("print(x)") != std::string::npos);
  auto other_lang = parse_program("```text\nprint(1)\n```\n```\nprint(3)\n```");
  REQUIRE(other_lang);
  CHECK(*other_lang == "print(3)\n");
}

TEST_CASE("parse_program rejects prose, truncation and silent code") {
  CHECK(error_of(parse_program("The answer is simply 10."))
        == "program: no ```python code block found [bad_output]");
  CHECK(error_of(parse_program("```python\nprint(1)\n")).find("never closed")
        != std::string::npos);
  CHECK(error_of(parse_program("```python\nx = 1\n```")).find("never prints")
        != std::string::npos);
  CHECK_FALSE(parse_program("```python\n\n```"));
}

TEST_CASE("strip_think") {
  CHECK(strip_think("<think>a</think>b") == "b");
  CHECK(strip_think("hidden</think>shown") == "shown");
  CHECK(strip_think("<think>never closed") == "<think>never closed");
  CHECK(strip_think("x<think>1</think>y<think>2</think>z") == "xyz");
}
