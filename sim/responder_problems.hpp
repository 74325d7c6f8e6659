#pragma once

// Internal to sim/responder.cpp: the families of problems the fake model
// writes. Each family has a sound pattern and two unsound ones (missing data,
// contradictory data). Patterns are plain text with integer slots `<x>`; the
// generated problem is the pattern with numbers filled in, so matching the
// text against the patterns recovers the numbers and the ground truth with
// no state at all.

#include "sim/responder_math.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::sim::detail {

/// Slot values by letter.
struct params {
  std::array<int64_t, 26> v{};
  int64_t& operator[](char c) { return v[static_cast<size_t>(c - 'a')]; }
  int64_t operator[](char c) const { return v[static_cast<size_t>(c - 'a')]; }
};

/// What a problem text means.
struct evaluation {
  bool known = true; ///< false: numbers outside what the family supports.
  bool sound = false;
  std::string answer;             ///< LaTeX final answer if sound.
  std::vector<std::string> steps; ///< Worked solution steps if sound.
  std::string flaw;               ///< Why it is unsound.
  std::string python;             ///< A program printing the answer.
};

using eval_fn = evaluation (*)(const params&);
using gen_fn = void (*)(rng&, params&);

/// One way of writing a family's problem.
struct variant {
  std::string_view pattern;
  eval_fn evaluate;
};

/// A family of problems about one topic.
struct family {
  std::string_view name;
  /// Words of knowledge points that make this family a good fit.
  std::string_view keywords;
  int level; ///< 0 easy, 1 medium, 2 hard.
  variant sound;
  variant missing;
  variant contradictory;
  gen_fn make_sound;
  gen_fn make_contradictory; ///< Parameters for `contradictory`.
};

/// Fills a pattern's slots.
inline std::string render(std::string_view pattern, const params& p) {
  std::string result;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '<' && i + 2 < pattern.size() && pattern[i + 2] == '>') {
      result += std::to_string(p[pattern[i + 1]]);
      i += 2;
    } else {
      result += pattern[i];
    }
  }
  return result;
}

/// Matches whitespace-squeezed `text` against `pattern`; a slot matches an
/// integer of at most 6 digits, and a repeated slot must repeat its value.
inline bool match(std::string_view pattern, std::string_view text, params& p) {
  std::array<bool, 26> seen{};
  size_t j = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '<' && i + 2 < pattern.size() && pattern[i + 2] == '>') {
      bool neg = j < text.size() && text[j] == '-';
      if (neg)
        ++j;
      size_t start = j;
      int64_t value = 0;
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
        if (j - start == 6)
          return false;
        value = value * 10 + (text[j] - '0');
        ++j;
      }
      if (j == start)
        return false;
      value = neg ? -value : value;
      auto slot = static_cast<size_t>(pattern[i + 1] - 'a');
      if (seen[slot] && p.v[slot] != value)
        return false;
      seen[slot] = true;
      p.v[slot] = value;
      i += 2;
    } else {
      if (j >= text.size() || text[j] != pattern[i])
        return false;
      ++j;
    }
  }
  return j == text.size();
}

inline std::string str(int64_t x) {
  return std::to_string(x);
}

inline evaluation unsound(std::string flaw) {
  evaluation e;
  e.sound = false;
  e.flaw = std::move(flaw);
  return e;
}

inline evaluation unknown() {
  evaluation e;
  e.known = false;
  return e;
}

inline bool perfect_square(int64_t x, int64_t& root) {
  if (x < 0)
    return false;
  auto r = static_cast<int64_t>(std::sqrt(static_cast<double>(x)));
  while (r > 0 && r * r > x)
    --r;
  while ((r + 1) * (r + 1) <= x)
    ++r;
  root = r;
  return r * r == x;
}

/// sqrt(x) as k\sqrt{m} with m square-free.
inline std::string radical(int64_t x) {
  int64_t k = 1;
  int64_t m = x;
  for (int64_t f = 2; f * f <= m; ++f)
    while (m % (f * f) == 0) {
      m /= f * f;
      k *= f;
    }
  return (k == 1 ? "" : str(k)) + "\\sqrt{" + str(m) + "}";
}

/// A terminating decimal for money amounts ("118.8"), else a fraction.
inline std::string decimal(rational r) {
  if (r.den == 1)
    return str(r.num);
  int64_t pow10 = 1;
  for (int i = 0; i < 9 && pow10 % r.den != 0; ++i)
    pow10 *= 10;
  if (pow10 % r.den != 0)
    return format(r);
  int64_t scaled = std::llabs(r.num) * (pow10 / r.den);
  auto frac = str(scaled % pow10 + pow10).substr(1);
  while (!frac.empty() && frac.back() == '0')
    frac.pop_back();
  return (r.num < 0 ? "-" : "") + str(scaled / pow10) + "." + frac;
}

inline int64_t binom(int64_t n, int64_t k) {
  if (k < 0 || k > n)
    return 0;
  int64_t result = 1;
  for (int64_t i = 1; i <= k; ++i)
    result = result * (n - k + i) / i;
  return result;
}

inline int64_t lcm64(int64_t a, int64_t b) {
  return a / std::gcd(a, b) * b;
}

} // namespace kpsynth::sim::detail
