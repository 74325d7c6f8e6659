#pragma once

#include "text/ast.hpp"
#include "text/symbolic.hpp"

/// Internal: cost estimates on the tree, made before GiNaC sees anything.
/// They are upper bounds (no cancellation assumed), so they may refuse work
/// GiNaC could have done quickly, never the other way round.
namespace kpsynth::text {

/// Whether GiNaC's normal() may run: the estimated size of the normal form
/// (common denominators multiply sizes) and the estimated degree are within
/// the limits.
bool may_normalize(const node& expr, const symbolic_limits& limits);

/// Whether expand() may run: the estimated number of terms after expansion
/// is within the limits.
bool may_expand(const node& expr, const symbolic_limits& limits);

} // namespace kpsynth::text
