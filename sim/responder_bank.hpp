#pragma once

// Internal to sim/responder.cpp: the table of problem families the fake
// model writes, and the reader that maps a problem text back to its family,
// its numbers and its ground truth. Pattern slots are `<letter>`; the
// generated text is exactly the pattern with the numbers filled in.

#include "sim/responder_algebra.hpp"
#include "sim/responder_numbers.hpp"

namespace kpsynth::sim::detail {

/// All families, in a fixed order (the order is part of the determinism).
inline const std::vector<family>& families() {
  static const std::vector<family> table = {
    {"linear",
     "linear equation solving variable isolat",
     0,
     {"Solve for $x$: $<a>x + <b> = <c>$.", linear_eval},
     {"Solve for $x$: $<a>x + k = <c>$, where $k$ is a positive constant.",
      [](const params&) {
        return unsound("the constant k is never given, so x is not "
                       "determined");
      }},
     {"Find $x$ if $<a>x + <b> = <c>$ and $<a>x + <b> = <d>$.",
      linear_twice_eval},
     linear_make,
     linear_make_bad},
    {"quadratic",
     "quadratic root vieta discriminant factor polynomial",
     1,
     {"The equation $x^2 - <s>x + <p> = 0$ has two distinct real roots. "
      "What is the positive difference between its roots?",
      quadratic_eval},
     {"The equation $x^2 - <s>x + c = 0$ has two distinct real roots. What "
      "is the positive difference between its roots?",
      quadratic_missing},
     {"The equation $x^2 - <s>x + <p> = 0$ has two distinct real roots. "
      "What is the positive difference between its roots?",
      quadratic_eval},
     quadratic_make,
     quadratic_make_bad},
    {"series",
     "arithmetic sequence series progression sum term",
     1,
     {"An arithmetic sequence has first term <a> and common difference <d>. "
      "What is the sum of its first <n> terms?",
      series_eval},
     {"An arithmetic sequence has first term <a>. What is the sum of its "
      "first <n> terms?",
      series_missing},
     {"An arithmetic sequence has first term <a>, common difference <d> and "
      "second term <e>. What is the sum of its first <n> terms?",
      series_second_eval},
     series_make,
     series_make_bad},
    {"gcd",
     "gcd greatest common divisor lcm least multiple prime euclid",
     1,
     {"What is the sum of the greatest common divisor and the least common "
      "multiple of <m> and <n>?",
      gcd_sum_eval},
     {"What is the sum of the greatest common divisor and the least common "
      "multiple of <m> and a positive integer $n$?",
      gcd_missing},
     {"Two positive integers have greatest common divisor <g> and least "
      "common multiple <l>. One of them is <m>. What is the other?",
      gcd_other_eval},
     gcd_make,
     gcd_make_bad},
    {"marbles",
     "probability random chance event independent outcome",
     1,
     {"A bag contains <r> red marbles and <b> blue marbles. Two marbles are "
      "drawn at random without replacement. What is the probability that "
      "both are red? Express your answer as a common fraction.",
      marbles_eval},
     {"A bag contains <r> red marbles and some blue marbles. Two marbles are "
      "drawn at random without replacement. What is the probability that "
      "both are red? Express your answer as a common fraction.",
      marbles_missing},
     {"A bag contains <t> marbles: <r> red marbles, <b> blue marbles and no "
      "others. Two marbles are drawn at random without replacement. What is "
      "the probability that both are red? Express your answer as a common "
      "fraction.",
      marbles_total_eval},
     marbles_make,
     marbles_make_bad},
    {"triangle",
     "pythagorean right triangle hypotenuse perimeter leg",
     0,
     {"A right triangle has legs of length <a> and <b>. What is its "
      "perimeter?",
      triangle_eval},
     {"A right triangle has one leg of length <a>. What is its perimeter?",
      triangle_missing},
     {"A right triangle has legs of length <a> and <b> and a hypotenuse of "
      "length <c>. What is its area?",
      triangle_area_eval},
     triangle_make,
     triangle_make_bad},
    {"percent",
     "percent percentage discount ratio proportion increase",
     0,
     {"A jacket costs <p> dollars. Its price is raised by <u>% and the new "
      "price is then lowered by <v>%. What is the final price in dollars?",
      percent_eval},
     {"A jacket costs <p> dollars. Its price is raised by some percentage "
      "and the new price is then lowered by <v>%. What is the final price in "
      "dollars?",
      percent_missing},
     {"A jacket costs <p> dollars. After a discount of <v>% it costs <q> "
      "dollars. How many dollars does the discount save?",
      discount_eval},
     percent_make,
     percent_make_bad},
    {"modular",
     "modular remainder congruence modulo divisib digit",
     2,
     {"What is the remainder when $<a>^{<e>}$ is divided by <m>?", powmod_eval},
     {"What is the remainder when $n^{<e>}$ is divided by <m>, where $n$ is "
      "a positive integer?",
      powmod_missing},
     {"A positive integer $n$ leaves a remainder of <r> when divided by <m> "
      "and a remainder of <s> when divided by <k>. What is the smallest such "
      "$n$?",
      crt_eval},
     powmod_make,
     crt_make_bad},
    {"committee",
     "combination binomial choose counting permutation arrange",
     0,
     {"In how many ways can a committee of <k> people be chosen from a club "
      "of <n> people?",
      committee_eval},
     {"In how many ways can a committee of <k> people be chosen from the "
      "members of a club?",
      committee_missing},
     {"A club has <n> members: <w> women and <m> men. In how many ways can a "
      "committee of <k> women be chosen?",
      committee_women_eval},
     committee_make,
     committee_make_bad},
    {"pair",
     "system equations substitution elimination difference",
     0,
     {"The sum of two numbers is <s> and their difference is <d>. What is "
      "their product?",
      pair_eval},
     {"The sum of two numbers is <s>. What is their product?", pair_missing},
     {"The sum of two numbers is <s>, their difference is <d> and the larger "
      "number is <l>. What is their product?",
      pair_larger_eval},
     pair_make,
     pair_make_bad},
    {"power",
     "exponent exponential logarithm power log",
     1,
     {"Find $x$ if $<c> \\cdot <b>^{x} = <w>$.", power_eval},
     {"Find $x$ if $<c> \\cdot b^{x} = <w>$ for some positive integer $b$.",
      power_missing},
     {"Find $x$ if $<c> \\cdot <b>^{x} = <w>$ and $x = <k>$.",
      power_fixed_eval},
     power_make,
     power_make_bad},
    {"rectangle",
     "area rectangle perimeter geometry square",
     0,
     {"A rectangle has perimeter <p> and one side of length <a>. What is its "
      "area?",
      rectangle_eval},
     {"A rectangle has perimeter <p>. What is its area?", rectangle_missing},
     {"A rectangle has sides of length <a> and <b> and perimeter <p>. What is "
      "its area?",
      rectangle_sides_eval},
     rectangle_make,
     rectangle_make_bad},
  };
  return table;
}

/// The result of reading a problem text.
struct analysis {
  const family* fam = nullptr;
  int variant_index = 0; ///< 0 sound pattern, 1 missing, 2 contradictory.
  params values;
  evaluation eval;
};

/// Generated problems open with a bracketed setting built from their
/// knowledge points ("[Setting: ...] "), which makes problems of the same
/// family read differently, as a real model's would; it carries no data.
inline std::string_view strip_setting(std::string_view text) {
  if (text.substr(0, 10) != "[Setting: ")
    return text;
  auto end = text.find("] ");
  return end == std::string_view::npos ? text : text.substr(end + 2);
}

/// Matches a whitespace-squeezed problem text against every pattern.
inline bool analyse(std::string_view squeezed_text, analysis& out) {
  squeezed_text = strip_setting(squeezed_text);
  for (auto& f : families()) {
    const variant* vs[] = {&f.sound, &f.missing, &f.contradictory};
    for (int i = 0; i < 3; ++i) {
      params p;
      if (!match(vs[i]->pattern, squeezed_text, p))
        continue;
      auto e = vs[i]->evaluate(p);
      if (!e.known)
        continue;
      out.fam = &f;
      out.variant_index = i;
      out.values = p;
      out.eval = std::move(e);
      return true;
    }
  }
  return false;
}

} // namespace kpsynth::sim::detail
