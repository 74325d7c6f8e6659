#include "text/equivalence.hpp"
#include "text/grouping.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using kpsynth::text::equiv_options;
using kpsynth::text::equivalent;
using kpsynth::text::percent_mode;
using kpsynth::text::verdict_kind;

namespace {

verdict_kind verdict(std::string_view a, std::string_view b,
                     const equiv_options& options = {}) {
  auto result = equivalent(a, b, options);
  INFO(a << " vs " << b << ": " << to_string(result.verdict) << " ("
         << result.reason << ")");
  // Symmetry is part of the contract: voting must not depend on order.
  auto swapped = equivalent(b, a, options);
  CHECK(swapped.verdict == result.verdict);
  return result.verdict;
}

bool same(std::string_view a, std::string_view b,
          const equiv_options& options = {}) {
  return verdict(a, b, options) == verdict_kind::equal;
}

bool differ(std::string_view a, std::string_view b,
            const equiv_options& options = {}) {
  return verdict(a, b, options) == verdict_kind::not_equal;
}

} // namespace

TEST_CASE("fractions, decimals and mixed numbers") {
  CHECK(same("\\frac{1}{2}", "0.5"));
  CHECK(same("\\dfrac{1}{2}", "\\tfrac12"));
  CHECK(same("\\frac12", "1/2"));
  CHECK(same("2\\frac{1}{2}", "\\frac{5}{2}"));
  CHECK(same("2 1/2", "2.5"));
  CHECK(same("-2\\frac{1}{2}", "-2.5"));
  CHECK(differ("2\\frac{1}{2}", "1"));
  CHECK(differ("2 \\cdot \\frac{1}{2}", "2.5"));
  CHECK(same("\\frac{x}{2}", "0.5x"));
  CHECK(differ("\\frac{1}{3}", "0.33"));
  CHECK(same("\\frac{1}{3}", "0.3333333"));
}

TEST_CASE("roots, pi, e and i") {
  CHECK(same("\\sqrt{8}", "2\\sqrt{2}"));
  CHECK(same("\\frac{\\sqrt2}{2}", "\\frac{1}{\\sqrt{2}}"));
  CHECK(same("\\sqrt[3]{-8}", "-2"));
  CHECK(same("\\sqrt[3]{27}", "3"));
  CHECK(differ("\\sqrt{2}", "\\sqrt{3}"));
  CHECK(same("2\\pi", "\\pi \\cdot 2"));
  CHECK(same("\\pi", "3.14159265358979"));
  CHECK(differ("\\pi", "3.14"));
  CHECK(same("e^{i\\pi}", "-1"));
  CHECK(same("\\ln e^2", "2"));
  CHECK(same("(1+i)^2", "2i"));
  CHECK(differ("3+4i", "3-4i"));
}

TEST_CASE("functions and identities") {
  CHECK(same("\\sin^2 x + \\cos^2 x", "1"));
  CHECK(same("\\log_2 8", "3"));
  CHECK(same("\\sin\\frac{\\pi}{6}", "\\frac12"));
  CHECK(same("\\cos 60^\\circ", "0.5"));
  CHECK(same("|{-3}|", "3"));
  CHECK(same("5!", "120"));
  CHECK(same("\\binom{5}{2}", "10"));
  CHECK(differ("\\tan x", "\\cot x"));
  CHECK(same("sqrt(2)/2", "\\frac{\\sqrt2}{2}"));
  // Poles and 0^0 are refused before GiNaC sees them (it leaks otherwise).
  CHECK(equivalent("\\tan\\frac{\\pi}{2}", "1").verdict != verdict_kind::equal);
  CHECK(same("\\cot\\frac{\\pi}{2}", "0"));
  CHECK(equivalent("\\log 0", "1").verdict == verdict_kind::unknown);
  CHECK(equivalent("0^{-1}", "1").verdict == verdict_kind::unknown);
}

TEST_CASE("algebra: implicit products, powers, rational functions") {
  CHECK(same("2x", "2 \\cdot x"));
  CHECK(same("x y", "2yx/2"));
  CHECK(same("2\\sqrt{3}", "\\sqrt{12}"));
  CHECK(same("x^2", "x**2"));
  CHECK(same("(x+1)^2", "x^2 + 2x + 1"));
  CHECK(same("\\frac{x^2-1}{x-1}", "x+1"));
  CHECK(differ("(x+1)^2", "x^2+1"));
  CHECK(differ("2x", "x^2"));
  CHECK(same("2(x+1)", "2x+2"));
  CHECK(same("(a+5)(b+2)", "ab + 2a + 5b + 10"));
}

TEST_CASE("units, degrees, money, text wrappers") {
  CHECK(same("15\\mbox{ cm}^2", "15"));
  CHECK(same("30^\\circ", "30"));
  CHECK(same("30^{\\circ}", "30\\degree"));
  CHECK(same("\\$18.90", "18.9"));
  CHECK(same("5 \\text{ meters}", "5"));
  CHECK(same("\\textbf{7}", "7"));
  CHECK(same("\\mathrm{7}", "\\mbox{7}"));
  CHECK(differ("5 \\text{ cm}", "6"));
}

TEST_CASE("percentages follow the percent mode") {
  CHECK(same("50\\%", "0.5"));
  CHECK(same("50\\%", "50"));
  CHECK(differ("50\\%", "5"));
  equiv_options fraction;
  fraction.percent = percent_mode::fraction;
  CHECK(same("50\\%", "0.5", fraction));
  CHECK(differ("50\\%", "50", fraction));
  equiv_options number;
  number.percent = percent_mode::number;
  CHECK(differ("50\\%", "0.5", number));
  CHECK(same("50\\%", "50", number));
}

TEST_CASE("thousands separators are not tuples") {
  CHECK(same("1,000", "1000"));
  CHECK(same("1{,}000", "1000"));
  CHECK(same("10,\\!080", "10080"));
  CHECK(differ("(1,2)", "12"));
  CHECK(differ("1,2", "12"));
}

TEST_CASE("tolerance is configurable") {
  CHECK(same("0.30000000000000004", "0.3"));
  CHECK(differ("1.001", "1"));
  equiv_options loose;
  loose.tolerance = 1e-2;
  CHECK(same("1.001", "1", loose));
}

TEST_CASE("equations") {
  CHECK(same("x = 3", "3"));
  CHECK(same("y = 2x + 1", "2x + 1 = y"));
  CHECK(same("y = 2x + 1", "2y = 4x + 2"));
  CHECK(same("y = 2x+1", "2x + 1"));
  CHECK(differ("y = 2x + 1", "y = 2x - 1"));
  CHECK(differ("x = 3", "4"));
  CHECK(differ("x = x + 1", "1"));
}

TEST_CASE("intervals, unions and inequalities") {
  CHECK(same("[1,2)", "\\left[1, 2\\right)"));
  CHECK(differ("[1,2)", "[1,2]"));
  CHECK(differ("(1,2]", "[1,2]"));
  CHECK(same("(-\\infty, 3]", "x \\le 3"));
  CHECK(same("x > 3", "(3, \\infty)"));
  CHECK(same("x > 3", "3 < x"));
  CHECK(differ("x > 3", "x \\ge 3"));
  CHECK(same("x \\in [1,2)", "[1,2)"));
  CHECK(same("1 \\le x < 2", "[1,2)"));
  CHECK(same("(-\\infty,1)\\cup(2,\\infty)", "(2,\\infty)\\cup(-\\infty,1)"));
  CHECK(same("(-\\infty,1)\\cup(2,\\infty)", "x < 1 \\text{ or } x > 2"));
  CHECK(differ("(-\\infty,1)\\cup(2,\\infty)", "(-\\infty,1]\\cup(2,\\infty)"));
  CHECK(same("x \\ne 0", "(-\\infty,0)\\cup(0,\\infty)"));
  CHECK(same("2x > 6", "x - 3 > 0"));
  CHECK(differ("2x > 6", "x < 3"));
}

TEST_CASE("sets, tuples, several answers and plus-minus") {
  CHECK(same("\\{1,2\\}", "\\{2,1\\}"));
  CHECK(same("\\{1,2\\}", "2, 1"));
  CHECK(differ("\\{1,2\\}", "\\{1,3\\}"));
  CHECK(same("(1,2)", "(1, 2)"));
  CHECK(differ("(1,2)", "(2,1)"));
  CHECK(differ("(1,2)", "\\{1,2\\}"));
  CHECK(same("1, 2", "2, 1"));
  CHECK(differ("1, 2", "1, 2, 3"));
  equiv_options ordered;
  ordered.ordered = true;
  CHECK(differ("1, 2", "2, 1", ordered));
  CHECK(same("1, 2", "1,2", ordered));
  CHECK(same("1 \\pm \\sqrt{2}", "1+\\sqrt2, 1-\\sqrt2"));
  CHECK(same("1 \\pm \\sqrt{2}", "\\{1-\\sqrt2, 1+\\sqrt2\\}"));
  CHECK(differ("1 \\pm \\sqrt{2}", "1+\\sqrt2"));
  CHECK(same("x = \\pm 2", "2, -2"));
  CHECK(same("x = 1 \\text{ or } x = 2", "1, 2"));
  CHECK(same("\\emptyset", "\\varnothing"));
  CHECK(same("\\emptyset", "\\{\\}"));
  CHECK(differ("\\emptyset", "\\{0\\}"));
  CHECK(same("\\{3\\}", "3"));
}

TEST_CASE("matrices") {
  CHECK(same("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
             "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}"));
  CHECK(differ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
               "\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}"));
  CHECK(same("\\begin{pmatrix} 1/2 \\\\ 3 \\end{pmatrix}",
             "\\begin{pmatrix} \\frac12 \\\\ 3 \\end{pmatrix}"));
  CHECK(same("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "(1,2)"));
  CHECK(differ("\\begin{pmatrix} 1 & 2 \\end{pmatrix}",
               "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}"));
}

TEST_CASE("text answers and choices") {
  CHECK(same("Monday", "monday"));
  CHECK(same("\\text{Monday}", "Monday"));
  CHECK(differ("Monday", "Tuesday"));
  CHECK(same("\\text{(C)}", "C"));
  CHECK(same("(C)", "\\textbf{(C)}"));
  CHECK(differ("(C)", "(D)"));
  CHECK(differ("Monday", "5"));
  CHECK(same("204_5", "204_{5}"));
  CHECK(differ("204_5", "204"));
}

TEST_CASE("unparsable and empty answers are unknown, naming the place") {
  auto r = equivalent("3", "(1,2");
  CHECK(r.verdict == verdict_kind::unknown);
  CHECK(r.reason.find("answer b") != std::string::npos);
  CHECK(r.reason.find("col") != std::string::npos);
  CHECK(equivalent("", "3").verdict == verdict_kind::unknown);
  CHECK(equivalent("\\frac{1}{0}", "2").verdict == verdict_kind::unknown);
}

TEST_CASE("results carry a reason and a duration") {
  auto r = equivalent("\\frac{1}{2}", "0.5");
  CHECK(r.verdict == verdict_kind::equal);
  CHECK_FALSE(r.reason.empty());
  CHECK(r.micros > 0);
}

TEST_CASE("prepared answers give the same verdicts") {
  using kpsynth::text::prepare_answer;
  auto a = prepare_answer("\\frac{1}{2}");
  auto b = prepare_answer("0.5");
  auto c = prepare_answer("Monday");
  CHECK(a.parsed());
  CHECK_FALSE(c.parsed());
  CHECK(a.normalized() == "\\frac{1}{2}");
  CHECK(equivalent(a, b).verdict == verdict_kind::equal);
  CHECK(equivalent(a, c).verdict == verdict_kind::not_equal);
}

TEST_CASE("grouping answers for a majority vote") {
  using kpsynth::text::group_answers;
  std::vector<std::string> answers{"\\frac12", "0.5",          "1/3", "",
                                   "50\\%",    "\\frac{1}{3}", "2"};
  auto groups = group_answers(answers);
  REQUIRE(groups.clusters.size() == 3);
  CHECK(groups.total == 7);
  CHECK(groups.empty == 1);
  REQUIRE(groups.majority() != nullptr);
  CHECK(groups.majority()->representative == "\\frac12");
  CHECK(groups.majority()->members == std::vector<std::size_t>{0, 1, 4});
  CHECK(groups.majority()->count == 3);
  CHECK(groups.majority_share == Approx(3.0 / 7.0));
  CHECK(groups.clusters[1].members == std::vector<std::size_t>{2, 5});
  CHECK(groups.clusters[2].representative == "2");
  auto none = group_answers({"", " "});
  CHECK(none.majority() == nullptr);
  CHECK(none.majority_share == 0);
}

TEST_CASE("concurrent comparisons agree with sequential ones") {
  const std::vector<std::pair<std::string, std::string>> pairs{
    {"\\frac{x^2-1}{x-1}", "x+1"},
    {"\\sqrt{8}", "2\\sqrt2"},
    {"(1,2)", "(2,1)"},
    {"y=2x+1", "2x+1=y"},
    {"[1,2)", "[1,2]"},
    {"1\\pm\\sqrt2", "1-\\sqrt2,1+\\sqrt2"},
    {"(x+1)^3", "x^3+3x^2+3x+1"},
    {"\\frac{1}{3}", "0.33"}};
  // A long budget: this checks agreement under contention, not speed.
  equiv_options patient;
  patient.budget = std::chrono::seconds(10);
  std::vector<verdict_kind> expected;
  for (const auto& [a, b] : pairs)
    expected.push_back(equivalent(a, b, patient).verdict);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 50; ++round)
        for (std::size_t i = 0; i < pairs.size(); ++i)
          if (equivalent(pairs[i].first, pairs[i].second, patient).verdict
              != expected[i])
            ++mismatches;
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(mismatches == 0);
}
