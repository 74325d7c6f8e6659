#pragma once

#include <string>
#include <string_view>

/// Internal: the LaTeX-specific steps of normalize_answer(), in the order it
/// runs them. Each takes and returns the whole answer.
namespace kpsynth::text::detail {

/// `^\circ` and friends: dropped, or turned into radians inside
/// trigonometric functions.
std::string drop_degrees(std::string_view s);

/// `\left`, spacing commands and aliases (`\dfrac`, `\leq`, ...).
std::string rewrite_commands(std::string_view s);

/// `\text{...}` and its relatives; unit-only groups are removed.
std::string unwrap_text(std::string_view s);

/// Unit words after a number ("5 meters"); "percent" becomes `%`.
std::string strip_unit_words(std::string_view s);

/// Words trailing a number ("575 students").
std::string strip_trailing_words(std::string s);

/// Braces around single-token arguments (`\frac12`, `\sqrt2`).
std::string brace_arguments(std::string_view s);

} // namespace kpsynth::text::detail
