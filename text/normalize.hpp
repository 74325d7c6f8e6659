#pragma once

#include <string>
#include <string_view>

namespace kpsynth::text {

/// Rewrites a LaTeX or plain-text answer into the canonical spelling that
/// the parser reads, so that presentation-only differences vanish before
/// any mathematics is done:
///
/// - math delimiters (`$`, `\[ \]`, `\( \)`), a wrapping `\boxed{}`,
///   `\left`/`\right`, `\big` and friends, `\displaystyle` are dropped;
/// - spacing (`\!`, `\,`, `\;`, `\quad`, `~`) becomes one space;
/// - `\dfrac`/`\tfrac` become `\frac`; `\leq` becomes `\le`, `\varnothing`
///   becomes `\emptyset`, `\times` becomes `\cdot`, and so on;
/// - thousands separators (`1{,}000`, `10,\!080`, `1\,000`, and `1,000`
///   outside brackets) are removed, while tuples such as `(1,2)` are kept;
/// - degrees (`^\circ`, `\degree`), dollars (`\$`) and units (`\text{ cm}^2`,
///   `5 meters`) are removed; `\%` becomes `%`;
/// - `\text{}`, `\mathrm{}`, `\mbox{}` and similar keep only their content;
/// - single-token arguments get braces: `\frac12` becomes `\frac{1}{2}` and
///   `\sqrt2` becomes `\sqrt{2}`;
/// - a few phrases map to symbols ("no solution" to `\emptyset`, "all real
///   numbers" and `\mathbb{R}` to `(-\infty,\infty)`).
///
/// Case is kept (symbols are case-sensitive). The result is also the key for
/// a fast "identical answers" check. Linear-ish in the input; never throws
/// except std::bad_alloc.
std::string normalize_answer(std::string_view answer);

/// The key under which two text answers ("Monday", "(C)") are the same:
/// lower case letters and digits only.
std::string text_key(std::string_view answer);

} // namespace kpsynth::text
