#include "text/normalize_steps.hpp"
#include "text/scan.hpp"

#include <array>
#include <utility>

namespace kpsynth::text::detail {

using scan::is_alpha;
using scan::is_digit;
using scan::is_space;

namespace {

/// Abbreviations and variant spellings of units, to one name each.
std::string_view unit_synonym(std::string_view w) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 31>
    table{{{"cm", "centimeter"}, {"mm", "millimeter"}, {"km", "kilometer"},
           {"m", "meter"},       {"metre", "meter"},   {"kg", "kilogram"},
           {"g", "gram"},        {"mg", "milligram"},  {"lb", "pound"},
           {"lbs", "pound"},     {"oz", "ounce"},      {"ft", "foot"},
           {"feet", "foot"},     {"in", "inch"},       {"yd", "yard"},
           {"mi", "mile"},       {"hr", "hour"},       {"hrs", "hour"},
           {"h", "hour"},        {"min", "minute"},    {"mins", "minute"},
           {"sec", "second"},    {"secs", "second"},   {"s", "second"},
           {"l", "liter"},       {"litre", "liter"},   {"ml", "milliliter"},
           {"deg", "degree"},    {"sq", "square"},     {"mph", "mile/hour"},
           {"euros", "euro"}}};
  for (const auto& [from, to] : table)
    if (w == from)
      return to;
  return w;
}

std::string singular(std::string w) {
  auto ends = [&](std::string_view tail) { return w.ends_with(tail); };
  if (ends("ches") || ends("shes") || ends("xes") || ends("sses"))
    w.resize(w.size() - 2);
  else if (ends("ies") && w.size() > 4)
    w.replace(w.size() - 3, 3, "y");
  else if (ends("s") && !ends("ss") && w.size() > 3)
    w.pop_back();
  return w;
}

/// Reads a run of at most `max` digits at `i`; returns its value or -1.
int read_digits(std::string_view s, std::size_t& i, std::size_t max) {
  std::size_t begin = i;
  int value = 0;
  while (i < s.size() && is_digit(s[i]) && i - begin < max)
    value = value * 10 + (s[i++] - '0');
  return i == begin ? -1 : value;
}

/// Reads "am", "a.m.", "AM", "pm", ... at `i`: 'a', 'p', or 0.
char read_meridiem(std::string_view s, std::size_t& i) {
  while (i < s.size() && is_space(s[i]))
    ++i;
  if (i >= s.size())
    return 0;
  char c = scan::to_lower(s[i]);
  if (c != 'a' && c != 'p')
    return 0;
  std::size_t j = i + 1;
  if (j < s.size() && s[j] == '.')
    ++j;
  if (j >= s.size() || scan::to_lower(s[j]) != 'm')
    return 0;
  ++j;
  if (j < s.size() && s[j] == '.')
    ++j;
  i = j;
  return c;
}

} // namespace

void add_unit(std::string& units, std::string_view word) {
  auto w = std::string{unit_synonym(scan::lower(word))};
  w = std::string{unit_synonym(singular(std::move(w)))};
  // Powers are not kept either (`cm^2` is "centimeter"), so neither are
  // the words that spell them.
  if (w.empty() || w == "square" || w == "cubic")
    return;
  if (!units.empty())
    units += ' ';
  units += w;
}

std::string canonical_clock(std::string_view text) {
  auto s = scan::trim(text);
  std::size_t i = 0;
  int hour = read_digits(s, i, 2);
  if (hour < 0)
    return std::string{text};
  int minute = 0;
  int second = -1;
  bool colon = i < s.size() && s[i] == ':';
  if (colon) {
    ++i;
    std::size_t begin = i;
    minute = read_digits(s, i, 2);
    if (i - begin != 2 || minute > 59)
      return std::string{text};
    if (i < s.size() && s[i] == ':') {
      ++i;
      begin = i;
      second = read_digits(s, i, 2);
      if (i - begin != 2 || second > 59)
        return std::string{text};
    }
  }
  char meridiem = read_meridiem(s, i);
  while (i < s.size() && (is_space(s[i]) || s[i] == '.'))
    ++i;
  if (i != s.size() || (!colon && meridiem == 0))
    return std::string{text};
  if (meridiem != 0) {
    if (hour < 1 || hour > 12)
      return std::string{text};
    hour = hour % 12 + (meridiem == 'p' ? 12 : 0);
  } else if (hour > 23) {
    return std::string{text};
  }
  auto two = [](int v) {
    return std::string{static_cast<char>('0' + v / 10),
                       static_cast<char>('0' + v % 10)};
  };
  auto out = std::to_string(hour) + ":" + two(minute);
  if (second >= 0)
    out += ":" + two(second);
  return out;
}

bool is_clock(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2
      || s.size() < colon + 3)
    return false;
  for (char c : s)
    if (!is_digit(c) && c != ':')
      return false;
  return true;
}

std::string strip_currency(std::string_view s) {
  auto low = scan::lower(s.substr(0, 4));
  for (std::string_view prefix : {"rs.", "rs", "inr", "usd", "eur"}) {
    if (!low.starts_with(prefix))
      continue;
    std::size_t i = prefix.size();
    while (i < s.size() && is_space(s[i]))
      ++i;
    if (i < s.size() && is_digit(s[i])
        && (i > prefix.size() || prefix.back() == '.'
            || !is_alpha(s[prefix.size()])))
      return std::string{s.substr(i)};
  }
  return std::string{s};
}

} // namespace kpsynth::text::detail
