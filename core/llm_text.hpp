#pragma once

// Small text helpers for reading LLM output and prompts: line splitting,
// markdown stripping, labelled values ("Verdict: True"). Shared by the
// output parsers (core/llm_output_*.cpp) and the simulator, which reads the
// prompts it is sent, so both sides agree on what a line or a label is.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::core::llm_text {

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'
         || c == '\v';
}

inline bool is_alpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}

inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

/// Lines without their terminators; "\r\n" counts as one terminator.
inline std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> result;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    result.push_back(line);
    if (nl == std::string_view::npos)
      break;
    text.remove_prefix(nl + 1);
  }
  return result;
}

inline std::string lower(std::string_view s) {
  std::string result{s};
  for (auto& c : result)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

/// Collapses every run of whitespace into one space and trims the ends, so
/// that texts compare equal whatever their line wrapping.
inline std::string squeeze(std::string_view s) {
  std::string result;
  result.reserve(s.size());
  for (char c : s) {
    if (is_space(c)) {
      if (!result.empty() && result.back() != ' ')
        result += ' ';
    } else {
      result += c;
    }
  }
  if (!result.empty() && result.back() == ' ')
    result.pop_back();
  return result;
}

/// Removes markdown emphasis and heading/quote markers: "**Verdict:** True"
/// and "### Verdict: True" both become "Verdict: True". Single `*` and `_`
/// stay because they occur in mathematics (a_1, 2*x).
inline std::string strip_markdown(std::string_view line) {
  std::string result;
  result.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    if ((line[i] == '*' || line[i] == '_') && i + 1 < line.size()
        && line[i + 1] == line[i]) {
      ++i;
      continue;
    }
    if (line[i] == '`')
      continue;
    result += line[i];
  }
  auto t = trim(result);
  while (!t.empty() && (t.front() == '#' || t.front() == '>'))
    t = trim(t.substr(1));
  return std::string{t};
}

/// Strips characters that wrap a value: spaces, quotes, brackets, markdown
/// leftovers and final punctuation.
inline std::string_view unwrap(std::string_view s) {
  auto junk = [](char c) {
    return is_space(c) || c == '"' || c == '\'' || c == '*' || c == '`'
           || c == '.' || c == ',' || c == ';' || c == '!' || c == '['
           || c == ']';
  };
  while (!s.empty() && junk(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && junk(s.back()))
    s.remove_suffix(1);
  return s;
}

/// If the line (markdown stripped) holds "<label>:" at a word boundary, the
/// text after the colon; "Final verdict: True" matches label "verdict".
/// `label` must be lowercase.
inline std::optional<std::string> labelled(std::string_view line,
                                           std::string_view label) {
  auto clean = strip_markdown(line);
  auto low = lower(clean);
  for (size_t pos = low.find(label); pos != std::string::npos;
       pos = low.find(label, pos + 1)) {
    if (pos > 0 && is_alpha(low[pos - 1]))
      continue;
    size_t i = pos + label.size();
    while (i < low.size() && low[i] == ' ')
      ++i;
    if (i < low.size() && (low[i] == ':' || low[i] == '='))
      return std::string{trim(std::string_view{clean}.substr(i + 1))};
  }
  return std::nullopt;
}

/// The value of the last line labelled `label`.
inline std::optional<std::string> last_labelled(std::string_view text,
                                                std::string_view label) {
  auto lines = lines_of(text);
  for (auto i = lines.rbegin(); i != lines.rend(); ++i)
    if (auto v = labelled(*i, label))
      return v;
  return std::nullopt;
}

/// Lowercase alphabetic words of a string.
inline std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> result;
  std::string cur;
  for (char c : s) {
    if (is_alpha(c)) {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!cur.empty()) {
      result.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty())
    result.push_back(std::move(cur));
  return result;
}

/// Parses a leading decimal number with optional sign ("-3.5", "+2", "07")
/// and sets `used` to the characters consumed.
inline std::optional<double> leading_number(std::string_view s, size_t& used) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+'))
    ++i;
  size_t digits = 0;
  bool dot = false;
  while (i < s.size() && (is_digit(s[i]) || (s[i] == '.' && !dot))) {
    if (s[i] == '.')
      dot = true;
    else
      ++digits;
    ++i;
  }
  if (digits == 0)
    return std::nullopt;
  while (i > 0 && s[i - 1] == '.')
    --i;
  size_t skip = s[0] == '+' ? 1 : 0;
  double value = 0;
  auto [end, ec] = std::from_chars(s.data() + skip, s.data() + i, value);
  if (ec != std::errc{})
    return std::nullopt;
  used = static_cast<size_t>(end - s.data());
  return value;
}

/// Splits "1. text", "1) text", "(1) text" and "1: text" into the number
/// and the rest; "1.5 is" is not numbered.
inline std::optional<std::pair<size_t, std::string_view>>
numbered(std::string_view line) {
  auto s = trim(line);
  bool paren = !s.empty() && s.front() == '(';
  if (paren)
    s.remove_prefix(1);
  size_t i = 0;
  while (i < s.size() && i < 4 && is_digit(s[i]))
    ++i;
  if (i == 0 || i == 4 || i >= s.size())
    return std::nullopt;
  char mark = s[i];
  if (!(mark == '.' || mark == ')' || mark == ':'))
    return std::nullopt;
  if (paren && mark != ')')
    return std::nullopt;
  if (i + 1 < s.size() && !is_space(s[i + 1]))
    return std::nullopt;
  size_t n = 0;
  std::from_chars(s.data(), s.data() + i, n);
  return std::make_pair(n, trim(s.substr(i + 1)));
}

} // namespace kpsynth::core::llm_text
