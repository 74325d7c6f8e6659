#include "text/normalize.hpp"

#include "text/normalize_steps.hpp"
#include "text/scan.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace kpsynth::text {

namespace {

using scan::is_alpha;
using scan::is_digit;
using scan::is_space;

// -- unicode and plain-text spellings -----------------------------------------

/// Maps UTF-8 symbols that models print to their LaTeX spelling, and `**`
/// (Python's power) to `^`.
std::string replace_symbols(std::string_view in) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 31>
    table{{{"\u2212", "-"},
           {"\u2009", "\\,"}, // thin space, a thousands separator
           {"\u202f", "\\,"}, // narrow no-break space
           {"\u2007", "\\,"}, // figure space
           {"\u2248", "\\approx "},
           {"\u20ac", " "}, // euro
           {"\u00a3", " "}, // pound
           {"\u20b9", " "}, // rupee
           {"\u00a5", " "}, // yen
           {"\u2013", "-"},
           {"\u00d7", "\\cdot "},
           {"\u00b7", "\\cdot "},
           {"\u22c5", "\\cdot "},
           {"\u00f7", "\\div "},
           {"\u03c0", "\\pi "},
           {"\u221a", "\\sqrt"},
           {"\u221e", "\\infty "},
           {"\u2264", "\\le "},
           {"\u2265", "\\ge "},
           {"\u2260", "\\ne "},
           {"\u00b0", ""},
           {"\u222a", "\\cup "},
           {"\u2208", "\\in "},
           {"\u2205", "\\emptyset "},
           {"\u00b1", "\\pm "},
           {"\u00b2", "^2"},
           {"\u00b3", "^3"},
           {"\u00a0", " "},
           {"**", "^"},
           {"\u2213", "\\mp "},
           {"\u2032", "'"}}};
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    bool replaced = false;
    if (static_cast<unsigned char>(in[i]) >= 0x80 || in[i] == '*') {
      for (auto& [from, to] : table) {
        if (in.substr(i).starts_with(from)) {
          out += to;
          i += from.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced)
      out += in[i++];
  }
  return out;
}

// -- outer wrappers -----------------------------------------------------------

/// Strips `$...$`, `\[...\]`, `\(...\)` and a `\boxed{}` around the whole
/// answer, repeatedly, since models nest them.
std::string strip_wrappers(std::string s) {
  for (int round = 0; round < 8; ++round) {
    std::string_view v = scan::trim(s);
    std::string_view before = v;
    while (v.size() >= 2 && v.front() == '$' && v.back() == '$')
      v = scan::trim(v.substr(1, v.size() - 2));
    if (v.starts_with("\\[") && v.ends_with("\\]") && v.size() >= 4)
      v = v.substr(2, v.size() - 4);
    else if (v.starts_with("\\(") && v.ends_with("\\)") && v.size() >= 4)
      v = v.substr(2, v.size() - 4);
    for (std::string_view box : {"\\boxed", "\\fbox"}) {
      if (!v.starts_with(box))
        continue;
      auto open = box.size();
      while (open < v.size() && is_space(v[open]))
        ++open;
      if (open < v.size() && v[open] == '{'
          && scan::match_group(v, open) == v.size())
        v = v.substr(open + 1, v.size() - open - 2);
    }
    v = scan::trim(v);
    if (v == before)
      return std::string{v};
    s = std::string{v};
  }
  return s;
}

// -- thousands separators -----------------------------------------------------

bool three_digits_at(std::string_view s, std::size_t i) {
  return i + 3 <= s.size() && is_digit(s[i]) && is_digit(s[i + 1])
         && is_digit(s[i + 2]) && (i + 3 == s.size() || !is_digit(s[i + 3]));
}

/// Removes the LaTeX thousands separators `{,}`, `,\!` and `\,` between
/// digit groups. These spellings are never used for tuples, so they are
/// safe at any bracket depth.
std::string join_latex_thousands(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool after_digit = !out.empty() && is_digit(out.back());
    if (after_digit && s.substr(i).starts_with("{,}")
        && three_digits_at(s, i + 3)) {
      i += 2;
      continue;
    }
    if (after_digit && s[i] == ',') {
      // ",\!" with optional spaces around the "\!": 11,\! 111,\! 100.
      std::size_t j = i + 1;
      while (j < s.size() && is_space(s[j]))
        ++j;
      if (s.substr(j).starts_with("\\!")) {
        j += 2;
        while (j < s.size() && is_space(s[j]))
          ++j;
        if (three_digits_at(s, j)) {
          i = j - 1;
          continue;
        }
      }
    }
    if (after_digit && s.substr(i).starts_with("\\,")) {
      std::size_t j = i + 2;
      while (j < s.size() && is_space(s[j]))
        ++j;
      if (three_digits_at(s, j)) {
        i = j - 1;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

/// Where Indian digit grouping (`1,00,000`, `12,34,567`: pairs, then a
/// final group of three) that continues at `j` ends; `j` when it does not.
std::size_t indian_grouping_end(std::string_view s, std::size_t j,
                                std::size_t& groups) {
  std::size_t k = j;
  std::size_t pairs = 0;
  while (k + 3 < s.size() && s[k] == ',' && is_digit(s[k + 1])
         && is_digit(s[k + 2]) && s[k + 3] == ',') {
    k += 3;
    ++pairs;
  }
  if (pairs == 0 || k >= s.size() || s[k] != ',' || !three_digits_at(s, k + 1))
    return j;
  groups = pairs + 1;
  return k + 4;
}

/// Removes plain commas in `1,000,000`, but only outside brackets and only
/// when every group after the first has exactly three digits, so that the
/// tuple `(1,2)` and the list `3, 5` survive.
std::string join_plain_thousands(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  int depth = 0;
  for (std::size_t i = 0; i < s.size();) {
    char c = s[i];
    bool starts_number =
      is_digit(c)
      && (i == 0
          || (!is_digit(s[i - 1]) && s[i - 1] != '.' && s[i - 1] != ','));
    if (depth == 0 && starts_number) {
      std::size_t j = i;
      while (j < s.size() && is_digit(s[j]))
        ++j;
      std::size_t groups = 0;
      std::size_t end = j;
      if (j - i <= 3) {
        while (end < s.size() && s[end] == ',' && three_digits_at(s, end + 1)) {
          end += 4;
          ++groups;
        }
      }
      if (groups == 0 && j - i <= 2)
        end = indian_grouping_end(s, j, groups);
      bool dangling =
        end + 1 < s.size() && s[end] == ',' && is_digit(s[end + 1]);
      if (groups > 0 && !dangling) {
        for (std::size_t k = i; k < end; ++k)
          if (s[k] != ',')
            out += s[k];
        i = end;
        continue;
      }
      out.append(s.substr(i, j - i));
      i = j;
      continue;
    }
    // Only tuple and set brackets count: `\frac{1,000}{3}` has a number.
    bool escaped = i > 0 && s[i - 1] == '\\';
    if (c == '(' || c == '[' || (c == '{' && escaped))
      ++depth;
    else if ((c == ')' || c == ']' || (c == '}' && escaped)) && depth > 0)
      --depth;
    out += c;
    ++i;
  }
  return out;
}

// -- final tidy-up ------------------------------------------------------------

std::string collapse_spaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ')
        out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  // A closing full stop is punctuation, not a decimal point.
  while (!out.empty() && out.back() == '.'
         && !(out.size() >= 2 && out[out.size() - 2] == '.'))
    out.pop_back();
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

/// "\\approx 3.14" (rewritten to "= 3.14") and "approximately 3.14" mean
/// 3.14: the writer says the value is rounded, not that it is another one.
std::string strip_approximation(std::string s) {
  std::string_view v = s;
  for (std::string_view word : {"approximately", "approx.", "about", "="}) {
    auto low = scan::lower(v.substr(0, word.size()));
    if (low == word) {
      v = scan::trim(v.substr(word.size()));
      break;
    }
  }
  return std::string{v};
}

/// Whole-answer phrases that mean a set.
std::string map_phrases(std::string s) {
  auto key = scan::lower(s);
  for (std::string_view empty :
       {"no solution", "no solutions", "no real solution", "no real solutions",
        "none", "empty set", "the empty set", "\\{\\}", "\\{ \\}", "{}"})
    if (key == empty)
      return "\\emptyset";
  for (std::string_view reals :
       {"all real numbers", "all reals", "reals", "any real number"})
    if (key == reals)
      return "(-\\infty,\\infty)";
  return s;
}

} // namespace

normalized_answer normalize_with_units(std::string_view answer) {
  normalized_answer result;
  auto& units = result.units;
  auto s = replace_symbols(answer);
  s = strip_wrappers(std::move(s));
  s = join_latex_thousands(s);
  s = detail::drop_degrees(s);
  s = detail::rewrite_commands(s);
  s = detail::unwrap_text(s, units);
  s = strip_approximation(collapse_spaces(s));
  s = strip_wrappers(std::move(s));
  s = detail::canonical_clock(s);
  if (detail::is_clock(s)) {
    result.text = std::move(s);
    return result;
  }
  s = detail::strip_currency(s);
  s = join_plain_thousands(s);
  s = detail::strip_unit_words(s, units);
  s = detail::strip_trailing_words(collapse_spaces(s), units);
  s = detail::brace_arguments(s);
  s = collapse_spaces(s);
  result.text = map_phrases(std::move(s));
  return result;
}

std::string normalize_answer(std::string_view answer) {
  return normalize_with_units(answer).text;
}

std::string text_key(std::string_view answer) {
  std::string key;
  for (char c : answer)
    if (is_alpha(c) || is_digit(c))
      key += scan::to_lower(c);
  return key;
}

} // namespace kpsynth::text
