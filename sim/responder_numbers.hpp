#pragma once

// Internal to sim/responder.cpp: evaluate and generate functions of the
// number theory, counting and geometry problem families (see
// responder_bank.hpp for the table). Like the algebra families they read
// everything from the numbers in the text.

#include "sim/responder_problems.hpp"

namespace kpsynth::sim::detail {

// -- gcd and lcm
// -----------------------------------------------------------------

inline evaluation gcd_sum_eval(const params& p) {
  if (p['m'] <= 0 || p['n'] <= 0)
    return unknown();
  auto g = std::gcd(p['m'], p['n']);
  auto l = lcm64(p['m'], p['n']);
  evaluation e;
  e.sound = true;
  e.answer = str(g + l);
  e.steps = {"By the Euclidean algorithm, $\\gcd(" + str(p['m']) + ", "
               + str(p['n']) + ") = " + str(g) + "$.",
             "Since $\\gcd \\cdot \\operatorname{lcm}$ equals the product, "
             "$\\operatorname{lcm} = \\frac{"
               + str(p['m']) + " \\cdot " + str(p['n']) + "}{" + str(g)
               + "} = " + str(l) + "$.",
             "The sum is $" + str(g) + " + " + str(l) + " = " + e.answer
               + "$."};
  e.python = "import math\n\nm, n = " + str(p['m']) + ", " + str(p['n'])
             + "\ng = math.gcd(m, n)\nprint(g + m * n // g)\n";
  return e;
}

inline evaluation gcd_missing(const params&) {
  return unsound("the second integer n is never given");
}

inline evaluation gcd_other_eval(const params& p) {
  auto g = p['g'];
  auto l = p['l'];
  auto m = p['m'];
  if (g <= 0 || l <= 0 || m <= 0)
    return unknown();
  auto flaw = "no pair of positive integers with greatest common divisor "
              + str(g) + " and least common multiple " + str(l) + " contains "
              + str(m);
  if (l % g != 0 || l % m != 0 || m % g != 0)
    return unsound(flaw);
  auto other = g * l / m;
  if (std::gcd(m, other) != g || lcm64(m, other) != l)
    return unsound(flaw);
  evaluation e;
  e.sound = true;
  e.answer = str(other);
  e.steps = {"The product of two integers equals the product of their gcd "
             "and lcm: $"
               + str(g) + " \\cdot " + str(l) + " = " + str(g * l) + "$.",
             "So the other integer is $\\frac{" + str(g * l) + "}{" + str(m)
               + "} = " + e.answer + "$."};
  e.python = "g, l, m = " + str(g) + ", " + str(l) + ", " + str(m)
             + "\nprint(g * l // m)\n";
  return e;
}

inline void gcd_make(rng& r, params& p) {
  auto g = r.range(2, 15);
  int64_t x = 0;
  int64_t y = 0;
  do {
    x = r.range(2, 12);
    y = r.range(2, 12);
  } while (x == y || std::gcd(x, y) != 1);
  p['m'] = g * x;
  p['n'] = g * y;
}

inline void gcd_make_bad(rng& r, params& p) {
  p['g'] = r.range(3, 12);
  p['l'] = p['g'] * r.range(3, 9) + r.range(1, p['g'] - 1);
  p['m'] = p['g'] * r.range(2, 5);
}

// -- modular arithmetic
// -------------------------------------------------------------

inline evaluation powmod_eval(const params& p) {
  auto a = p['a'];
  auto e = p['e'];
  auto m = p['m'];
  if (a < 0 || e < 0 || m < 2)
    return unknown();
  int64_t result = 1 % m;
  int64_t base = a % m;
  for (auto k = e; k > 0; k >>= 1) {
    if (k & 1)
      result = result * base % m;
    base = base * base % m;
  }
  // The cycle of powers, for the explanation.
  std::vector<int64_t> seen;
  int64_t x = a % m;
  while (seen.size() < 12
         && std::find(seen.begin(), seen.end(), x) == seen.end()) {
    seen.push_back(x);
    x = x * (a % m) % m;
  }
  std::string cycle;
  for (size_t i = 0; i < seen.size() && i < 6; ++i)
    cycle += (i ? ", " : "") + str(seen[i]);
  evaluation ev;
  ev.sound = true;
  ev.answer = str(result);
  ev.steps = {"Compute successive powers of " + str(a) + " modulo " + str(m)
                + ": " + cycle + (seen.size() > 6 ? ", ..." : "") + ".",
              "The residues eventually repeat, so we reduce the exponent "
              "along the cycle (or use repeated squaring).",
              "This gives $" + str(a) + "^{" + str(e) + "} \\equiv " + ev.answer
                + " \\pmod{" + str(m) + "}$."};
  ev.python = "a, e, m = " + str(a) + ", " + str(e) + ", " + str(m)
              + "\nprint(pow(a, e, m))\n";
  return ev;
}

inline evaluation powmod_missing(const params&) {
  return unsound("the integer n is not specified, and the remainder depends "
                 "on it");
}

inline evaluation crt_eval(const params& p) {
  auto r = p['r'];
  auto m = p['m'];
  auto s = p['s'];
  auto k = p['k'];
  if (m < 2 || k < 2 || m > 1000 || k > 1000 || r < 0 || s < 0)
    return unknown();
  if (r >= m || s >= k)
    return unsound("a remainder must be smaller than its divisor");
  auto l = lcm64(m, k);
  for (int64_t n = 1; n <= l; ++n) {
    if (n % m != r || n % k != s)
      continue;
    evaluation e;
    e.sound = true;
    e.answer = str(n);
    e.steps = {"We need $n \\equiv " + str(r) + " \\pmod{" + str(m)
                 + "}$ and $n \\equiv " + str(s) + " \\pmod{" + str(k) + "}$.",
               "The solutions repeat every $\\operatorname{lcm}(" + str(m)
                 + ", " + str(k) + ") = " + str(l) + "$.",
               "Checking the candidates $n \\equiv " + str(r) + " \\pmod{"
                 + str(m) + "}$ in increasing order, the first that works is $"
                 + e.answer + "$."};
    e.python = "r, m, s, k = " + str(r) + ", " + str(m) + ", " + str(s) + ", "
               + str(k)
               + "\nn = 1\nwhile n % m != r or n % k != s:\n    n += 1\n"
                 "print(n)\n";
    return e;
  }
  return unsound("the two conditions contradict each other: modulo "
                 + str(std::gcd(m, k)) + " they require remainders "
                 + str(r % std::gcd(m, k)) + " and " + str(s % std::gcd(m, k)));
}

inline void powmod_make(rng& r, params& p) {
  p['m'] = r.range(5, 19);
  do {
    p['a'] = r.range(2, 29);
  } while (std::gcd(p['a'], p['m']) != 1);
  p['e'] = r.range(10, 200);
}

inline void crt_make_bad(rng& r, params& p) {
  p['k'] = r.range(2, 6);
  p['m'] = p['k'] * r.range(2, 4);
  p['r'] = r.range(0, p['m'] - 1);
  p['s'] = (p['r'] + r.range(1, p['k'] - 1)) % p['k'];
}

// -- probability
// ---------------------------------------------------------------------

inline evaluation marbles_eval(const params& p) {
  auto red = p['r'];
  auto total = p['r'] + p['b'];
  if (red < 0 || p['b'] < 0 || total > 100'000)
    return unknown();
  if (total < 2)
    return unsound("fewer than two marbles cannot be drawn twice");
  auto pairs = binom(total, 2);
  auto red_pairs = binom(red, 2);
  evaluation e;
  e.sound = true;
  e.answer = format(make_rational(red_pairs, pairs));
  e.steps = {"There are $\\binom{" + str(total) + "}{2} = " + str(pairs)
               + "$ equally likely pairs of marbles.",
             "Of these, $\\binom{" + str(red) + "}{2} = " + str(red_pairs)
               + "$ consist of two red marbles.",
             "So the probability is $\\frac{" + str(red_pairs) + "}{"
               + str(pairs) + "} = " + e.answer + "$."};
  e.python = "from fractions import Fraction\nfrom math import comb\n\nr, b = "
             + str(red) + ", " + str(p['b'])
             + "\nprint(Fraction(comb(r, 2), comb(r + b, 2)))\n";
  return e;
}

inline evaluation marbles_missing(const params&) {
  return unsound("the number of blue marbles is never given");
}

inline evaluation marbles_total_eval(const params& p) {
  if (p['t'] != p['r'] + p['b'])
    return unsound(str(p['r']) + " red and " + str(p['b'])
                   + " blue marbles make " + str(p['r'] + p['b'])
                   + " marbles, not " + str(p['t']));
  return marbles_eval(p);
}

inline void marbles_make(rng& r, params& p) {
  p['r'] = r.range(2, 9);
  p['b'] = r.range(2, 12);
}

inline void marbles_make_bad(rng& r, params& p) {
  marbles_make(r, p);
  p['t'] = p['r'] + p['b'] + r.range(1, 4);
}

// -- counting
// ------------------------------------------------------------------------

inline evaluation committee_eval(const params& p) {
  auto n = p['n'];
  auto k = p['k'];
  if (n < 0 || k < 0 || n > 60)
    return unknown();
  if (k > n)
    return unsound("a committee of " + str(k) + " cannot be chosen from "
                   + str(n) + " people");
  evaluation e;
  e.sound = true;
  e.answer = str(binom(n, k));
  e.steps = {"The order of the members does not matter, so we count "
             "combinations.",
             "The number of ways is $\\binom{" + str(n) + "}{" + str(k)
               + "} = \\frac{" + str(n) + "!}{" + str(k) + "!\\," + str(n - k)
               + "!} = " + e.answer + "$."};
  e.python =
    "from math import comb\n\nprint(comb(" + str(n) + ", " + str(k) + "))\n";
  return e;
}

inline evaluation committee_missing(const params&) {
  return unsound("the number of club members is never given");
}

inline evaluation committee_women_eval(const params& p) {
  if (p['w'] + p['m'] != p['n'])
    return unsound(str(p['w']) + " women and " + str(p['m']) + " men make "
                   + str(p['w'] + p['m']) + " members, not " + str(p['n']));
  params q;
  q['n'] = p['w'];
  q['k'] = p['k'];
  return committee_eval(q);
}

inline void committee_make(rng& r, params& p) {
  p['n'] = r.range(6, 20);
  p['k'] = r.range(2, 5);
}

inline void committee_make_bad(rng& r, params& p) {
  p['w'] = r.range(5, 12);
  p['m'] = r.range(3, 12);
  p['n'] = p['w'] + p['m'] + r.range(1, 5);
  p['k'] = r.range(2, 4);
}

// -- right triangles
// -------------------------------------------------------------------

inline evaluation triangle_eval(const params& p) {
  auto a = p['a'];
  auto b = p['b'];
  if (a <= 0 || b <= 0)
    return unknown();
  auto c2 = a * a + b * b;
  int64_t c = 0;
  bool exact = perfect_square(c2, c);
  evaluation e;
  e.sound = true;
  e.answer = exact ? str(a + b + c) : str(a + b) + " + " + radical(c2);
  e.steps = {"By the Pythagorean theorem the hypotenuse is $\\sqrt{" + str(a)
               + "^2 + " + str(b) + "^2} = \\sqrt{" + str(c2) + "}"
               + (exact ? " = " + str(c) : "") + "$.",
             "The perimeter is the sum of the three sides: $" + str(a) + " + "
               + str(b) + " + " + (exact ? str(c) : radical(c2)) + " = "
               + e.answer + "$."};
  if (exact)
    e.python = "import math\n\na, b = " + str(a) + ", " + str(b)
               + "\nc = math.isqrt(a * a + b * b)\nprint(a + b + c)\n";
  return e;
}

inline evaluation triangle_missing(const params&) {
  return unsound("only one leg is given, so the triangle is not determined");
}

inline evaluation triangle_area_eval(const params& p) {
  auto a = p['a'];
  auto b = p['b'];
  auto c = p['c'];
  if (a <= 0 || b <= 0 || c <= 0)
    return unknown();
  if (a * a + b * b != c * c)
    return unsound("legs " + str(a) + " and " + str(b)
                   + " give a hypotenuse of $\\sqrt{" + str(a * a + b * b)
                   + "}$, not " + str(c));
  evaluation e;
  e.sound = true;
  e.answer = format(make_rational(a * b, 2));
  e.steps = {"The data are consistent: $" + str(a) + "^2 + " + str(b)
               + "^2 = " + str(c) + "^2$.",
             "The legs are perpendicular, so the area is $\\frac{" + str(a)
               + " \\cdot " + str(b) + "}{2} = " + e.answer + "$."};
  e.python = "from fractions import Fraction\n\na, b = " + str(a) + ", "
             + str(b) + "\nprint(Fraction(a * b, 2))\n";
  return e;
}

inline void triangle_make(rng& r, params& p) {
  static const int64_t triples[][2] = {{3, 4},  {5, 12},  {8, 15},
                                       {7, 24}, {20, 21}, {9, 40}};
  auto& t = triples[r.range(0, 5)];
  auto k = r.range(1, 6);
  bool swap = r.range(0, 1) == 1;
  p['a'] = k * t[swap ? 1 : 0];
  p['b'] = k * t[swap ? 0 : 1];
}

inline void triangle_make_bad(rng& r, params& p) {
  triangle_make(r, p);
  int64_t c = 0;
  perfect_square(p['a'] * p['a'] + p['b'] * p['b'], c);
  p['c'] = c + r.range(1, 3);
}

// -- rectangles
// ------------------------------------------------------------------------

inline evaluation rectangle_eval(const params& p) {
  auto per = p['p'];
  auto a = p['a'];
  if (per <= 0 || a <= 0)
    return unknown();
  auto other = make_rational(per - 2 * a, 2);
  if (other.num <= 0)
    return unsound("a side of " + str(a) + " is too long for a perimeter of "
                   + str(per));
  evaluation e;
  e.sound = true;
  e.answer = format(make_rational(other.num * a, other.den));
  e.steps = {"Half the perimeter is the sum of two adjacent sides, so the "
             "other side is $\\frac{"
               + str(per) + "}{2} - " + str(a) + " = " + format(other) + "$.",
             "The area is $" + str(a) + " \\cdot " + format(other) + " = "
               + e.answer + "$."};
  e.python = "from fractions import Fraction\n\np, a = " + str(per) + ", "
             + str(a) + "\nother = Fraction(p, 2) - a\nprint(a * other)\n";
  return e;
}

inline evaluation rectangle_missing(const params&) {
  return unsound("the perimeter alone does not determine the area");
}

inline evaluation rectangle_sides_eval(const params& p) {
  if (2 * (p['a'] + p['b']) != p['p'])
    return unsound("sides " + str(p['a']) + " and " + str(p['b'])
                   + " give a perimeter of " + str(2 * (p['a'] + p['b']))
                   + ", not " + str(p['p']));
  return rectangle_eval(p);
}

inline void rectangle_make(rng& r, params& p) {
  p['a'] = r.range(2, 30);
  p['b'] = r.range(2, 30);
  p['p'] = 2 * (p['a'] + p['b']);
}

inline void rectangle_make_bad(rng& r, params& p) {
  rectangle_make(r, p);
  p['p'] += 2 * r.range(1, 5);
}

} // namespace kpsynth::sim::detail
