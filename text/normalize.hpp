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
/// - clock times become 24-hour `H:MM` (`2:30 p.m.` is `14:30`); a leading
///   `\approx` or "approximately" is dropped; thin spaces, Indian digit
///   grouping (`1,00,000`) and currency signs and codes (`Rs. 500`, `25 €`)
///   are removed;
/// - a few phrases map to symbols ("no solution" to `\emptyset`, "all real
///   numbers" and `\mathbb{R}` to `(-\infty,\infty)`).
///
/// Case is kept (symbols are case-sensitive). The result is also the key for
/// a fast "identical answers" check. Linear-ish in the input; never throws
/// except std::bad_alloc.
std::string normalize_answer(std::string_view answer);

/// normalize_answer() and the units and nouns it removed after numbers.
struct normalized_answer {
  std::string text;
  /// Canonical names of the removed words, space-separated ("centimeter",
  /// "apple"): `5 apples` and `5 pears` both normalise to `5`, and only
  /// these tell them apart.
  std::string units;
};

/// normalize_answer() with the removed units kept.
normalized_answer normalize_with_units(std::string_view answer);

/// The key under which two text answers ("Monday", "(C)") are the same:
/// lower case letters and digits only.
std::string text_key(std::string_view answer);

} // namespace kpsynth::text
