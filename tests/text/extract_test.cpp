#include "text/extract.hpp"
#include "text/normalize.hpp"

#include <catch2/catch.hpp>

#include <string>

using kpsynth::text::answer_source;
using kpsynth::text::extract_final_answer;
using kpsynth::text::normalize_answer;

namespace {

std::string extracted(std::string_view solution) {
  auto found = extract_final_answer(solution);
  return found ? found->text : std::string{"<none>"};
}

answer_source source_of(std::string_view solution) {
  auto found = extract_final_answer(solution);
  REQUIRE(found);
  return found->source;
}

} // namespace

TEST_CASE("the last boxed answer wins, with nested braces") {
  CHECK(extracted("First $\\boxed{1}$, then finally $\\boxed{\\frac{1}{2}}$.")
        == "\\frac{1}{2}");
  CHECK(extracted("So $x = \\boxed{\\sqrt{\\frac{a}{b}}}$")
        == "\\sqrt{\\frac{a}{b}}");
  CHECK(extracted("\\boxed{\\{1, 2\\}}") == "\\{1, 2\\}");
  CHECK(source_of("\\boxed{3}") == answer_source::boxed);
}

TEST_CASE("fbox and the unbraced boxed form") {
  CHECK(extracted("The answer is \\fbox{42}.") == "42");
  CHECK(extracted("Thus $\\boxed 5$.") == "5");
  CHECK(extracted("Thus \\boxed 7.") == "7");
  CHECK(source_of("\\fbox{1}") == answer_source::boxed);
}

TEST_CASE("adjacent boxes are joined as several answers") {
  CHECK(extracted("Roots: $\\boxed{1}$ and $\\boxed{2}$") == "1, 2");
  CHECK(extracted("\\boxed{1}, \\boxed{-3}") == "1, -3");
  // Separated by prose: only the last one counts.
  CHECK(extracted("We get \\boxed{1} for part a. For part b we find "
                  "\\boxed{2}")
        == "2");
}

TEST_CASE("a truncated last box is skipped") {
  CHECK(extracted("\\boxed{4} was wrong; so \\boxed{\\frac{1}{") == "4");
  CHECK(extracted("\\boxed{") == "<none>");
  // \boxedfoo is another command: the last number is all that is left.
  auto other = extract_final_answer("only \\boxedfoo{3} here");
  REQUIRE(other);
  CHECK(other->source == answer_source::last_number);
}

TEST_CASE("answer phrases") {
  CHECK(extracted("Adding up, the answer is 17.") == "17");
  CHECK(extracted("Final answer: $\\frac{3}{4}$") == "\\frac{3}{4}");
  CHECK(extracted("**Final Answer**: 12\nThanks") == "12");
  CHECK(extracted("The answer is: x = 3.") == "x = 3");
  CHECK(source_of("so the answer is 4") == answer_source::answer_phrase);
}

TEST_CASE("GSM8K hash marker") {
  CHECK(extracted("She pays 3*4 = <<3*4=12>>12 dollars.\n#### 12") == "12");
  CHECK(source_of("#### 1,000") == answer_source::hash_marker);
  CHECK(extracted("#### 1,000") == "1,000");
}

TEST_CASE("last number fallback") {
  CHECK(extracted("We have 3 apples and then 5 more, so 8") == "8");
  CHECK(extracted("It costs -4.5 dollars in total") == "-4.5");
  CHECK(extracted("The ratio was 3/4 overall.") == "3/4");
  CHECK(extracted("There were 1,234 people.") == "1,234");
  CHECK(extracted("x-2 is it") == "2");
  CHECK(source_of("maybe 7") == answer_source::last_number);
  CHECK_FALSE(extract_final_answer("no digits at all"));
  CHECK_FALSE(extract_final_answer(""));
}

TEST_CASE("source names are stable") {
  CHECK(to_string(answer_source::boxed) == "boxed");
  CHECK(to_string(answer_source::last_number) == "last_number");
}

TEST_CASE("normalisation removes presentation") {
  CHECK(normalize_answer("$\\dfrac{1}{2}$") == "\\frac{1}{2}");
  CHECK(normalize_answer("\\tfrac12") == "\\frac{1}{2}");
  CHECK(normalize_answer("\\frac 59") == "\\frac{5}{9}");
  CHECK(normalize_answer("\\frac9{19}") == "\\frac{9}{19}");
  CHECK(normalize_answer("\\sqrt2") == "\\sqrt{2}");
  CHECK(normalize_answer("\\sqrt[3]8") == "\\sqrt[3]{8}");
  CHECK(normalize_answer("\\left( 1, 2 \\right)") == "( 1, 2 )");
  CHECK(normalize_answer("10,\\!080") == "10080");
  CHECK(normalize_answer("11,\\! 111,\\! 100") == "11111100");
  CHECK(normalize_answer("1{,}000") == "1000");
  CHECK(normalize_answer("1\\,000") == "1000");
  CHECK(normalize_answer("1,000,000") == "1000000");
  CHECK(normalize_answer("(1,000)") == "(1,000)"); // a tuple stays
  CHECK(normalize_answer("3, 5") == "3, 5");
  CHECK(normalize_answer("30^\\circ") == "30");
  CHECK(normalize_answer("30^{\\circ}") == "30");
  CHECK(normalize_answer("\\$18.90") == "18.90");
  CHECK(normalize_answer("15\\mbox{ cm}^2") == "15");
  CHECK(normalize_answer("5 meters") == "5");
  CHECK(normalize_answer("575\\text{ students}") == "575");
  CHECK(normalize_answer("\\text{Evelyn}") == "Evelyn");
  CHECK(normalize_answer("\\text{M}") == "M"); // a name, not metres
  CHECK(normalize_answer("\\frac{3}{4}\\pi\\text{ inches}")
        == "\\frac{3}{4}\\pi");
  CHECK(normalize_answer("50\\%") == "50%");
  CHECK(normalize_answer("x \\leq 3") == "x \\le 3");
  CHECK(normalize_answer("\\varnothing") == "\\emptyset");
  CHECK(normalize_answer("no solution") == "\\emptyset");
  CHECK(normalize_answer("\\mathbb{R}") == "(-\\infty,\\infty)");
  CHECK(normalize_answer("\\boxed{7}.") == "7");
  CHECK(normalize_answer("2 \\times 3") == "2 \\cdot 3");
  CHECK(normalize_answer("x**2") == "x^2");
  CHECK(normalize_answer("\\cos 60^\\circ") == "\\cos \\frac{60\\pi}{180}");
}

TEST_CASE("text keys ignore case and punctuation") {
  using kpsynth::text::text_key;
  CHECK(text_key("(C)") == "c");
  CHECK(text_key("Monday.") == "monday");
  CHECK(text_key("no  Solution") == "nosolution");
}
