#pragma once

#include "core/result.hpp"
#include "text/ast.hpp"
#include "text/budget.hpp"

#include <string_view>

namespace kpsynth::text {

/// Parses a normalised answer (see normalize_answer) into a tree.
///
/// A hand-written recursive-descent parser over the tokens of tokenize():
///
///     answer   := item (sep item)*            sep: , ; "or" "and"
///     item     := union ("\in" union)?        "x \in [1,2)" keeps the set
///     union    := relation ("\cup" relation)*
///     relation := sum (relop sum)*            = < > \le \ge \ne
///     sum      := [+-\pm\mp] term ([+-\pm\mp] term)*
///     term     := unary (("*" | "/" | implicit) unary)*
///     unary    := [-+\pm] unary | power
///     power    := postfix ("^" unary)?
///     postfix  := primary ("!" | "%")*
///     primary  := number | letter | function | \frac | \sqrt | \binom
///               | ( ... ) | [ ... ] | \{ ... \} | |...| | matrix | ...
///
/// Mixed numbers (`2\frac{1}{2}`, `2 1/2`) are read as sums. `(a,b)` is a
/// tuple that the comparison may also read as an open interval; two items
/// with a square bracket or an infinite end are an interval.
///
/// Errors carry "col N" (1-based, in the normalised text) in `where`.
/// Codes: "text_answer" (a prose word: compare as text), "syntax",
/// "too_deep" (nesting beyond `max_depth`), "budget".
result<node> parse_answer(std::string_view normalized, budget& b,
                          std::size_t max_depth = 100);

} // namespace kpsynth::text
