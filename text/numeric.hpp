#pragma once

#include "text/ast.hpp"
#include "text/budget.hpp"

#include <complex>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kpsynth::text {

/// Values of the numeric check. long double gives about 19 significant
/// digits on x86-64, enough margin for the 1e-9 tolerance used between
/// exact answers; complex so that `\sqrt{-4}` and `3+4i` evaluate.
using cvalue = std::complex<long double>;

/// A value for one free symbol.
struct binding {
  std::string name;
  cvalue value;
};

/// Evaluates a scalar tree with the given symbol values.
///
/// Odd roots of negative reals are real (`\sqrt[3]{-8}` is -2), as in the
/// answers being compared. Returns nothing for non-scalar nodes, infinity,
/// unbound symbols, non-finite results (overflow, division by zero) and
/// when the budget runs out: "cannot tell" is never reported as a number.
std::optional<cvalue> evaluate(const node& n, const std::vector<binding>& env,
                               budget& b);

/// True when `a` and `b` agree within `rel` relative or `abs` absolute
/// difference.
bool close_enough(cvalue a, cvalue b, long double rel, long double abs);

/// Deterministic generator for the random points of the numeric identity
/// check (splitmix64, the same sequence on every platform and run).
class point_generator {
 public:
  explicit point_generator(std::uint64_t seed) : state_(seed) {}

  /// A value in [0.4, 2.6): positive, away from 0 and 1, so that logs,
  /// square roots and powers of free symbols stay on their principal real
  /// branch.
  long double next();

 private:
  std::uint64_t state_;
};

} // namespace kpsynth::text
