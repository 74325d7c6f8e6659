// Parsers for the knowledge-point prompts (kp_extract, kp_quality,
// kp_synonym, same_problem, kp_representative) and strip_think, which every
// parser applies first. See core/llm_output.hpp.

#include "core/llm_output.hpp"
#include "core/llm_output_internal.hpp"
#include "core/llm_text.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>

namespace kpsynth::core {

using namespace llm_text;
using detail::bad;

namespace {

/// A knowledge point as written, minus markdown, quotes, explanations after
/// a bold name ("**Name**: details") and trailing punctuation.
std::string clean_kp(std::string_view raw) {
  auto s = trim(raw);
  if (s.substr(0, 2) == "**") {
    auto close = s.find("**", 2);
    if (close != std::string_view::npos) {
      auto after = trim(s.substr(close + 2));
      if (after.empty() || after.front() == ':' || after.front() == '-')
        s = s.substr(2, close - 2);
    }
  }
  auto md = strip_markdown(s);
  auto v = unwrap(trim(md));
  while (!v.empty() && (v.back() == ':' || v.back() == '-'))
    v = trim(v.substr(0, v.size() - 1));
  return std::string{v};
}

} // namespace

// -- think blocks
// -----------------------------------------------------------------

std::string strip_think(std::string_view text) {
  std::string result{text};
  for (;;) {
    auto open = result.find("<think>");
    auto close = result.find("</think>");
    if (close == std::string::npos)
      return result;
    if (open == std::string::npos || open > close) {
      // Some servers drop the opening tag: keep what follows the close.
      result.erase(0, close + 8);
      continue;
    }
    result.erase(open, close + 8 - open);
  }
}

// -- knowledge points
// ------------------------------------------------------------

result<std::vector<std::string>> parse_kp_list(std::string_view text,
                                               kp_list_limits limits) {
  auto body = strip_think(text);
  auto lines = lines_of(body);
  std::vector<std::string> raw;
  for (auto line : lines) {
    // "1. **Name**: detail" keeps its bold for clean_kp; "**1.** Name" only
    // numbers after stripping.
    auto plain = strip_markdown(line);
    if (auto n = numbered(line))
      raw.emplace_back(n->second);
    else if (auto m = numbered(plain))
      raw.emplace_back(m->second);
  }
  if (raw.empty()) {
    // No numbering at all: accept a plain bulleted list instead.
    for (auto line : lines) {
      auto s = trim(line);
      if (s.size() > 2 && (s[0] == '-' || s[0] == '*') && s[1] == ' ')
        raw.emplace_back(s.substr(2));
      else if (s.substr(0, 3) == "\xe2\x80\xa2") // U+2022 bullet
        raw.emplace_back(trim(s.substr(3)));
    }
  }
  if (raw.empty())
    return bad("kp_extract", "no numbered knowledge points found");
  std::vector<std::string> result;
  std::set<std::string> seen;
  for (auto& r : raw) {
    auto kp = clean_kp(r);
    bool echo = !kp.empty() && kp.front() == '<' && kp.back() == '>';
    if (echo || kp.size() < limits.min_chars || kp.size() > limits.max_chars)
      continue;
    if (!seen.insert(lower(kp)).second)
      continue;
    result.push_back(std::move(kp));
    if (result.size() == limits.max_points)
      break;
  }
  if (result.empty())
    return bad("kp_extract",
               "all " + std::to_string(raw.size())
                 + " listed knowledge points were empty, overlong, "
                   "placeholders or duplicates");
  return result;
}

result<std::vector<kp_quality_item>>
parse_kp_quality_items(std::string_view text, size_t expected_count) {
  constexpr std::string_view kind = "kp_quality";
  if (expected_count == 0)
    return bad(kind, "asked to parse verdicts for an empty batch");
  std::vector<std::optional<kp_quality_item>> got(expected_count);
  auto body = strip_think(text);
  for (auto line : lines_of(body)) {
    auto s = strip_markdown(line);
    auto low = lower(s);
    // Skip a label such as "KP 3:" or "Knowledge point 3:" or "#3:".
    size_t i = 0;
    for (std::string_view prefix : {"knowledge point", "kp", "#"})
      if (low.compare(0, prefix.size(), prefix) == 0) {
        i = prefix.size();
        break;
      }
    while (i < low.size() && low[i] == ' ')
      ++i;
    size_t start = i;
    while (i < low.size() && is_digit(low[i]))
      ++i;
    if (i == start || i - start > 4)
      continue;
    size_t index = 0;
    std::from_chars(low.data() + start, low.data() + i, index);
    while (i < low.size()
           && (low[i] == ' ' || low[i] == ':' || low[i] == '.' || low[i] == ')'
               || low[i] == '-' || low[i] == '='))
      ++i;
    bool keep = low.compare(i, 4, "keep") == 0;
    bool drop = low.compare(i, 4, "drop") == 0;
    if (!keep && !drop)
      continue;
    if (i + 4 < low.size() && is_alpha(low[i + 4]))
      continue;
    if (index == 0 || index > expected_count)
      return bad(kind, "verdict for knowledge point " + std::to_string(index)
                         + ", but the batch has "
                         + std::to_string(expected_count));
    kp_quality_item item{keep, {}};
    if (drop) {
      auto reason = std::string_view{s}.substr(i + 4);
      while (!reason.empty()
             && (reason.front() == ' ' || reason.front() == '-'
                 || reason.front() == ':' || reason.front() == '('))
        reason.remove_prefix(1);
      item.reason = std::string{unwrap(reason)};
      if (!item.reason.empty() && item.reason.back() == ')')
        item.reason.pop_back();
      if (item.reason.empty())
        item.reason = "no reason given";
    }
    auto& slot = got[index - 1];
    if (slot && slot->keep != item.keep)
      return bad(kind, "conflicting verdicts for knowledge point "
                         + std::to_string(index));
    if (!slot)
      slot = std::move(item);
  }
  std::string missing;
  size_t n_missing = 0;
  for (size_t i = 0; i < expected_count; ++i)
    if (!got[i]) {
      if (++n_missing <= 5)
        missing += (missing.empty() ? "" : ", ") + std::to_string(i + 1);
    }
  if (n_missing > 0)
    return bad(kind, "no KEEP/DROP verdict for " + std::to_string(n_missing)
                       + " of " + std::to_string(expected_count)
                       + " knowledge points (e.g. " + missing + ")");
  std::vector<kp_quality_item> result;
  for (auto& g : got)
    result.push_back(std::move(*g));
  return result;
}

result<std::vector<bool>> parse_kp_quality(std::string_view text,
                                           size_t expected_count) {
  auto items = parse_kp_quality_items(text, expected_count);
  if (!items)
    return items.error();
  std::vector<bool> result;
  for (auto& x : *items)
    result.push_back(x.keep);
  return result;
}

result<bool> parse_same_or_different(std::string_view text,
                                     std::string_view kind) {
  auto body = strip_think(text);
  auto lines = lines_of(body);
  // Pass 1: the answer word in capitals, as the prompt asks; reasoning in
  // lowercase ("the same concept") does not count.
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    bool same = false;
    bool different = false;
    std::string cur;
    std::string prev;
    auto flush = [&] {
      if (cur == "SAME" && prev != "NOT")
        same = true;
      else if (cur == "SAME" || cur == "DIFFERENT")
        different = true;
      if (!cur.empty())
        prev = cur;
      cur.clear();
    };
    for (char c : *it) {
      if (is_alpha(c))
        cur += c;
      else
        flush();
    }
    flush();
    if (same && different)
      return bad(kind, "the answer line names both SAME and DIFFERENT");
    if (same || different)
      return same;
  }
  // Pass 2: a last line that is only the word, in any case.
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    auto w = words_of(strip_markdown(*it));
    if (w.empty())
      continue;
    if (w.size() >= 2 && w[0] == "answer")
      w.erase(w.begin());
    if (w.size() == 1 && (w[0] == "same" || w[0] == "different"))
      return w[0] == "same";
    break;
  }
  return bad(kind, "no SAME or DIFFERENT answer found");
}

result<size_t> parse_representative(std::string_view text, size_t group_size) {
  constexpr std::string_view kind = "kp_representative";
  auto body = strip_think(text);
  auto value = last_labelled(body, "representative");
  if (!value) {
    auto lines = lines_of(body);
    auto last = std::find_if(lines.rbegin(), lines.rend(),
                             [](auto l) { return !trim(l).empty(); });
    if (last == lines.rend())
      return bad(kind, "empty answer");
    auto s = strip_markdown(*last);
    if (s.empty() || !is_digit(s.front()))
      return bad(kind, "no 'Representative: <number>' line found");
    value = s;
  }
  auto v = trim(*value);
  while (!v.empty()
         && (v.front() == '#' || v.front() == '(' || v.front() == '*'
             || v.front() == '['))
    v.remove_prefix(1);
  size_t i = 0;
  while (i < v.size() && is_digit(v[i]))
    ++i;
  if (i == 0)
    return bad(kind, "'Representative:' is not followed by a number");
  size_t n = 0;
  std::from_chars(v.data(), v.data() + std::min<size_t>(i, 6), n);
  if (n < 1 || n > group_size)
    return bad(kind, "representative " + std::to_string(n)
                       + " is outside the group of "
                       + std::to_string(group_size));
  return n - 1;
}

} // namespace kpsynth::core
