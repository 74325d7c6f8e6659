// Parsers for the verification prompts: judges' scores and verdicts
// (judge_problem, judge_solution, program_judge) and the programs that
// check answers (program). See core/llm_output.hpp.

#include "core/llm_output.hpp"
#include "core/llm_output_internal.hpp"
#include "core/llm_text.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

namespace kpsynth::core {

using namespace llm_text;
using detail::bad;

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
