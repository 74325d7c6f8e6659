#include "text/symbolic_guard.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace kpsynth::text {

namespace {

/// Integer value of a small literal exponent, if it is one.
bool small_integer(const node& n, long& out) {
  if (n.kind == node_kind::neg && n.kids.size() == 1) {
    if (!small_integer(n.kids[0], out))
      return false;
    out = -out;
    return true;
  }
  if (n.kind != node_kind::number || n.exp10 != 0 || n.digits.size() > 9)
    return false;
  out = std::stol(n.digits);
  return true;
}

/// Multinomial count C(k + t - 1, t - 1): the terms of a t-term sum raised
/// to the k-th power. Each coefficient costs GiNaC a factorial of k, so high
/// powers of sums count as too big whatever their term count; and lgamma of
/// huge arguments cancels catastrophically, so huge sums are capped first.
double power_terms(double t, double k) {
  if (t <= 1)
    return 1;
  if (t > 1e6 || k > 200)
    return 1e18;
  double log_count = std::lgamma(k + t) - std::lgamma(k + 1) - std::lgamma(t);
  return log_count > 40 ? 1e18 : std::exp(log_count);
}

/// Upper estimate of the number of terms after expand().
double estimate_terms(const node& n) {
  switch (n.kind) {
  case node_kind::add: {
    double total = 0;
    for (const auto& k : n.kids)
      total += estimate_terms(k);
    return total;
  }
  case node_kind::mul:
  case node_kind::div: {
    double total = 1;
    for (const auto& k : n.kids)
      total *= estimate_terms(k);
    return total;
  }
  case node_kind::neg:
  case node_kind::percent:
    return estimate_terms(n.kids.at(0));
  case node_kind::pow: {
    long e = 0;
    double t = estimate_terms(n.kids.at(0));
    if (!small_integer(n.kids.at(1), e) || t <= 1)
      return std::max(t, estimate_terms(n.kids.at(1)));
    return power_terms(t, std::fabs(static_cast<double>(e)));
  }
  default: {
    double inner = 1;
    for (const auto& k : n.kids)
      inner = std::max(inner, estimate_terms(k));
    return inner;
  }
  }
}

/// Upper estimate of the polynomial degree in all symbols together.
double estimate_degree(const node& n) {
  switch (n.kind) {
  case node_kind::symbol:
    return 1;
  case node_kind::add: {
    double d = 0;
    for (const auto& k : n.kids)
      d = std::max(d, estimate_degree(k));
    return d;
  }
  case node_kind::mul:
  case node_kind::div: {
    double d = 0;
    for (const auto& k : n.kids)
      d += estimate_degree(k);
    return d;
  }
  case node_kind::neg:
  case node_kind::percent:
    return estimate_degree(n.kids.at(0));
  case node_kind::pow: {
    long e = 0;
    double base = estimate_degree(n.kids.at(0));
    if (small_integer(n.kids.at(1), e))
      return base * std::fabs(static_cast<double>(e));
    return base + estimate_degree(n.kids.at(1));
  }
  default: {
    double d = 0;
    for (const auto& k : n.kids)
      d = std::max(d, estimate_degree(k));
    return d;
  }
  }
}

/// Upper estimate of the numerator and denominator terms after normal():
/// sums of fractions get a common denominator, which multiplies sizes.
std::pair<double, double> estimate_rational(const node& n) {
  auto cap = [](double x) { return std::min(x, 1e18); };
  switch (n.kind) {
  case node_kind::add: {
    std::pair<double, double> acc{0, 1};
    bool first = true;
    for (const auto& k : n.kids) {
      auto [num, den] = estimate_rational(k);
      if (first) {
        acc = {num, den};
        first = false;
      } else {
        acc = {cap(acc.first * den + num * acc.second), cap(acc.second * den)};
      }
    }
    return acc;
  }
  case node_kind::mul: {
    std::pair<double, double> acc{1, 1};
    for (const auto& k : n.kids) {
      auto [num, den] = estimate_rational(k);
      acc = {cap(acc.first * num), cap(acc.second * den)};
    }
    return acc;
  }
  case node_kind::div: {
    auto [n1, d1] = estimate_rational(n.kids.at(0));
    auto [n2, d2] = estimate_rational(n.kids.at(1));
    return {cap(n1 * d2), cap(d1 * n2)};
  }
  case node_kind::neg:
  case node_kind::percent:
    return estimate_rational(n.kids.at(0));
  case node_kind::pow: {
    long e = 0;
    auto [num, den] = estimate_rational(n.kids.at(0));
    if (!small_integer(n.kids.at(1), e))
      return {1, 1};
    double k = std::fabs(static_cast<double>(e));
    auto up = power_terms(num, k);
    auto down = power_terms(den, k);
    return e >= 0 ? std::pair{up, down} : std::pair{down, up};
  }
  default: {
    // Functions and radicals are atoms for normal(); their arguments are
    // normalised on their own.
    double inner = 1;
    for (const auto& k : n.kids) {
      auto [num, den] = estimate_rational(k);
      inner = std::max(inner, num + den);
    }
    return {inner, 1};
  }
  }
}

} // namespace

bool may_normalize(const node& expr, const symbolic_limits& limits) {
  auto [num, den] = estimate_rational(expr);
  return num + den <= limits.max_normal_terms
         && estimate_degree(expr) <= static_cast<double>(limits.max_degree);
}

bool may_expand(const node& expr, const symbolic_limits& limits) {
  return estimate_terms(expr) <= limits.max_terms;
}

} // namespace kpsynth::text
