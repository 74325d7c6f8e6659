#include "text/numeric.hpp"

#include <cmath>
#include <cstdlib>
#include <numbers>

namespace kpsynth::text {

namespace {

constexpr long double pi_value = std::numbers::pi_v<long double>;
constexpr long double e_value = std::numbers::e_v<long double>;

bool finite(cvalue v) {
  return std::isfinite(v.real()) && std::isfinite(v.imag());
}

bool is_real(cvalue v) {
  return v.imag() == 0;
}

bool is_integer(cvalue v) {
  return is_real(v) && std::isfinite(v.real())
         && v.real() == std::nearbyint(v.real());
}

cvalue number_value(const node& n) {
  long double mantissa = std::strtold(n.digits.c_str(), nullptr);
  if (n.exp10 == 0)
    return mantissa;
  if (n.exp10 < -6000)
    return 0;
  if (n.exp10 > 6000)
    return mantissa == 0 ? 0 : HUGE_VALL;
  return mantissa * std::pow(10.0L, static_cast<long double>(n.exp10));
}

cvalue power(cvalue base, cvalue exponent) {
  if (is_real(base) && is_real(exponent)) {
    if (base.real() >= 0 || is_integer(exponent))
      return std::pow(base.real(), exponent.real());
  }
  if (base == cvalue{0})
    return exponent.real() > 0 ? cvalue{0} : cvalue{HUGE_VALL};
  return std::pow(base, exponent);
}

cvalue real_root(cvalue index, cvalue radicand) {
  if (is_integer(index) && is_real(radicand) && radicand.real() < 0) {
    auto k = static_cast<long long>(index.real());
    if (k % 2 != 0)
      return -std::pow(-radicand.real(), 1.0L / index.real());
  }
  return power(radicand, 1.0L / index);
}

std::optional<cvalue> factorial_of(cvalue x) {
  if (!is_real(x) || x.real() < 0 || x.real() > 2000)
    return std::nullopt;
  return std::tgamma(x.real() + 1);
}

std::optional<cvalue> binomial_of(cvalue n, cvalue k) {
  if (!is_integer(k) || !is_real(n))
    return std::nullopt;
  long double kk = k.real();
  if (kk < 0)
    return cvalue{0};
  if (kk > 5000)
    return std::nullopt;
  if (is_integer(n) && n.real() >= 0 && kk > n.real())
    return cvalue{0};
  long double result = 1;
  for (long double j = 1; j <= kk; ++j)
    result = result * (n.real() - kk + j) / j;
  return result;
}

std::optional<cvalue> apply_function(const std::string& name, cvalue x) {
  if (name == "sin")
    return is_real(x) ? cvalue{std::sin(x.real())} : std::sin(x);
  if (name == "cos")
    return is_real(x) ? cvalue{std::cos(x.real())} : std::cos(x);
  if (name == "tan")
    return is_real(x) ? cvalue{std::tan(x.real())} : std::tan(x);
  if (name == "cot")
    return 1.0L / std::tan(x);
  if (name == "sec")
    return 1.0L / std::cos(x);
  if (name == "csc")
    return 1.0L / std::sin(x);
  if (name == "asin")
    return std::asin(x);
  if (name == "acos")
    return std::acos(x);
  if (name == "atan")
    return std::atan(x);
  if (name == "sinh")
    return std::sinh(x);
  if (name == "cosh")
    return std::cosh(x);
  if (name == "tanh")
    return std::tanh(x);
  if (name == "log")
    return is_real(x) && x.real() > 0 ? cvalue{std::log(x.real())}
                                      : std::log(x);
  if (name == "exp")
    return std::exp(x);
  if (name == "sqrt")
    return is_real(x) && x.real() >= 0 ? cvalue{std::sqrt(x.real())}
                                       : std::sqrt(x);
  if (name == "abs")
    return cvalue{std::abs(x)};
  return std::nullopt;
}

class evaluator {
 public:
  evaluator(const std::vector<binding>& env, budget& b) : env_(env), b_(b) {}

  std::optional<cvalue> run(const node& n) {
    if (!b_.spend())
      return std::nullopt;
    auto v = eval(n);
    if (v && !finite(*v))
      return std::nullopt;
    return v;
  }

 private:
  std::optional<cvalue> eval(const node& n) {
    switch (n.kind) {
    case node_kind::number:
      return number_value(n);
    case node_kind::symbol:
      for (const auto& [name, value] : env_)
        if (name == n.text)
          return value;
      return std::nullopt;
    case node_kind::pi:
      return cvalue{pi_value};
    case node_kind::euler:
      return cvalue{e_value};
    case node_kind::imaginary:
      return cvalue{0, 1};
    case node_kind::add: {
      cvalue sum = 0;
      for (const auto& k : n.kids) {
        auto v = run(k);
        if (!v)
          return std::nullopt;
        sum += *v;
      }
      return sum;
    }
    case node_kind::mul: {
      cvalue product = 1;
      for (const auto& k : n.kids) {
        auto v = run(k);
        if (!v)
          return std::nullopt;
        product *= *v;
      }
      return product;
    }
    case node_kind::neg: {
      auto v = run(n.kids.at(0));
      return v ? std::optional<cvalue>{-*v} : std::nullopt;
    }
    case node_kind::percent: {
      auto v = run(n.kids.at(0));
      return v ? std::optional<cvalue>{*v / 100.0L} : std::nullopt;
    }
    default:
      return eval_binary(n);
    }
  }

  std::optional<cvalue> eval_binary(const node& n) {
    switch (n.kind) {
    case node_kind::div:
    case node_kind::pow:
    case node_kind::root:
    case node_kind::log_base:
    case node_kind::binom: {
      auto a = run(n.kids.at(0));
      if (!a)
        return std::nullopt;
      auto b = run(n.kids.at(1));
      if (!b)
        return std::nullopt;
      switch (n.kind) {
      case node_kind::div:
        if (*b == cvalue{0})
          return std::nullopt;
        return *a / *b;
      case node_kind::pow:
        return power(*a, *b);
      case node_kind::root:
        return real_root(*a, *b);
      case node_kind::log_base:
        return std::log(*b) / std::log(*a);
      default:
        return binomial_of(*a, *b);
      }
    }
    case node_kind::func: {
      auto x = run(n.kids.at(0));
      return x ? apply_function(n.text, *x) : std::nullopt;
    }
    case node_kind::factorial: {
      auto x = run(n.kids.at(0));
      return x ? factorial_of(*x) : std::nullopt;
    }
    case node_kind::abs: {
      auto x = run(n.kids.at(0));
      return x ? std::optional<cvalue>{std::abs(*x)} : std::nullopt;
    }
    default:
      return std::nullopt; // structures, infinity, literals, text, ±
    }
  }

  const std::vector<binding>& env_;
  budget& b_;
};

} // namespace

std::optional<cvalue> evaluate(const node& n, const std::vector<binding>& env,
                               budget& b) {
  evaluator e{env, b};
  return e.run(n);
}

bool close_enough(cvalue a, cvalue b, long double rel, long double abs) {
  long double diff = std::abs(a - b);
  long double scale = std::max(std::abs(a), std::abs(b));
  return diff <= abs || diff <= rel * scale;
}

long double point_generator::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  long double unit = static_cast<long double>(z >> 11) * 0x1.0p-53L;
  return 0.4L + 2.2L * unit;
}

} // namespace kpsynth::text
