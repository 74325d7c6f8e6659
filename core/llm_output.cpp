#include "core/llm_output.hpp"

#include "core/llm_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>

namespace kpsynth::core {

using namespace llm_text;

namespace {

problem bad(std::string_view kind, std::string message) {
  return make_problem("bad_output", std::move(message), std::string{kind});
}

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

// -- problems and difficulty
// ---------------------------------------------------------

result<std::string> parse_generated_problem(std::string_view text,
                                            problem_limits limits) {
  constexpr std::string_view kind = "generate";
  auto body = strip_think(text);
  auto lines = lines_of(body);
  auto is_label = [](std::string_view line,
                     std::initializer_list<std::string_view> names) {
    auto low = lower(strip_markdown(line));
    for (auto name : names) {
      if (low.compare(0, name.size(), name) != 0)
        continue;
      auto rest = trim(std::string_view{low}.substr(name.size()));
      if (rest.empty() || rest.front() == ':')
        return true;
    }
    return false;
  };
  size_t first = lines.size() + 1; // past the end: no label yet
  std::string result;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!is_label(lines[i], {"problem", "new problem", "problem statement"}))
      continue;
    auto clean = strip_markdown(lines[i]);
    auto colon = clean.find(':');
    if (colon != std::string::npos)
      result = std::string{trim(std::string_view{clean}.substr(colon + 1))};
    first = i + 1;
    break;
  }
  if (first > lines.size())
    return bad(kind, "no 'Problem:' line found");
  for (size_t i = first; i < lines.size(); ++i) {
    if (is_label(lines[i], {"solution", "answer", "final answer", "hint",
                            "hints", "explanation", "note", "difficulty"}))
      break;
    if (!result.empty())
      result += '\n';
    result += lines[i];
  }
  auto trimmed = std::string{trim(result)};
  if (trimmed.size() >= 2 && trimmed.front() == '"' && trimmed.back() == '"')
    trimmed = std::string{trim(trimmed.substr(1, trimmed.size() - 2))};
  if (trimmed.size() < limits.min_chars)
    return bad(kind, "the problem after 'Problem:' is empty or too short ("
                       + std::to_string(trimmed.size()) + " characters)");
  if (trimmed.size() > limits.max_chars)
    return bad(kind, "the problem has " + std::to_string(trimmed.size())
                       + " characters, more than the limit of "
                       + std::to_string(limits.max_chars));
  return trimmed;
}

const char* to_string(difficulty_level x) {
  switch (x) {
  case difficulty_level::easy:
    return "easy";
  case difficulty_level::medium:
    return "medium";
  case difficulty_level::hard:
    return "hard";
  }
  return "medium";
}

namespace {

std::optional<difficulty_level> difficulty_word(std::string_view w) {
  static const std::pair<std::string_view, difficulty_level> table[] = {
    {"easy", difficulty_level::easy},
    {"simple", difficulty_level::easy},
    {"basic", difficulty_level::easy},
    {"elementary", difficulty_level::easy},
    {"medium", difficulty_level::medium},
    {"moderate", difficulty_level::medium},
    {"intermediate", difficulty_level::medium},
    {"hard", difficulty_level::hard},
    {"difficult", difficulty_level::hard},
    {"challenging", difficulty_level::hard},
    {"advanced", difficulty_level::hard},
  };
  for (auto& [name, level] : table)
    if (w == name)
      return level;
  return std::nullopt;
}

/// A rating such as "Medium", "3/5", "7 out of 10" or "4".
result<difficulty_level> difficulty_value(std::string_view value) {
  constexpr std::string_view kind = "difficulty";
  auto v = unwrap(trim(value));
  for (auto& w : words_of(v))
    if (auto level = difficulty_word(w))
      return *level;
  auto digit = std::find_if(v.begin(), v.end(), is_digit);
  if (digit == v.end())
    return bad(kind, "unknown difficulty '" + std::string{v} + "'");
  size_t used = 0;
  auto rest = v.substr(static_cast<size_t>(digit - v.begin()));
  auto n = leading_number(rest, used);
  if (!n)
    return bad(kind, "unreadable difficulty '" + std::string{v} + "'");
  auto tail = lower(trim(rest.substr(used)));
  bool of10 = tail.rfind("/10", 0) == 0 || tail.rfind("/ 10", 0) == 0
              || tail.rfind("out of 10", 0) == 0;
  bool of5 = tail.rfind("/5", 0) == 0 || tail.rfind("/ 5", 0) == 0
             || tail.rfind("out of 5", 0) == 0;
  double x = *n;
  if (!of5 && !of10)
    of10 = x > 5;
  double top = of10 ? 10 : 5;
  if (x < 1 || x > top)
    return bad(kind, "difficulty " + std::string{v} + " is outside the scale 1-"
                       + (of10 ? "10" : "5"));
  if (of10)
    return x < 3.5
             ? difficulty_level::easy
             : (x < 6.5 ? difficulty_level::medium : difficulty_level::hard);
  return x < 2.5
           ? difficulty_level::easy
           : (x < 3.5 ? difficulty_level::medium : difficulty_level::hard);
}

} // namespace

result<difficulty_level> parse_difficulty(std::string_view text) {
  auto body = strip_think(text);
  if (auto v = last_labelled(body, "difficulty"))
    return difficulty_value(*v);
  auto lines = lines_of(body);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    auto w = words_of(strip_markdown(*it));
    if (w.empty())
      continue;
    if (w.size() == 1)
      if (auto level = difficulty_word(w[0]))
        return *level;
    break;
  }
  return bad("difficulty", "no 'Difficulty: easy|medium|hard' line found");
}

// -- solutions
// -------------------------------------------------------------------

namespace {

/// Finds boxed answers; sets `unterminated` if the last box never closes.
std::optional<std::string> find_last_box(std::string_view text,
                                         bool& unterminated) {
  std::optional<std::string> result;
  unterminated = false;
  size_t pos = 0;
  for (;;) {
    auto b = text.find("\\boxed", pos);
    auto f = text.find("\\fbox", pos);
    auto at = std::min(b, f);
    if (at == std::string_view::npos)
      return result;
    size_t i = at + (at == b ? 6 : 5);
    if (i < text.size() && is_alpha(text[i])) {
      pos = i; // e.g. \boxedsomething: not ours
      continue;
    }
    while (i < text.size() && text[i] == ' ')
      ++i;
    if (i < text.size() && text[i] == '{') {
      int depth = 0;
      size_t j = i;
      for (; j < text.size(); ++j) {
        if (text[j] == '\\' && j + 1 < text.size()) {
          ++j; // escaped brace such as \{ does not nest
          continue;
        }
        if (text[j] == '{')
          ++depth;
        else if (text[j] == '}' && --depth == 0)
          break;
      }
      if (j >= text.size()) {
        unterminated = true;
        return result;
      }
      result = std::string{trim(text.substr(i + 1, j - i - 1))};
      pos = j + 1;
    } else {
      // "\boxed 5" as in some MATH solutions: one token.
      size_t j = i;
      while (j < text.size() && !is_space(text[j]) && text[j] != '$')
        ++j;
      result = std::string{unwrap(text.substr(i, j - i))};
      pos = j;
    }
    unterminated = false;
  }
}

/// Strips math delimiters and trailing punctuation from a stated answer.
std::string clean_answer(std::string_view s) {
  auto v = trim(s);
  bool changed = true;
  while (changed && !v.empty()) {
    changed = false;
    for (std::string_view wrap : {"$", "\\(", "\\)", "\\[", "\\]", "**"}) {
      if (v.substr(0, wrap.size()) == wrap) {
        v = trim(v.substr(wrap.size()));
        changed = true;
      }
      if (v.size() >= wrap.size() && v.substr(v.size() - wrap.size()) == wrap) {
        v = trim(v.substr(0, v.size() - wrap.size()));
        changed = true;
      }
    }
    if (!v.empty() && (v.back() == '.' || v.back() == ',')) {
      v.remove_suffix(1);
      changed = true;
    }
  }
  return std::string{v};
}

} // namespace

std::string last_boxed(std::string_view text) {
  bool unterminated = false;
  return find_last_box(text, unterminated).value_or(std::string{});
}

result<parsed_solution> parse_solution(std::string_view text) {
  constexpr std::string_view kind = "solve";
  parsed_solution result;
  result.text = std::string{trim(strip_think(text))};
  if (result.text.empty())
    return bad(kind, "empty solution");
  bool unterminated = false;
  auto box = find_last_box(result.text, unterminated);
  if (unterminated)
    return bad(kind, "the last \\boxed{ is never closed (truncated output?)");
  if (box) {
    if (box->empty())
      return bad(kind, "the final \\boxed{} is empty");
    result.answer = std::move(*box);
    return result;
  }
  auto low = lower(result.text);
  for (std::string_view phrase :
       {"final answer is", "final answer:", "the answer is", "answer:"}) {
    auto at = low.rfind(phrase);
    if (at == std::string::npos)
      continue;
    auto rest = std::string_view{result.text}.substr(at + phrase.size());
    auto end = rest.find('\n');
    auto sentence = rest.substr(0, end);
    // The sentence ends at ". " (not at a decimal point).
    auto stop = sentence.find(". ");
    auto answer = clean_answer(sentence.substr(0, stop));
    if (!answer.empty()) {
      result.answer = std::move(answer);
      return result;
    }
  }
  return bad(kind, "no \\boxed{} answer and no 'The answer is' sentence");
}

// -- judges
// ------------------------------------------------------------------------

result<parsed_score> parse_score(std::string_view text) {
  constexpr std::string_view kind = "judge_problem";
  auto body = strip_think(text);
  auto value = last_labelled(body, "score");
  if (!value)
    return bad(kind, "no 'Score: <0..1>' line found");
  auto v = trim(*value);
  while (!v.empty() && (v.front() == '*' || v.front() == '['))
    v.remove_prefix(1);
  size_t used = 0;
  auto n = leading_number(v, used);
  if (!n || !std::isfinite(*n))
    return bad(kind, "'Score:' is not followed by a number: '" + std::string{v}
                       + "'");
  auto tail = trim(v.substr(used));
  double x = *n;
  std::string scale = "0..1";
  if (!tail.empty() && tail.front() == '%') {
    x /= 100;
    scale = "percent";
  } else if (!tail.empty() && tail.front() == '/') {
    size_t used2 = 0;
    auto d = leading_number(trim(tail.substr(1)), used2);
    if (!d || *d <= 0)
      return bad(kind, "score '" + std::string{v} + "' has a bad denominator");
    x /= *d;
    scale = "fraction";
  } else if (lower(tail).rfind("out of", 0) == 0) {
    size_t used2 = 0;
    auto d = leading_number(trim(tail.substr(6)), used2);
    if (!d || *d <= 0)
      return bad(kind, "score '" + std::string{v} + "' has a bad denominator");
    x /= *d;
    scale = "fraction";
  }
  parsed_score result;
  result.value = std::clamp(x, 0.0, 1.0);
  if (result.value != x) {
    result.clamped = true;
    result.note = "score '" + std::string{v} + "' is outside " + scale
                  + " and was clamped to " + std::to_string(result.value);
  }
  return result;
}

namespace {

std::optional<bool> verdict_words(const std::vector<std::string>& w) {
  if (w.empty())
    return std::nullopt;
  static const std::set<std::string, std::less<>> yes = {
    "true", "yes", "correct", "valid", "pass", "right", "accept", "matches"};
  static const std::set<std::string, std::less<>> no = {
    "false", "no",    "incorrect", "invalid",
    "fail",  "wrong", "reject",    "mismatch"};
  if (w[0] == "not" && w.size() > 1 && yes.count(w[1]))
    return false;
  if (yes.count(w[0]))
    return true;
  if (no.count(w[0]))
    return false;
  return std::nullopt;
}

} // namespace

result<bool> parse_verdict(std::string_view text, std::string_view kind) {
  auto body = strip_think(text);
  if (auto v = last_labelled(body, "verdict")) {
    if (auto x = verdict_words(words_of(*v)))
      return *x;
    return bad(kind, "unknown verdict '" + *v + "' (expected True or False)");
  }
  auto lines = lines_of(body);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    auto w = words_of(strip_markdown(*it));
    if (w.empty())
      continue;
    if (w.size() <= 2)
      if (auto x = verdict_words(w))
        return *x;
    break;
  }
  return bad(kind, "no 'Verdict: True|False' line found");
}

// -- programs
// ------------------------------------------------------------------------

namespace {

bool looks_like_code_line(std::string_view line) {
  auto s = trim(line);
  if (s.empty() || s.front() == '#' || is_space(line.front()))
    return true;
  for (std::string_view kw :
       {"import ", "from ", "def ", "print(", "for ", "while ", "if ", "elif ",
        "else:", "return ", "class ", "try:", "except", "with "})
    if (s.substr(0, kw.size()) == kw)
      return true;
  return s.find('=') != std::string_view::npos
         || (s.find('(') != std::string_view::npos && s.back() == ')');
}

} // namespace

result<std::string> parse_program(std::string_view text) {
  constexpr std::string_view kind = "program";
  auto body = strip_think(text);
  auto lines = lines_of(body);
  std::optional<std::string> code;
  bool open = false;
  bool wanted = false;
  std::string cur;
  for (auto line : lines) {
    auto s = trim(line);
    if (s.substr(0, 3) != "```") {
      if (open) {
        cur += line;
        cur += '\n';
      }
      continue;
    }
    if (!open) {
      auto lang = lower(trim(s.substr(3)));
      wanted =
        lang.empty() || lang == "python" || lang == "py" || lang == "python3";
      open = true;
      cur.clear();
    } else {
      if (wanted)
        code = cur;
      open = false;
    }
  }
  if (open && wanted)
    return bad(kind, "the last code block is never closed (truncated?)");
  if (!code) {
    auto nonempty = std::count_if(lines.begin(), lines.end(),
                                  [](auto l) { return !trim(l).empty(); });
    auto codeish = std::count_if(lines.begin(), lines.end(), [](auto l) {
      return !trim(l).empty() && looks_like_code_line(l);
    });
    if (nonempty == 0 || codeish < nonempty)
      return bad(kind, "no ```python code block found");
    code = std::string{trim(body)} + "\n";
  }
  if (trim(*code).empty())
    return bad(kind, "the code block is empty");
  if (code->find("print") == std::string::npos)
    return bad(kind, "the program never prints its answer");
  return *code;
}

} // namespace kpsynth::core
