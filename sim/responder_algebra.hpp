#pragma once

// Internal to sim/responder.cpp: evaluate and generate functions of the
// algebra problem families (see responder_bank.hpp for the table). Every
// evaluate function works from the numbers in the text only, so an
// "unsound" variant whose numbers happen to agree is judged sound, exactly
// as a careful reader would.

#include "sim/responder_problems.hpp"

namespace kpsynth::sim::detail {

// -- linear equations
// -----------------------------------------------------------

inline evaluation linear_eval(const params& p) {
  if (p['a'] == 0)
    return unsound("the coefficient of x is zero, so x is not determined");
  auto x = make_rational(p['c'] - p['b'], p['a']);
  evaluation e;
  e.sound = true;
  e.answer = format(x);
  e.steps = {"Subtract " + str(p['b']) + " from both sides: $" + str(p['a'])
               + "x = " + str(p['c'] - p['b']) + "$.",
             "Divide both sides by " + str(p['a']) + ": $x = " + e.answer
               + "$.",
             "Check: substituting back gives $" + str(p['a']) + " \\cdot "
               + (x.num < 0 ? "(" + e.answer + ")" : e.answer) + " + "
               + str(p['b']) + " = " + str(p['c']) + "$, as required."};
  e.python = "from fractions import Fraction\n\na, b, c = " + str(p['a']) + ", "
             + str(p['b']) + ", " + str(p['c'])
             + "\nx = Fraction(c - b, a)\nprint(x)\n";
  return e;
}

inline evaluation linear_twice_eval(const params& p) {
  if (p['c'] != p['d'])
    return unsound("the same expression " + str(p['a']) + "x + " + str(p['b'])
                   + " is required to equal both " + str(p['c']) + " and "
                   + str(p['d']));
  return linear_eval(p);
}

inline void linear_make(rng& r, params& p) {
  p['a'] = r.range(2, 12);
  p['b'] = r.range(1, 60);
  p['c'] = p['a'] * r.range(-12, 30) + p['b'];
}

inline void linear_make_bad(rng& r, params& p) {
  linear_make(r, p);
  p['d'] = p['c'] + r.range(1, 9) * (r.range(0, 1) ? 1 : -1);
}

// -- quadratic roots
// --------------------------------------------------------------

inline evaluation quadratic_eval(const params& p) {
  auto d = p['s'] * p['s'] - 4 * p['p'];
  if (d <= 0)
    return unsound("the discriminant " + str(p['s']) + "^2 - 4 \\cdot "
                   + str(p['p']) + " = " + str(d)
                   + " is not positive, so there are no two distinct real "
                     "roots");
  int64_t root = 0;
  evaluation e;
  e.sound = true;
  e.answer = perfect_square(d, root) ? str(root) : radical(d);
  e.steps = {
    "Let the roots be $r$ and $t$. By Vieta's formulas $r + t = " + str(p['s'])
      + "$ and $rt = " + str(p['p']) + "$.",
    "Then $(r - t)^2 = (r + t)^2 - 4rt = " + str(p['s'] * p['s']) + " - "
      + str(4 * p['p']) + " = " + str(d) + "$.",
    "The positive difference is $\\sqrt{" + str(d) + "} = " + e.answer + "$."};
  if (root * root == d)
    e.python = "import math\n\ns, p = " + str(p['s']) + ", " + str(p['p'])
               + "\nd = s * s - 4 * p\nprint(math.isqrt(d))\n";
  return e;
}

inline evaluation quadratic_missing(const params&) {
  return unsound("the constant term c is never given, so the roots are not "
                 "determined");
}

inline void quadratic_make(rng& r, params& p) {
  auto a = r.range(1, 15);
  auto b = a + r.range(1, 12);
  p['s'] = a + b;
  p['p'] = a * b;
}

inline void quadratic_make_bad(rng& r, params& p) {
  p['s'] = r.range(2, 12);
  p['p'] = p['s'] * p['s'] / 4 + r.range(1, 20);
}

// -- arithmetic series
// ---------------------------------------------------------------

inline evaluation series_eval(const params& p) {
  auto a = p['a'];
  auto d = p['d'];
  auto n = p['n'];
  if (n < 1)
    return unsound("the number of terms must be positive");
  auto last = a + (n - 1) * d;
  evaluation e;
  e.sound = true;
  e.answer = str(n * (a + last) / 2);
  e.steps = {"The last of the first " + str(n) + " terms is $" + str(a) + " + "
               + str(n - 1) + " \\cdot " + str(d) + " = " + str(last) + "$.",
             "The sum of an arithmetic series is the number of terms times "
             "the average of the first and last terms: $\\frac{"
               + str(n) + "(" + str(a) + " + " + str(last) + ")}{2}$.",
             "This equals $" + e.answer + "$."};
  e.python = "a, d, n = " + str(a) + ", " + str(d) + ", " + str(n)
             + "\nprint(sum(a + k * d for k in range(n)))\n";
  return e;
}

inline evaluation series_missing(const params&) {
  return unsound("the common difference is never given");
}

inline evaluation series_second_eval(const params& p) {
  if (p['e'] != p['a'] + p['d'])
    return unsound("a first term of " + str(p['a'])
                   + " and a common difference of " + str(p['d'])
                   + " force the second term to be " + str(p['a'] + p['d'])
                   + ", not " + str(p['e']));
  return series_eval(p);
}

inline void series_make(rng& r, params& p) {
  p['a'] = r.range(-10, 30);
  p['d'] = r.range(1, 9);
  p['n'] = r.range(5, 40);
}

inline void series_make_bad(rng& r, params& p) {
  series_make(r, p);
  p['e'] = p['a'] + p['d'] + r.range(1, 5);
}

// -- sum and difference
// -------------------------------------------------------------

inline evaluation pair_eval(const params& p) {
  auto s = p['s'];
  auto d = p['d'];
  auto big = make_rational(s + d, 2);
  auto small = make_rational(s - d, 2);
  evaluation e;
  e.sound = true;
  e.answer = format(make_rational(s * s - d * d, 4));
  e.steps = {"Adding the two equations gives twice the larger number, so it "
             "is $\\frac{"
               + str(s) + " + " + str(d) + "}{2} = " + format(big) + "$.",
             "Subtracting gives twice the smaller number, so it is $\\frac{"
               + str(s) + " - " + str(d) + "}{2} = " + format(small) + "$.",
             "Their product is $" + format(big) + " \\cdot " + format(small)
               + " = " + e.answer + "$."};
  e.python = "from fractions import Fraction\n\ns, d = " + str(s) + ", "
             + str(d)
             + "\nbig = Fraction(s + d, 2)\nsmall = Fraction(s - d, 2)\n"
               "print(big * small)\n";
  return e;
}

inline evaluation pair_missing(const params&) {
  return unsound("only the sum is given; the two numbers are not "
                 "determined");
}

inline evaluation pair_larger_eval(const params& p) {
  if (2 * p['l'] != p['s'] + p['d'])
    return unsound("a sum of " + str(p['s']) + " and a difference of "
                   + str(p['d']) + " make the larger number "
                   + format(make_rational(p['s'] + p['d'], 2)) + ", not "
                   + str(p['l']));
  return pair_eval(p);
}

inline void pair_make(rng& r, params& p) {
  auto x = r.range(5, 60);
  auto y = r.range(1, x - 1);
  p['s'] = x + y;
  p['d'] = x - y;
}

inline void pair_make_bad(rng& r, params& p) {
  pair_make(r, p);
  p['l'] = (p['s'] + p['d']) / 2 + r.range(1, 6);
}

// -- exponential equations
// ------------------------------------------------------------

/// The k with b^k == v, or -1.
inline int64_t exact_log(int64_t b, int64_t v) {
  if (b < 2 || v < 1)
    return -1;
  int64_t x = 1;
  for (int64_t k = 0; k < 64; ++k) {
    if (x == v)
      return k;
    if (x > v / b)
      return -1;
    x *= b;
  }
  return -1;
}

inline evaluation power_eval(const params& p) {
  auto c = p['c'];
  if (c < 1 || p['w'] % c != 0)
    return unknown();
  auto v = p['w'] / c;
  auto k = exact_log(p['b'], v);
  if (k < 0)
    return unknown();
  evaluation e;
  e.sound = true;
  e.answer = str(k);
  e.steps = {"Divide both sides by " + str(c) + ": $" + str(p['b'])
               + "^{x} = " + str(v) + "$.",
             "Write " + str(v) + " as a power of " + str(p['b']) + ": $"
               + str(v) + " = " + str(p['b']) + "^{" + str(k) + "}$.",
             "Since the exponential function with base " + str(p['b'])
               + " is one-to-one, equal powers have equal exponents, so $x = "
               + e.answer + "$."};
  e.python = "c, b, w = " + str(c) + ", " + str(p['b']) + ", " + str(p['w'])
             + "\nx = 0\nwhile c * b ** x < w:\n    x += 1\nprint(x)\n";
  return e;
}

inline evaluation power_missing(const params&) {
  return unsound("the base b is never given, so x is not determined");
}

inline evaluation power_fixed_eval(const params& p) {
  auto c = p['c'];
  if (c < 1)
    return unknown();
  if (p['w'] % c != 0 || exact_log(p['b'], p['w'] / c) != p['k'])
    return unsound("$x = " + str(p['k']) + "$ does not satisfy $" + str(c)
                   + " \\cdot " + str(p['b']) + "^{x} = " + str(p['w']) + "$");
  return power_eval(p);
}

inline void power_make(rng& r, params& p) {
  p['b'] = r.range(2, 9);
  p['c'] = r.range(2, 12);
  int64_t top = 1;
  int64_t k = 0;
  while (top * p['b'] <= 60'000) {
    top *= p['b'];
    ++k;
  }
  auto e = r.range(2, std::max<int64_t>(2, k));
  p['w'] = p['c'];
  for (int64_t i = 0; i < e; ++i)
    p['w'] *= p['b'];
}

inline void power_make_bad(rng& r, params& p) {
  power_make(r, p);
  p['k'] = exact_log(p['b'], p['w'] / p['c']) + r.range(1, 3);
}

// -- percentages
// --------------------------------------------------------------------

inline evaluation percent_eval(const params& p) {
  auto price = p['p'];
  if (price <= 0 || p['u'] < 0 || p['v'] < 0 || p['v'] > 100)
    return unknown();
  auto mid = make_rational(price * (100 + p['u']), 100);
  auto final_price =
    make_rational(price * (100 + p['u']) * (100 - p['v']), 10'000);
  evaluation e;
  e.sound = true;
  e.answer = decimal(final_price);
  e.steps = {"After the increase of " + str(p['u']) + "% the price is $"
               + str(price) + " \\cdot "
               + decimal(make_rational(100 + p['u'], 100)) + " = "
               + decimal(mid) + "$ dollars.",
             "After the decrease of " + str(p['v']) + "% it is $" + decimal(mid)
               + " \\cdot " + decimal(make_rational(100 - p['v'], 100)) + " = "
               + e.answer + "$ dollars."};
  e.python = "from fractions import Fraction\n\np, u, v = " + str(price) + ", "
             + str(p['u']) + ", " + str(p['v'])
             + "\nfinal = Fraction(p) * (100 + u) / 100 * (100 - v) / 100\n"
               "print(final)\n";
  return e;
}

inline evaluation percent_missing(const params&) {
  return unsound("the percentage of the increase is never given");
}

inline evaluation discount_eval(const params& p) {
  auto price = p['p'];
  if (price <= 0 || p['v'] < 0 || p['v'] > 100)
    return unknown();
  auto after = make_rational(price * (100 - p['v']), 100);
  if (!(after == rational{p['q'], 1}))
    return unsound("a discount of " + str(p['v']) + "% on " + str(price)
                   + " dollars leaves " + decimal(after) + " dollars, not "
                   + str(p['q']));
  evaluation e;
  e.sound = true;
  e.answer = str(price - p['q']);
  e.steps = {"The discounted price is $" + str(price) + " \\cdot (1 - "
               + decimal(make_rational(p['v'], 100)) + ") = " + str(p['q'])
               + "$, consistent with the statement.",
             "The saving is $" + str(price) + " - " + str(p['q']) + " = "
               + e.answer + "$ dollars."};
  e.python = "p, q = " + str(price) + ", " + str(p['q']) + "\nprint(p - q)\n";
  return e;
}

inline void percent_make(rng& r, params& p) {
  p['p'] = 20 * r.range(2, 25);
  p['u'] = 5 * r.range(1, 8);
  p['v'] = 5 * r.range(1, 8);
}

inline void percent_make_bad(rng& r, params& p) {
  percent_make(r, p);
  p['q'] = p['p'] * (100 - p['v']) / 100 + r.range(1, 9);
}

} // namespace kpsynth::sim::detail
