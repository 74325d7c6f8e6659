#pragma once

// Internal to sim/responder.cpp: stable hashing, a small deterministic
// random generator and exact rational arithmetic. Hashes must not change
// between builds or platforms (std::hash may), because a restarted
// simulator has to make the same decisions for the same text.

#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>

namespace kpsynth::sim::detail {

/// splitmix64's finaliser: spreads every input bit over the output.
inline uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// FNV-1a over bytes, then mixed.
inline uint64_t hash_text(std::string_view s, uint64_t seed = 0) {
  uint64_t h = 0xcbf29ce484222325ULL ^ mix(seed);
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix(h);
}

/// Builds a hash from a sequence of fields; each field is length-delimited
/// by construction (the running hash seeds the next), so ("ab","c") and
/// ("a","bc") differ.
class hasher {
 public:
  explicit hasher(uint64_t seed) : h_(mix(seed)) {}
  hasher& add(std::string_view s) {
    h_ = hash_text(s, h_ + s.size());
    return *this;
  }
  hasher& add(uint64_t x) {
    h_ = mix(h_ ^ mix(x + 0x51ed2705ULL));
    return *this;
  }
  uint64_t value() const { return h_; }
  /// Uniform in [0, 1).
  double unit() const { return static_cast<double>(h_ >> 11) * 0x1.0p-53; }

 private:
  uint64_t h_;
};

/// splitmix64 generator for choosing parameters.
class rng {
 public:
  explicit rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix(state_);
  }
  /// Uniform integer in [lo, hi].
  int64_t range(int64_t lo, int64_t hi) {
    auto span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(next() % span);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

/// An exact fraction in lowest terms with a positive denominator.
struct rational {
  int64_t num = 0;
  int64_t den = 1;
};

inline rational make_rational(int64_t num, int64_t den) {
  if (den < 0) {
    num = -num;
    den = -den;
  }
  auto g = std::gcd(num < 0 ? -num : num, den);
  if (g > 1) {
    num /= g;
    den /= g;
  }
  return {num, den};
}

inline bool operator==(rational a, rational b) {
  return a.num == b.num && a.den == b.den;
}

/// LaTeX as a MATH answer: "7", "-\frac{3}{4}".
inline std::string format(rational r) {
  if (r.den == 1)
    return std::to_string(r.num);
  auto s = "\\frac{" + std::to_string(std::llabs(r.num)) + "}{"
           + std::to_string(r.den) + "}";
  return r.num < 0 ? "-" + s : s;
}

/// Python's str(Fraction): "7", "-3/4".
inline std::string format_python(rational r) {
  if (r.den == 1)
    return std::to_string(r.num);
  return std::to_string(r.num) + "/" + std::to_string(r.den);
}

/// Parses "7", "-2", "3/4", "\frac{3}{4}", "-\dfrac{3}{4}", "2.5" and
/// "$7$" into a fraction; nullopt for anything else. Lets the simulated
/// judges compare answers by value, not by spelling.
inline std::optional<rational> parse_rational(std::string_view s) {
  std::string t;
  for (char c : s)
    if (c != ' ' && c != '$' && c != '{' && c != '}')
      t += c;
  for (std::string_view cmd : {"\\dfrac", "\\tfrac", "\\frac"}) {
    auto at = t.find(cmd);
    if (at != std::string::npos)
      t.replace(at, cmd.size(), "F");
  }
  bool neg = !t.empty() && t[0] == '-';
  if (neg)
    t.erase(0, 1);
  auto digits = [](std::string_view x) {
    return !x.empty() && x.size() < 16
           && x.find_first_not_of("0123456789") == std::string_view::npos;
  };
  auto to_i = [](std::string_view x) { return std::stoll(std::string{x}); };
  rational r;
  if (digits(t)) {
    r = {to_i(t), 1};
  } else if (auto slash = t.find('/'); slash != std::string::npos) {
    auto a = std::string_view{t}.substr(0, slash);
    auto b = std::string_view{t}.substr(slash + 1);
    if (!digits(a) || !digits(b) || to_i(b) == 0)
      return std::nullopt;
    r = make_rational(to_i(a), to_i(b));
  } else if (!t.empty() && t[0] == 'F') {
    // After brace removal "\frac{12}{5}" reads "F125": ambiguous, so the
    // braces are needed; re-parse from the original.
    auto open = s.find('{');
    auto mid = s.find("}{", open);
    auto close = s.find('}', mid + 2);
    if (open == std::string_view::npos || mid == std::string_view::npos
        || close == std::string_view::npos)
      return std::nullopt;
    auto a = s.substr(open + 1, mid - open - 1);
    auto b = s.substr(mid + 2, close - mid - 2);
    if (!digits(a) || !digits(b) || to_i(b) == 0)
      return std::nullopt;
    r = make_rational(to_i(a), to_i(b));
  } else if (auto dot = t.find('.'); dot != std::string::npos) {
    auto a = std::string_view{t}.substr(0, dot);
    auto b = std::string_view{t}.substr(dot + 1);
    if ((!a.empty() && !digits(a)) || !digits(b) || b.size() > 9)
      return std::nullopt;
    int64_t den = 1;
    for (size_t i = 0; i < b.size(); ++i)
      den *= 10;
    r = make_rational((a.empty() ? 0 : to_i(a)) * den + to_i(b), den);
  } else {
    return std::nullopt;
  }
  if (neg)
    r.num = -r.num;
  return r;
}

/// Whether two final answers agree: by value where both are numbers,
/// otherwise by spelling without spaces, dollar signs and \left/\right.
inline bool same_answer(std::string_view a, std::string_view b) {
  auto ra = parse_rational(a);
  auto rb = parse_rational(b);
  if (ra && rb)
    return *ra == *rb;
  auto canon = [](std::string_view x) {
    std::string t;
    for (char c : x)
      if (c != ' ' && c != '$')
        t += c;
    for (std::string_view junk : {"\\left", "\\right", "\\!", "\\,"})
      for (auto at = t.find(junk); at != std::string::npos; at = t.find(junk))
        t.erase(at, junk.size());
    for (std::string_view cmd : {"\\dfrac", "\\tfrac"})
      for (auto at = t.find(cmd); at != std::string::npos; at = t.find(cmd))
        t.replace(at, cmd.size(), "\\frac");
    while (!t.empty() && t.back() == '.')
      t.pop_back();
    return t;
  };
  return canon(a) == canon(b);
}

} // namespace kpsynth::sim::detail
