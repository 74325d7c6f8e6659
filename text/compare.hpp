#pragma once

#include "text/ast.hpp"
#include "text/budget.hpp"
#include "text/equivalence.hpp"
#include "text/symbolic.hpp"

#include <optional>
#include <string>
#include <vector>

/// Internal: the comparison of parsed answers, shared by equivalence.cpp
/// (structures, compare.cpp) and compare_scalar.cpp (numbers, equations).
namespace kpsynth::text {

/// State of one comparison: options, budget, GiNaC guards, and the reason
/// of the deciding step.
struct compare_context {
  const equiv_options& options;
  budget& work;
  symbolic_limits limits;
  std::string reason;
};

/// Compares two parsed answers of any shape.
verdict_kind compare_trees(const node& a, const node& b, compare_context& ctx);

/// Compares two scalar expressions: infinities, literals, percentages,
/// then GiNaC, then the numeric check.
verdict_kind compare_scalars(const node& a, const node& b,
                             compare_context& ctx);

/// Whether d1 = k * d2 for a nonzero constant k (positive if
/// `positive_only`): the test for equations and inequalities that were
/// rearranged or scaled.
verdict_kind compare_proportional(const node& d1, const node& d2,
                                  bool positive_only, compare_context& ctx);

/// Compares two relations: equations by proportionality, inequalities by
/// the sets they describe or by proportionality with a positive factor.
verdict_kind compare_relations(const node& a, const node& b,
                               compare_context& ctx);

/// Compares an equation such as `x = 3` or `(x, y) = (1, 2)` with an
/// answer that is not a relation, by the side opposite the variable(s).
verdict_kind compare_equation_with(const node& equation, const node& other,
                                   compare_context& ctx);

/// One interval of a set of reals; infinite ends are `infinity` nodes
/// (negated for minus infinity) and always count as open.
struct interval_part {
  node lo;
  node hi;
  bool lo_closed = false;
  bool hi_closed = false;
};

/// Reads intervals, `(a, b)` pairs, unions, single-variable inequalities
/// (`x > 3`, `1 \le x < 2`, `x \ne 0`) and lists of them as a set of
/// intervals; nothing for anything else.
std::optional<std::vector<interval_part>> as_interval_set(const node& n);

/// Compares two unions of intervals, ignoring their order.
verdict_kind compare_interval_sets(const std::vector<interval_part>& a,
                                   const std::vector<interval_part>& b,
                                   compare_context& ctx);

/// The difference `a - b` as a tree.
node difference(const node& a, const node& b);

} // namespace kpsynth::text
