#include "text/normalize_steps.hpp"
#include "text/scan.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace kpsynth::text::detail {

using scan::is_alpha;
using scan::is_digit;
using scan::is_space;

// -- units and text wrappers --------------------------------------------------

namespace {

/// Units that may be written in plain text after a number. Single letters
/// are excluded here (they are variables in plain text) but accepted inside
/// `\text{}`, see is_unit_text().
bool is_plain_unit(std::string_view w) {
  static constexpr std::array<std::string_view, 74> units{
    "cm",          "mm",       "km",     "meter",   "meters",     "metre",
    "metres",      "inch",     "inches", "ft",      "feet",       "foot",
    "yd",          "yard",     "yards",  "mile",    "miles",      "mph",
    "kg",          "gram",     "grams",  "mg",      "lb",         "lbs",
    "pound",       "pounds",   "oz",     "ounce",   "ounces",     "liter",
    "liters",      "litre",    "litres", "ml",      "gallon",     "gallons",
    "sec",         "secs",     "second", "seconds", "min",        "mins",
    "minute",      "minutes",  "hr",     "hrs",     "hour",       "hours",
    "day",         "days",     "week",   "weeks",   "month",      "months",
    "year",        "years",    "dollar", "dollars", "cent",       "cents",
    "degree",      "degrees",  "deg",    "unit",    "units",      "sq",
    "square",      "cubic",    "radian", "radians", "kilometers", "centimeters",
    "millimeters", "kilograms"};
  return std::find(units.begin(), units.end(), w) != units.end();
}

/// True when `\text{...}` content only names units ("cm", " square feet",
/// "m/s", "inches^2"), so the whole group can go.
bool is_unit_text(std::string_view content) {
  auto low = scan::lower(content);
  std::size_t words = 0;
  std::size_t i = 0;
  while (i < low.size()) {
    char c = low[i];
    if (is_space(c) || c == '/' || c == '.' || c == '-') {
      ++i;
      continue;
    }
    if (c == '^') {
      ++i;
      while (i < low.size()
             && (is_digit(low[i]) || low[i] == '{' || low[i] == '}'))
        ++i;
      continue;
    }
    if (!is_alpha(c))
      return false;
    std::size_t j = i;
    while (j < low.size() && is_alpha(low[j]))
      ++j;
    auto word = std::string_view{low}.substr(i, j - i);
    bool single =
      word.size() == 1
      && std::string_view{"mgslh"}.find(word[0]) != std::string_view::npos;
    if (!single && word != "in" && word != "m" && !is_plain_unit(word))
      return false;
    ++words;
    i = j;
  }
  return words > 0;
}

/// Length of a `^2`, `^3`, `^{2}` or `^{3}` suffix at `i`, or 0.
std::size_t unit_power_length(std::string_view s, std::size_t i) {
  auto rest = s.substr(i);
  if (rest.starts_with("^{2}") || rest.starts_with("^{3}"))
    return 4;
  if (rest.starts_with("^2") || rest.starts_with("^3"))
    return 2;
  return 0;
}

/// add_unit() for every word of `text`.
void add_unit_words(std::string& units, std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (!is_alpha(text[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && is_alpha(text[j]))
      ++j;
    add_unit(units, text.substr(i, j - i));
    i = j;
  }
}

constexpr std::array<std::string_view, 23> text_wrappers{
  "text",    "textbf",       "textit",     "textrm",     "textsf",
  "texttt",  "textnormal",   "textup",     "mathrm",     "mathbf",
  "mathit",  "mathsf",       "mathtt",     "mathnormal", "mbox",
  "hbox",    "operatorname", "boldsymbol", "bm",         "emph",
  "mathcal", "mathscr",      "mathfrak"};

} // namespace

/// Replaces `\text{...}` and its relatives by their content, or removes them
/// with a trailing power when the content names units.
std::string unwrap_text(std::string_view s, std::string& units) {
  std::string out;
  out.reserve(s.size());
  std::vector<std::size_t> drop_closing; // offsets of '}' to turn into ' '
  for (std::size_t i = 0; i < s.size();) {
    while (!drop_closing.empty() && drop_closing.back() < i)
      drop_closing.pop_back();
    if (!drop_closing.empty() && drop_closing.back() == i) {
      drop_closing.pop_back();
      out += ' ';
      ++i;
      continue;
    }
    if (s[i] != '\\') {
      out += s[i++];
      continue;
    }
    auto len = scan::command_length(s, i);
    auto name = s.substr(i + 1, len);
    if (std::find(text_wrappers.begin(), text_wrappers.end(), name)
        == text_wrappers.end()) {
      out.append(s.substr(i, 1 + len));
      i += 1 + len;
      continue;
    }
    std::size_t open = i + 1 + len;
    while (open < s.size() && is_space(s[open]))
      ++open;
    auto close = open < s.size() && s[open] == '{' ? scan::match_group(s, open)
                                                   : std::string_view::npos;
    if (close == std::string_view::npos) {
      i = open; // A wrapper without an argument: drop the command.
      continue;
    }
    auto content = s.substr(open + 1, close - open - 2);
    // Units follow a value ("5\text{ cm}", "\pi\text{ inches}"); alone,
    // "\text{M}" is a name.
    auto last = out.find_last_not_of(' ');
    bool after_value = last != std::string::npos
                       && (is_alpha(out[last]) || is_digit(out[last])
                           || out[last] == '}' || out[last] == ')');
    if (after_value && is_unit_text(content)) {
      add_unit_words(units, content);
      out += ' ';
      i = close + unit_power_length(s, close);
      continue;
    }
    out += ' ';
    drop_closing.push_back(close - 1);
    i = open + 1;
  }
  return out;
}

/// Removes unit words written in plain text after a number ("5 meters",
/// "10 square feet", "3 cm^2") and spells "percent" as `%`.
std::string strip_unit_words(std::string_view s, std::string& units) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    bool word_start =
      is_alpha(s[i]) && (i == 0 || (!is_alpha(s[i - 1]) && s[i - 1] != '\\'));
    if (!word_start) {
      out += s[i++];
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && is_alpha(s[j]))
      ++j;
    auto word = scan::lower(s.substr(i, j - i));
    auto last = out.find_last_not_of(' ');
    bool after_value = last != std::string::npos
                       && (is_digit(out[last]) || out[last] == '}'
                           || out[last] == ')' || out[last] == '%');
    if (after_value && (word == "percent" || word == "pct")) {
      out += '%';
      i = j;
      continue;
    }
    if (after_value && is_plain_unit(word)) {
      add_unit(units, word);
      i = j + unit_power_length(s, j);
      continue;
    }
    out.append(s.substr(i, j - i));
    i = j;
  }
  return out;
}

/// Removes words that trail a number ("575 students", "65 children
/// tickets"): the count is the answer. Kept when no number precedes them,
/// so that "Monday" stays a text answer.
std::string strip_trailing_words(std::string s, std::string& units) {
  std::size_t end = s.size();
  bool removed = false;
  for (;;) {
    std::size_t e = end;
    while (e > 0 && is_space(s[e - 1]))
      --e;
    std::size_t b = e;
    while (b > 0 && is_alpha(s[b - 1]))
      --b;
    if (e - b < 3 || (b > 0 && s[b - 1] == '\\')
        || (b > 0 && !is_space(s[b - 1])))
      break;
    auto word = scan::lower(std::string_view{s}.substr(b, e - b));
    if (word == "and" || word == "pi" || word == "sqrt" || word == "inf"
        || word == "infinity" || word.starts_with("sin")
        || word.starts_with("cos") || word.starts_with("tan")
        || word.starts_with("log") || word.starts_with("exp"))
      break;
    end = b;
    removed = true;
  }
  if (!removed)
    return s;
  std::size_t e = end;
  while (e > 0 && is_space(s[e - 1]))
    --e;
  // What is left must be mathematics that ends in a value.
  bool ends_in_value = e > 0
                       && (is_digit(s[e - 1]) || is_alpha(s[e - 1])
                           || s[e - 1] == '}' || s[e - 1] == ')');
  bool mathematical = std::any_of(
    s.begin(), s.begin() + e, [](char c) { return is_digit(c) || c == '\\'; });
  if (!ends_in_value || !mathematical)
    return s;
  add_unit_words(units, std::string_view{s}.substr(e));
  s.resize(e);
  return s;
}

} // namespace kpsynth::text::detail
