#include "text/solution.hpp"

#include "text/scan.hpp"

namespace kpsynth::text {

namespace {

using scan::is_alpha;
using scan::is_space;

/// Double-escaped text doubles every backslash: it has `\\name`, `\\{`
/// and the like, and a single backslash only starts a JSON escape (`\n`,
/// `\t`, `\r`, `\u`, `\"`, `\/`). Any other single backslash (`\frac`)
/// is ordinary LaTeX.
bool is_double_escaped(std::string_view s) {
  std::size_t doubled = 0;
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != '\\')
      continue;
    if (s[i + 1] == '\\') {
      if (i + 2 < s.size()
          && (is_alpha(s[i + 2])
              || std::string_view{"{}()[],;!"}.find(s[i + 2])
                   != std::string_view::npos))
        ++doubled;
      ++i;
      continue;
    }
    if (std::string_view{"ntru\"/"}.find(s[i + 1]) == std::string_view::npos)
      return false;
  }
  return doubled > 0;
}

std::string unescape_once(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char next = s[i + 1];
    switch (next) {
    case '\\':
    case '"':
    case '/':
      out += next;
      ++i;
      break;
    case 'n':
      out += '\n';
      ++i;
      break;
    case 't':
      out += '\t';
      ++i;
      break;
    case 'r':
      ++i;
      break;
    default:
      out += s[i];
    }
  }
  return out;
}

/// True when the text is a box and nothing else (math delimiters aside).
bool is_only_a_box(std::string_view s) {
  s = scan::trim(s);
  while (!s.empty() && (s.front() == '$' || s.front() == ' '))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == '$' || s.back() == ' ' || s.back() == '.'))
    s.remove_suffix(1);
  for (std::string_view open : {"\\[", "\\("})
    if (s.starts_with(open))
      s = scan::trim(s.substr(2));
  for (std::string_view close : {"\\]", "\\)"})
    if (s.ends_with(close))
      s = scan::trim(s.substr(0, s.size() - 2));
  for (std::string_view box : {"\\boxed", "\\fbox"}) {
    if (!s.starts_with(box))
      continue;
    auto open = s.find('{');
    return open != std::string_view::npos
           && scan::trim(s.substr(box.size(), open - box.size())).empty()
           && scan::match_group(s, open) == s.size();
  }
  return false;
}

/// Counts prose words: runs of two or more letters that are not LaTeX
/// command names.
std::size_t prose_words(std::string_view s) {
  std::size_t words = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (!is_alpha(s[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && is_alpha(s[j]))
      ++j;
    bool command = i > 0 && s[i - 1] == '\\';
    if (!command && j - i >= 2)
      ++words;
    i = j;
  }
  return words;
}

/// The word right after `pos` ("apples" in "5 apples."), or nothing.
std::string_view word_after(std::string_view s, std::size_t pos) {
  while (pos < s.size() && s[pos] == ' ')
    ++pos;
  std::size_t end = pos;
  while (end < s.size() && is_alpha(s[end]))
    ++end;
  if (end - pos < 2)
    return {};
  return s.substr(pos, end - pos);
}

/// True when the number at `at` is part of LaTeX structure: an argument
/// (`\frac{3}{2}`), an exponent or subscript (`x^2`, `a_1`), or a
/// command's digits. Such a last number is not the answer.
bool inside_latex(std::string_view s, std::size_t at, std::string_view number) {
  if (at > 0
      && std::string_view{"{^_\\"}.find(s[at - 1]) != std::string_view::npos)
    return true;
  auto end = at + number.size();
  return end < s.size() && (s[end] == '}' || s[end] == '^');
}

} // namespace

std::string undo_double_escaping(std::string_view text) {
  std::string s{text};
  // Text escaped twice over is undone twice; more is not seen in practice.
  for (int round = 0; round < 2 && is_double_escaped(s); ++round)
    s = unescape_once(s);
  return s;
}

bool looks_like_solution(std::string_view s) {
  if (s.find("<think>") != std::string_view::npos
      || s.find("</think>") != std::string_view::npos
      || s.find("####") != std::string_view::npos)
    return true;
  bool boxed = s.find("\\boxed") != std::string_view::npos
               || s.find("\\fbox") != std::string_view::npos;
  if (boxed)
    return !is_only_a_box(s);
  auto low = scan::lower(s);
  for (std::string_view phrase : {"answer is", "answer:", "final answer"})
    if (low.find(phrase) != std::string::npos)
      return true;
  auto words = prose_words(s);
  auto trimmed = scan::trim(s);
  bool sentence = !trimmed.empty() && trimmed.back() == '.';
  return words >= 6 || (words >= 3 && sentence);
}

comparable_answer answer_for_comparison(std::string_view input) {
  auto s = undo_double_escaping(input);
  if (!looks_like_solution(s))
    return {std::move(s), std::nullopt, false};
  std::string_view tail{s};
  std::string_view reasoning;
  if (auto close = tail.rfind("</think>"); close != std::string_view::npos) {
    reasoning = tail.substr(0, close);
    tail = tail.substr(close + 8);
  }
  auto found = extract_final_answer(tail);
  if (!found && !reasoning.empty()) {
    tail = reasoning;
    found = extract_final_answer(tail);
  }
  if (!found)
    return {{}, std::nullopt, true};
  if (found->source == answer_source::last_number) {
    auto at = tail.rfind(found->text);
    if (at == std::string_view::npos || inside_latex(tail, at, found->text))
      return {{}, std::nullopt, true};
    auto word = word_after(tail, at + found->text.size());
    if (!word.empty()) {
      found->text += ' ';
      found->text += word;
    }
  }
  return {std::move(found->text), found->source, true};
}

} // namespace kpsynth::text
