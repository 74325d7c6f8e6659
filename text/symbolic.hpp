#pragma once

#include "text/ast.hpp"
#include "text/budget.hpp"

#include <cstddef>
#include <mutex>

namespace kpsynth::text {

/// Size guards that keep every GiNaC call short. GiNaC cannot be
/// interrupted, so instead of a timeout the input is refused up front when
/// it could make GiNaC slow; the numeric check then decides alone.
struct symbolic_limits {
  std::size_t max_nodes = 400;   ///< Tree size handed to GiNaC.
  double max_terms = 2000;       ///< Estimated terms after expansion.
  double max_normal_terms = 300; ///< Estimated terms of normal()'s result.
  long max_degree = 64;          ///< Estimated degree for normal().
  long max_exponent = 10'000;    ///< |n| in x^n and in 10^n.
  double max_bits = 400'000;     ///< Bits of exact numbers GiNaC makes.
  long max_factorial = 3'000;    ///< n in n!.
};

/// What GiNaC could prove about an expression.
enum class zero_status {
  zero,      ///< It simplifies to 0: the two sides are equal.
  nonzero,   ///< It simplifies to a nonzero exact number: proof of inequality.
  undecided, ///< Anything else, including refused or failed work.
};

/// Tries to simplify `expr` (usually the difference of two answers) to
/// zero with GiNaC's normal() and expand(). Exact: decimals enter GiNaC as
/// rationals. Holds ginac_mutex() for the duration, giving up when it cannot
/// get it before the budget's deadline.
zero_status symbolic_zero_test(const node& expr, budget& b,
                               const symbolic_limits& limits = {});

/// Whether `expr` (usually the ratio of two equations' sides) simplifies to
/// a nonzero real constant: returns its sign, +1 or -1, or 0 when it does
/// not or GiNaC cannot tell.
int symbolic_constant_sign(const node& expr, budget& b,
                           const symbolic_limits& limits = {});

/// The lock around all GiNaC use in the process.
///
/// GiNaC is not thread-safe: its reference counts are plain integers (see
/// the note in ginac/ptr.h) and shared constants such as the numbers 0 and
/// 1 are referenced from every expression, so two threads that only build
/// their own expressions still race. Every GiNaC expression this library
/// creates is created and destroyed while this lock is held. Other code in
/// the process that uses GiNaC must take it as well.
std::timed_mutex& ginac_mutex();

} // namespace kpsynth::text
