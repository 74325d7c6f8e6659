// Parsers for generated problems, difficulty ratings and solutions
// (generate, difficulty, solve). See core/llm_output.hpp.

#include "core/llm_output.hpp"
#include "core/llm_output_internal.hpp"
#include "core/llm_text.hpp"

#include <algorithm>
#include <optional>

namespace kpsynth::core {

using namespace llm_text;
using detail::bad;

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

} // namespace kpsynth::core
