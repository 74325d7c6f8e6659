// Whole model solutions and double-escaped text, as equivalent() meets them
// (issue 8): extraction first, then the bounded answer.

#include "text/equivalence.hpp"
#include "text/solution.hpp"

#include <catch2/catch.hpp>

#include <string>

using kpsynth::text::answer_for_comparison;
using kpsynth::text::answer_source;
using kpsynth::text::equivalent;
using kpsynth::text::looks_like_solution;
using kpsynth::text::undo_double_escaping;
using kpsynth::text::verdict_kind;

namespace {

std::string answer_of(std::string_view input) {
  return answer_for_comparison(input).text;
}

verdict_kind verdict(std::string_view a, std::string_view b) {
  auto r = equivalent(a, b);
  INFO(a << " vs " << b << ": " << to_string(r.verdict) << " (" << r.reason
         << ")");
  CHECK(equivalent(b, a).verdict == r.verdict);
  return r.verdict;
}

} // namespace

TEST_CASE("bare answers are not treated as solutions") {
  for (const char* bare :
       {"5", "\\frac{1}{2}", "x = 3", "(1, 2)", "all real numbers", "Monday",
        "5 apples", "x < -1 \\text{ or } x > 1", "\\boxed{7}", "$\\boxed{7}$.",
        "2:30 p.m.", "\\text{Area} = 12"}) {
    INFO(bare);
    CHECK_FALSE(looks_like_solution(bare));
    CHECK_FALSE(answer_for_comparison(bare).source);
  }
  CHECK(looks_like_solution("We count 5 apples."));
  CHECK(looks_like_solution("The answer is 17.0"));
  CHECK(looks_like_solution("so $x = \\boxed{2}$"));
  CHECK(looks_like_solution("<think>hm</think> 4"));
}

TEST_CASE("the answer follows the last think block") {
  CHECK(answer_of("<think>\\boxed{5} would be wrong.</think>\n\nSo the answer "
                  "is $6$.")
        == "6");
  CHECK(answer_of("<think>long reasoning</think>\n\\boxed{55}") == "55");
  // Nothing after the reasoning: the reasoning is searched.
  CHECK(answer_of("<think>so the answer is 9</think>") == "9");
}

TEST_CASE("answer phrases stop at the end of the math or the sentence") {
  CHECK(answer_of("Final Answer: The final answer is $\\frac{3}{4}$. I hope "
                  "it is correct.")
        == "\\frac{3}{4}");
  CHECK(answer_of("Hence the answer is \\(2\\sqrt{3}\\).") == "2\\sqrt{3}");
  CHECK(answer_of("**Answer:** $-\\frac{7}{4}$") == "-\\frac{7}{4}");
  CHECK(answer_of("The answer is 17.0") == "17.0");
  CHECK(answer_of("So the answer is $\\$1,250$. Done.") == "\\$1,250");
  CHECK(answer_for_comparison("The answer is 4").source
        == answer_source::answer_phrase);
}

TEST_CASE("labelled boxes of one answer are joined") {
  CHECK(answer_of("So $x=\\boxed{2}$ and $y=\\boxed{5}$.") == "2, 5");
  CHECK(answer_of("First guess \\boxed{3}. Correction: the total is "
                  "\\boxed{4}.")
        == "4");
}

TEST_CASE("a last-resort number keeps its noun") {
  CHECK(answer_of("We count 5 apples.") == "5 apples");
  CHECK(verdict("We count 5 apples.", "5 pears") == verdict_kind::not_equal);
  CHECK(verdict("We count 5 apples.", "5") == verdict_kind::equal);
}

TEST_CASE("whole solutions against bare answers") {
  CHECK(verdict("The answer is 17.0", "17") == verdict_kind::equal);
  CHECK(verdict("The answer is 17.0", "170") == verdict_kind::not_equal);
  CHECK(
    verdict("Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 72", "72")
    == verdict_kind::equal);
  CHECK(verdict("So $x=\\boxed{2}$ and $y=\\boxed{5}$.", "(2, 5)")
        == verdict_kind::equal);
  CHECK(verdict("<think>Maybe 5? No: 6.</think>\nThe answer is 6.", "5")
        == verdict_kind::not_equal);
  CHECK(verdict("The final answer is $\\boxed{(-2, 4]}$.", "-2 < y \\le 4")
        == verdict_kind::equal);
  CHECK(verdict("So the answer is $2 \\cdot 3 = 6$.", "6")
        == verdict_kind::equal);
}

TEST_CASE("extract first, then bound the answer") {
  std::string reasoning(5000, 'x');
  auto long_solution = "<think>" + reasoning + "</think>\nThe answer is 12.";
  CHECK(verdict(long_solution, "12") == verdict_kind::equal);
  // A long answer is still refused, and a huge input before extraction.
  auto long_answer = "\\boxed{" + std::string(3000, '1') + "}";
  CHECK(verdict(long_answer + " is it.", "1") == verdict_kind::unknown);
  CHECK(verdict(std::string(300'000, ' ') + "The answer is 1", "1")
        == verdict_kind::unknown);
}

TEST_CASE("double escaping is undone once, ordinary LaTeX is kept") {
  CHECK(undo_double_escaping("\\\\frac{1}{2}") == "\\frac{1}{2}");
  CHECK(undo_double_escaping("So \\\\boxed{12}.\\nDone")
        == "So \\boxed{12}.\nDone");
  CHECK(undo_double_escaping("\\\\{1, 2\\\\}") == "\\{1, 2\\}");
  // Matrix rows and single commands: not double-escaped.
  CHECK(undo_double_escaping("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}")
        == "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}");
  CHECK(undo_double_escaping("\\frac{1}{2} \\\\sqrt{2}")
        == "\\frac{1}{2} \\\\sqrt{2}");
  CHECK(verdict("\\\\frac{1}{2}", "\\frac12") == verdict_kind::equal);
  CHECK(verdict("\\\\boxed{\\\\sqrt{2}}", "\\sqrt{2}") == verdict_kind::equal);
  CHECK(verdict("Step 1\\nThe answer is $\\\\dfrac{5}{6}$.", "5/6")
        == verdict_kind::equal);
  CHECK(verdict("Step 1\\nThe answer is $\\\\dfrac{5}{6}$.", "6/5")
        == verdict_kind::not_equal);
}

TEST_CASE("a solution without a findable answer is unknown, never a guess") {
  // The last number is LaTeX structure, not an answer.
  CHECK(verdict("Solving the equation we get x equal to \\frac{3}{2} here", "2")
        == verdict_kind::unknown);
  CHECK(verdict("We are told many things and conclude nothing at all.", "4")
        == verdict_kind::unknown);
  // "The answer is:" with the answer on the next line.
  CHECK(answer_of("The answer is:\n\n$\\frac{1}{2}$") == "\\frac{1}{2}");
}
