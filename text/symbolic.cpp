#include "text/symbolic.hpp"

#include "text/symbolic_guard.hpp"

#include <ginac/ginac.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace kpsynth::text {

namespace {

/// Thrown inside the converter when a guard refuses the input.
struct refused {};

// -- conversion to GiNaC ------------------------------------------------------

double bit_length(const GiNaC::numeric& x) {
  if (x.is_zero())
    return 1;
  auto num = GiNaC::abs(x.numer());
  auto den = GiNaC::abs(x.denom());
  return static_cast<double>(num.int_length() + den.int_length());
}

class converter {
 public:
  explicit converter(const symbolic_limits& limits) : limits_(limits) {}

  GiNaC::ex convert(const node& n) {
    switch (n.kind) {
    case node_kind::number:
      return number(n);
    case node_kind::symbol: {
      auto it = symbols_.find(n.text);
      if (it == symbols_.end())
        it = symbols_.emplace(n.text, GiNaC::symbol{n.text}).first;
      return it->second;
    }
    case node_kind::pi:
      return GiNaC::Pi;
    case node_kind::euler:
      return GiNaC::exp(GiNaC::ex{1});
    case node_kind::imaginary:
      return GiNaC::I;
    case node_kind::add: {
      GiNaC::exvector terms;
      for (const auto& k : n.kids)
        terms.push_back(convert(k));
      return GiNaC::add{terms};
    }
    case node_kind::mul: {
      GiNaC::exvector factors;
      for (const auto& k : n.kids)
        factors.push_back(convert(k));
      return GiNaC::mul{factors};
    }
    case node_kind::neg:
      return -convert(n.kids.at(0));
    case node_kind::percent:
      return convert(n.kids.at(0)) / 100;
    case node_kind::div:
      return divide(convert(n.kids.at(0)), convert(n.kids.at(1)));
    case node_kind::pow:
      if (n.kids.at(0).kind == node_kind::euler)
        return GiNaC::exp(convert(n.kids.at(1))); // e^{i\pi} simplifies
      return power(convert(n.kids.at(0)), convert(n.kids.at(1)));
    case node_kind::root:
      return root(convert(n.kids.at(0)), convert(n.kids.at(1)));
    case node_kind::log_base:
      return divide(logarithm(convert(n.kids.at(1))),
                    logarithm(convert(n.kids.at(0))));
    case node_kind::factorial:
      return factorial(convert(n.kids.at(0)));
    case node_kind::binom:
      return binomial(convert(n.kids.at(0)), convert(n.kids.at(1)));
    case node_kind::abs:
      return GiNaC::abs(convert(n.kids.at(0)));
    case node_kind::func:
      return function(n.text, convert(n.kids.at(0)));
    default:
      throw refused{}; // infinity, ±, literals, structures
    }
  }

 private:
  GiNaC::ex number(const node& n) {
    if (n.digits.size() > 4000 || std::abs(n.exp10) > 4000)
      throw refused{};
    spend_bits(static_cast<double>(n.digits.size()) * 3.33
               + std::abs(n.exp10) * 3.33);
    GiNaC::numeric value{n.digits.c_str()};
    if (n.exp10 != 0)
      value = value * GiNaC::numeric{10}.power(GiNaC::numeric{n.exp10});
    return value;
  }

  void spend_bits(double bits) {
    bits_ += bits;
    if (bits_ > limits_.max_bits)
      throw refused{};
  }

  // GiNaC leaks the half-built object when its automatic evaluation throws
  // (0^0, 1/0, log(0), tan(pi/2)), so those inputs are refused before GiNaC
  // sees them instead of being caught afterwards.

  GiNaC::ex divide(const GiNaC::ex& num, const GiNaC::ex& den) {
    if (den.is_zero())
      throw refused{};
    return num / den;
  }

  GiNaC::ex logarithm(const GiNaC::ex& x) {
    if (x.is_zero())
      throw refused{};
    return GiNaC::log(x);
  }

  /// True when x / unit is a rational with denominator 2: the poles of tan
  /// (unit pi) and tanh (unit i pi).
  static bool half_multiple(const GiNaC::ex& x, const GiNaC::ex& unit) {
    GiNaC::ex ratio = x / unit;
    if (!GiNaC::is_a<GiNaC::numeric>(ratio))
      return false;
    const auto& r = GiNaC::ex_to<GiNaC::numeric>(ratio);
    return r.is_rational() && r.denom() == 2;
  }

  GiNaC::ex power(const GiNaC::ex& base, const GiNaC::ex& exponent) {
    if (base.is_zero()) {
      bool positive = GiNaC::is_a<GiNaC::numeric>(exponent)
                      && GiNaC::ex_to<GiNaC::numeric>(exponent).is_positive();
      if (!positive)
        throw refused{};
    }
    if (GiNaC::is_a<GiNaC::numeric>(exponent)) {
      const auto& e = GiNaC::ex_to<GiNaC::numeric>(exponent);
      if (!e.is_rational())
        throw refused{};
      auto num = GiNaC::abs(e.numer());
      if (num > limits_.max_exponent || e.denom() > 1000)
        throw refused{};
      // GiNaC raises numbers eagerly, also inside products ((7z)^n makes
      // 7^n) and powers ((\sqrt{2})^n makes 2^{n/2}).
      spend_bits(numeric_weight(base) * num.to_double());
    }
    return GiNaC::pow(base, exponent);
  }

  /// Bits of the numbers that a power of `x` would compute eagerly.
  static double numeric_weight(const GiNaC::ex& x) {
    if (GiNaC::is_a<GiNaC::numeric>(x))
      return bit_length(GiNaC::ex_to<GiNaC::numeric>(x));
    if (GiNaC::is_a<GiNaC::power>(x) && GiNaC::is_a<GiNaC::numeric>(x.op(0))
        && GiNaC::is_a<GiNaC::numeric>(x.op(1))) {
      const auto& e = GiNaC::ex_to<GiNaC::numeric>(x.op(1));
      return bit_length(GiNaC::ex_to<GiNaC::numeric>(x.op(0)))
             * std::max(1.0, GiNaC::abs(e).to_double());
    }
    if (GiNaC::is_a<GiNaC::mul>(x)) {
      double total = 0;
      for (std::size_t i = 0; i < x.nops(); ++i)
        total += numeric_weight(x.op(i));
      return total;
    }
    return 0;
  }

  GiNaC::ex root(const GiNaC::ex& index, const GiNaC::ex& radicand) {
    if (!GiNaC::is_a<GiNaC::numeric>(index))
      throw refused{};
    const auto& k = GiNaC::ex_to<GiNaC::numeric>(index);
    if (!k.is_pos_integer() || k > 1000)
      throw refused{};
    if (GiNaC::is_a<GiNaC::numeric>(radicand)) {
      const auto& r = GiNaC::ex_to<GiNaC::numeric>(radicand);
      if (r.is_real() && r.is_negative() && k.is_odd())
        return -GiNaC::pow(-r, GiNaC::numeric{1} / k);
    }
    return GiNaC::pow(radicand, GiNaC::numeric{1} / k);
  }

  GiNaC::ex factorial(const GiNaC::ex& x) {
    if (GiNaC::is_a<GiNaC::numeric>(x)) {
      const auto& v = GiNaC::ex_to<GiNaC::numeric>(x);
      if (!v.is_nonneg_integer() || v > limits_.max_factorial)
        throw refused{};
      spend_bits(v.to_double() * std::log2(v.to_double() + 2));
    }
    return GiNaC::factorial(x);
  }

  GiNaC::ex binomial(const GiNaC::ex& n, const GiNaC::ex& k) {
    if (!GiNaC::is_a<GiNaC::numeric>(n) || !GiNaC::is_a<GiNaC::numeric>(k))
      throw refused{};
    const auto& nn = GiNaC::ex_to<GiNaC::numeric>(n);
    const auto& kk = GiNaC::ex_to<GiNaC::numeric>(k);
    if (!nn.is_integer() || !kk.is_integer() || GiNaC::abs(nn) > 100'000)
      throw refused{};
    spend_bits(GiNaC::abs(nn).to_double());
    return GiNaC::binomial(nn, kk);
  }

  GiNaC::ex function(const std::string& name, const GiNaC::ex& x) {
    if (name == "sin")
      return GiNaC::sin(x);
    if (name == "cos")
      return GiNaC::cos(x);
    if (name == "tan") {
      if (half_multiple(x, GiNaC::Pi))
        throw refused{};
      return GiNaC::tan(x);
    }
    if (name == "cot") {
      if (half_multiple(x, GiNaC::Pi))
        return GiNaC::ex{0};
      return divide(1, GiNaC::tan(x));
    }
    if (name == "sec")
      return divide(1, GiNaC::cos(x));
    if (name == "csc")
      return divide(1, GiNaC::sin(x));
    if (name == "asin")
      return GiNaC::asin(x);
    if (name == "acos")
      return GiNaC::acos(x);
    if (name == "atan") {
      if (x.is_equal(GiNaC::I) || x.is_equal(-GiNaC::I))
        throw refused{};
      return GiNaC::atan(x);
    }
    if (name == "sinh")
      return GiNaC::sinh(x);
    if (name == "cosh")
      return GiNaC::cosh(x);
    if (name == "tanh") {
      if (half_multiple(x, GiNaC::I * GiNaC::Pi))
        throw refused{};
      return GiNaC::tanh(x);
    }
    if (name == "log")
      return logarithm(x);
    if (name == "exp")
      return GiNaC::exp(x);
    if (name == "sqrt")
      return GiNaC::sqrt(x);
    if (name == "abs")
      return GiNaC::abs(x);
    throw refused{};
  }

  const symbolic_limits& limits_;
  std::map<std::string, GiNaC::symbol> symbols_;
  double bits_ = 0;
};

bool exact_number(const GiNaC::ex& e) {
  return GiNaC::is_a<GiNaC::numeric>(e)
         && GiNaC::ex_to<GiNaC::numeric>(e).is_crational();
}

/// The guards that do not need GiNaC: true when `expr` may be converted.
bool within_limits(const node& expr, const symbolic_limits& limits) {
  return tree_size(expr) <= limits.max_nodes && is_scalar(expr)
         && !contains(expr, node_kind::infinity) && !has_plus_minus(expr);
}

/// Runs `work` with the GiNaC lock, unless the lock cannot be had before
/// the deadline or the work throws; `fallback` is returned then.
template<class T, class F>
T with_ginac(budget& b, T fallback, F&& work) {
  std::unique_lock lock{ginac_mutex(), std::defer_lock};
  if (!lock.try_lock_until(b.deadline()) || !b.check_clock())
    return fallback;
  try {
    return work();
  } catch (...) {
    // refused, GiNaC's pole and domain errors, CLN overflow: no decision.
    return fallback;
  }
}

} // namespace

std::timed_mutex& ginac_mutex() {
  static std::timed_mutex mutex;
  return mutex;
}

zero_status symbolic_zero_test(const node& expr, budget& b,
                               const symbolic_limits& limits) {
  if (!within_limits(expr, limits) || !b.spend(tree_size(expr)))
    return zero_status::undecided;
  bool normal_ok = may_normalize(expr, limits);
  bool expand_ok = may_expand(expr, limits);
  return with_ginac(b, zero_status::undecided, [&] {
    converter c{limits};
    GiNaC::ex e = c.convert(expr);
    if (e.is_zero())
      return zero_status::zero;
    if (exact_number(e))
      return zero_status::nonzero;
    if (normal_ok && b.check_clock()) {
      GiNaC::ex normalized = GiNaC::normal(e);
      if (normalized.is_zero())
        return zero_status::zero;
      if (exact_number(normalized))
        return zero_status::nonzero;
    }
    if (expand_ok && b.check_clock()) {
      GiNaC::ex expanded = e.expand();
      if (expanded.is_zero())
        return zero_status::zero;
      if (exact_number(expanded))
        return zero_status::nonzero;
    }
    return zero_status::undecided;
  });
}

int symbolic_constant_sign(const node& expr, budget& b,
                           const symbolic_limits& limits) {
  if (!within_limits(expr, limits) || !b.spend(tree_size(expr)))
    return 0;
  if (!may_normalize(expr, limits))
    return 0;
  return with_ginac(b, 0, [&] {
    converter c{limits};
    GiNaC::ex e = GiNaC::normal(c.convert(expr));
    if (!GiNaC::is_a<GiNaC::numeric>(e))
      return 0;
    const auto& v = GiNaC::ex_to<GiNaC::numeric>(e);
    if (!v.is_real() || v.is_zero())
      return 0;
    return v.is_positive() ? 1 : -1;
  });
}

} // namespace kpsynth::text
