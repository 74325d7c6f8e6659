#include "text/equivalence.hpp"
#include "text/extract.hpp"
#include "text/grouping.hpp"
#include "text/normalize.hpp"

#include <catch2/catch.hpp>

#include <string>

using kpsynth::text::equiv_options;
using kpsynth::text::equivalent;
using kpsynth::text::verdict_kind;

namespace {

/// A hang detector, not a speed goal: the comparison must come back within
/// its budget plus a wide allowance for a loaded machine.
constexpr double allowance_micros = 2'000'000;

void check_bounded(std::string_view a, std::string_view b,
                   const equiv_options& options = {}) {
  auto r = equivalent(a, b, options);
  INFO(a.substr(0, 60) << " vs " << b.substr(0, 60) << ": "
                       << to_string(r.verdict) << " (" << r.reason << ", "
                       << r.micros << " us)");
  CHECK(r.verdict != verdict_kind::equal);
  CHECK(r.micros
        < static_cast<double>(options.budget.count()) + allowance_micros);
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += s;
  return out;
}

} // namespace

TEST_CASE("over-long input is refused unparsed") {
  std::string huge(10'000, '1');
  auto r = equivalent(huge, "1");
  CHECK(r.verdict == verdict_kind::unknown);
  CHECK(r.reason.find("10000 characters") != std::string::npos);
  check_bounded(repeat("x+", 5000) + "1", "1");
  equiv_options small;
  small.max_input_chars = 10;
  CHECK(equivalent("12345678901", "12345678901", small).verdict
        == verdict_kind::unknown);
}

TEST_CASE("deep nesting is refused") {
  auto deep = repeat("(", 150) + "1" + repeat(")", 150);
  auto r = equivalent(deep, "2");
  CHECK(r.verdict == verdict_kind::unknown);
  CHECK(r.reason.find("nesting") != std::string::npos);
  check_bounded(repeat("\\frac{1}{", 120) + "2" + repeat("}", 120), "1");
  check_bounded(repeat("\\sqrt{", 300) + "2" + repeat("}", 300), "1");
  check_bounded(repeat("-", 500) + "1", "1");
  check_bounded(repeat("x^", 400) + "2", "x");
  check_bounded("1" + repeat("!", 500), "2");
  check_bounded(repeat("{", 900) + "1" + repeat("}", 900), "2");
  // Shallow enough: still decided.
  CHECK(equivalent(repeat("(", 40) + "1" + repeat(")", 40), "1").verdict
        == verdict_kind::equal);
}

TEST_CASE("huge exponents, factorials and numbers stay bounded") {
  check_bounded("2^{100000}", "2^{99999}");
  check_bounded("10^{10^{10}}", "10^{10^{10}}+1");
  check_bounded("2^{2^{2^{2^{2^{2}}}}}", "3");
  check_bounded("9999999!", "1");
  check_bounded("(x+1)^{10000}", "(x+1)^{9999}");
  check_bounded("(a+b+c+d+e+f+g)^{40}", "(a+b+c+d+e+f+g)^{39}");
  check_bounded("\\binom{100000000}{50000000}", "1");
  check_bounded(repeat("9", 1999), repeat("9", 1998) + "8");
  check_bounded("10^{-100000}", "0.1");
  check_bounded("\\frac{(x+y+z)^{30}}{(x-y+z)^{30}}", "1");
  check_bounded(repeat("(x+1)", 300), repeat("(x+2)", 300));
  check_bounded("\\sqrt[1000000]{2}", "1");
  // A big but admissible exponent is still decided exactly.
  CHECK(equivalent("2^{1000}", "2^{999} \\cdot 2").verdict
        == verdict_kind::equal);
}

TEST_CASE("large structures stay within the budget") {
  std::string list = "1";
  std::string other = "2";
  for (int i = 0; i < 400; ++i) {
    list += ",1";
    other += ",2";
  }
  check_bounded(list, other);
  auto matrix = [](std::string_view cell) {
    std::string m = "\\begin{pmatrix}";
    for (int r = 0; r < 30; ++r) {
      for (int c = 0; c < 9; ++c) {
        m += cell;
        m += '&';
      }
      m += cell;
      m += "\\\\";
    }
    return m + "\\end{pmatrix}";
  };
  check_bounded(matrix("x+1"), matrix("x+2"));
  // 300 entries that really must be compared: equal, or out of time.
  auto r = equivalent(matrix("x+1"), matrix("1+x"));
  CHECK(r.verdict != verdict_kind::not_equal);
  CHECK(r.micros < 100'000 + allowance_micros);
}

TEST_CASE("a tiny budget gives unknown, never a wrong verdict") {
  equiv_options tiny;
  tiny.budget = std::chrono::microseconds(1);
  auto r = equivalent("(x+1)^2", "x^2+2x+2", tiny);
  CHECK(r.verdict != verdict_kind::equal);
}

TEST_CASE("garbage never crashes") {
  for (std::string_view junk : {"\\",
                                "{",
                                "}",
                                "\\frac",
                                "\\frac{",
                                "\\sqrt[",
                                "\\begin{pmatrix}",
                                "\\end{pmatrix}",
                                "^",
                                "_",
                                "1_",
                                "x_{",
                                "|",
                                "||",
                                "(,)",
                                "[",
                                "]",
                                "\\left(",
                                "$$",
                                "\\boxed{",
                                "\\text{",
                                "1e99999",
                                "1e-99999",
                                "0^{-1}",
                                "\\log_1 1",
                                "\\sqrt[0]{2}",
                                "\\infty-\\infty",
                                "\\pm\\pm\\pm",
                                "=",
                                "<<",
                                "\\{\\}\\cup",
                                "\xff\xfe\x80"}) {
    auto r = equivalent(junk, "1");
    CHECK(r.verdict != verdict_kind::equal);
    (void)kpsynth::text::normalize_answer(junk);
    (void)kpsynth::text::extract_final_answer(junk);
  }
  auto groups = kpsynth::text::group_answers({"\\", "(", "1"});
  CHECK(groups.clusters.size() == 3);
}
