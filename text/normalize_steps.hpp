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

/// `\text{...}` and its relatives; unit-only groups are removed and their
/// words added to `units` (see add_unit()).
std::string unwrap_text(std::string_view s, std::string& units);

/// Unit words after a number ("5 meters"); "percent" becomes `%`. Removed
/// words are added to `units`.
std::string strip_unit_words(std::string_view s, std::string& units);

/// Words trailing a number ("575 students"), added to `units`.
std::string strip_trailing_words(std::string s, std::string& units);

/// Adds the canonical spelling of a removed unit or noun to `units`: lower
/// case, singular, abbreviations spelled out ("cm" and "centimeters" are
/// both "centimeter"), so that two answers can be told apart by them.
void add_unit(std::string& units, std::string_view word);

/// Clock times: `14:30`, `2:30 p.m.`, `9:15 AM` become `14:30`, `14:30`
/// and `9:15` (24-hour, hour without a leading zero). Anything else is
/// returned unchanged.
std::string canonical_clock(std::string_view s);

/// True for an answer that canonical_clock() produced: `H:MM`.
bool is_clock(std::string_view s);

/// A currency code or "Rs." before a number ("Rs. 500", "USD 20"). Signs
/// such as the euro are removed with the other symbols.
std::string strip_currency(std::string_view s);

/// Braces around single-token arguments (`\frac12`, `\sqrt2`).
std::string brace_arguments(std::string_view s);

} // namespace kpsynth::text::detail
