#include "text/extract.hpp"

#include "text/scan.hpp"

#include <vector>

namespace kpsynth::text {

namespace {

struct span {
  std::size_t begin; ///< Offset of the command's backslash.
  std::size_t end;   ///< Offset one past the box's last character.
  std::string content;
};

using scan::is_alpha;
using scan::is_digit;
using scan::is_space;
using scan::match_group;
using scan::trim;

/// Parses the box whose command name ends at `after_name`.
std::optional<span> read_box(std::string_view s, std::size_t begin,
                             std::size_t after_name) {
  if (after_name < s.size() && is_alpha(s[after_name]))
    return std::nullopt; // `\boxedfoo` is another command.
  std::size_t i = after_name;
  while (i < s.size() && is_space(s[i]))
    ++i;
  if (i < s.size() && s[i] == '{') {
    auto close = match_group(s, i);
    if (close == std::string_view::npos)
      return std::nullopt;
    auto inner = s.substr(i + 1, close - i - 2);
    return span{begin, close, std::string{trim(inner)}};
  }
  if (i == after_name)
    return std::nullopt; // `\boxed5` is not valid LaTeX.
  std::size_t j = i;
  while (j < s.size() && !is_space(s[j]) && s[j] != '$')
    ++j;
  auto inner = s.substr(i, j - i);
  while (!inner.empty() && (inner.back() == '.' || inner.back() == ','))
    inner.remove_suffix(1);
  if (inner.empty())
    return std::nullopt;
  return span{begin, j, std::string{inner}};
}

std::vector<span> find_boxes(std::string_view s) {
  std::vector<span> result;
  for (std::size_t pos = s.find('\\'); pos != std::string_view::npos;
       pos = s.find('\\', pos + 1)) {
    auto rest = s.substr(pos + 1);
    std::size_t name_len = 0;
    if (rest.starts_with("boxed"))
      name_len = 5;
    else if (rest.starts_with("fbox"))
      name_len = 4;
    else
      continue;
    if (auto box = read_box(s, pos, pos + 1 + name_len)) {
      pos = box->end - 1;
      result.push_back(std::move(*box));
    }
  }
  return result;
}

/// True when the text between two boxes only separates them, as in
/// `$\boxed{1}$ and $\boxed{2}$` or `$x = \boxed{2}$, $y = \boxed{5}$`
/// (one-letter labels, `=`, commas, "and", "or", `\quad`, `$`).
bool is_separator(std::string_view gap) {
  if (gap.size() > 40)
    return false;
  std::size_t i = 0;
  while (i < gap.size()) {
    char c = gap[i];
    auto rest = gap.substr(i);
    if (is_space(c) || c == ',' || c == '$' || c == ';' || c == '=' || c == '('
        || c == ')' || c == '_' || c == '^' || is_digit(c)) {
      ++i;
    } else if (rest.starts_with("and") || rest.starts_with("\\quad")) {
      i += rest.starts_with("and") ? 3 : 5;
    } else if (rest.starts_with("or")) {
      i += 2;
    } else if (is_alpha(c) && (i + 1 == gap.size() || !is_alpha(gap[i + 1]))) {
      ++i; // a one-letter label such as the y of "y ="
    } else {
      return false;
    }
  }
  return true;
}

std::optional<extracted_answer> from_boxes(std::string_view s) {
  auto boxes = find_boxes(s);
  if (boxes.empty())
    return std::nullopt;
  std::size_t first = boxes.size() - 1;
  while (first > 0
         && is_separator(s.substr(boxes[first - 1].end,
                                  boxes[first].begin - boxes[first - 1].end)))
    --first;
  std::string text;
  for (std::size_t i = first; i < boxes.size(); ++i) {
    if (boxes[i].content.empty())
      continue;
    if (!text.empty())
      text += ", ";
    text += boxes[i].content;
  }
  if (text.empty())
    return std::nullopt;
  return extracted_answer{std::move(text), answer_source::boxed};
}

/// The math span that `rest` opens with (`$...$`, `$$...$$`, `\(...\)`,
/// `\[...\]`), or nothing when it does not open with one.
std::optional<std::string_view> leading_math(std::string_view rest) {
  std::string_view open;
  std::string_view close;
  if (rest.starts_with("$$")) {
    open = close = "$$";
  } else if (rest.starts_with("$")) {
    open = close = "$";
  } else if (rest.starts_with("\\(")) {
    open = "\\(";
    close = "\\)";
  } else if (rest.starts_with("\\[")) {
    open = "\\[";
    close = "\\]";
  } else {
    return std::nullopt;
  }
  auto end = rest.find(close, open.size());
  while (end != std::string_view::npos && rest[end - 1] == '\\')
    end = rest.find(close, end + 1); // `\$` is a dollar sign
  if (end == std::string_view::npos)
    return std::nullopt;
  return trim(rest.substr(open.size(), end - open.size()));
}

/// Cleans the rest of a line after a marker: markdown emphasis, colons,
/// math delimiters and what follows the sentence ("$x$. I hope it is
/// correct." keeps `x`; a decimal point is not a sentence end).
std::string clean_tail(std::string_view rest) {
  // "The answer is:" may end its line; the answer is on the next one.
  for (;;) {
    auto eol = rest.find('\n');
    auto line = rest.substr(0, eol);
    auto content = line.find_first_not_of(" \t\r*:");
    if (content != std::string_view::npos || eol == std::string_view::npos) {
      rest = line;
      break;
    }
    rest = rest.substr(eol + 1);
  }
  rest = trim(rest);
  while (!rest.empty() && (rest.front() == '*' || rest.front() == ':'))
    rest = trim(rest.substr(1));
  if (rest.starts_with("is ") || rest.starts_with("is:"))
    rest = trim(rest.substr(3));
  while (!rest.empty() && (rest.front() == ':' || rest.front() == '*'))
    rest = trim(rest.substr(1));
  if (auto math = leading_math(rest)) {
    rest = *math;
  } else {
    auto stop = rest.find(". ");
    if (stop != std::string_view::npos)
      rest = rest.substr(0, stop);
  }
  while (!rest.empty()
         && (rest.back() == '.' || rest.back() == '*' || is_space(rest.back())))
    rest.remove_suffix(1);
  return std::string{trim(rest)};
}

std::optional<extracted_answer> from_hash_marker(std::string_view s) {
  auto pos = s.rfind("####");
  if (pos == std::string_view::npos)
    return std::nullopt;
  auto text = clean_tail(s.substr(pos + 4));
  if (text.empty())
    return std::nullopt;
  return extracted_answer{std::move(text), answer_source::hash_marker};
}

std::optional<extracted_answer> from_phrase(std::string_view s) {
  auto low = scan::lower(s);
  std::size_t best = std::string::npos;
  std::size_t best_len = 0;
  for (std::string_view phrase :
       {"final answer", "the answer is", "answer:", "answer is"}) {
    auto pos = low.rfind(phrase);
    if (pos != std::string::npos && (best == std::string::npos || pos > best)) {
      best = pos;
      best_len = phrase.size();
    }
  }
  if (best == std::string::npos)
    return std::nullopt;
  auto text = clean_tail(s.substr(best + best_len));
  if (text.empty())
    return std::nullopt;
  return extracted_answer{std::move(text), answer_source::answer_phrase};
}

std::optional<extracted_answer> from_last_number(std::string_view s) {
  // Walk back to the last digit, then extend to the whole number.
  std::size_t end = s.size();
  while (end > 0 && !is_digit(s[end - 1]))
    --end;
  if (end == 0)
    return std::nullopt;
  std::size_t begin = end;
  auto part_of_number = [&](std::size_t i) {
    char c = s[i - 1];
    if (is_digit(c))
      return true;
    // A '.', ',' or '/' inside a number needs digits on both sides.
    return (c == '.' || c == ',' || c == '/') && i >= 2 && is_digit(s[i - 2])
           && i < s.size() && is_digit(s[i]);
  };
  while (begin > 0 && part_of_number(begin))
    --begin;
  if (begin > 0 && s[begin - 1] == '-'
      && (begin == 1 || !is_alpha(s[begin - 2])))
    --begin;
  return extracted_answer{std::string{s.substr(begin, end - begin)},
                          answer_source::last_number};
}

} // namespace

std::string_view to_string(answer_source source) {
  switch (source) {
  case answer_source::boxed:
    return "boxed";
  case answer_source::hash_marker:
    return "hash_marker";
  case answer_source::answer_phrase:
    return "answer_phrase";
  case answer_source::last_number:
    return "last_number";
  }
  return "unknown";
}

std::optional<extracted_answer> extract_final_answer(std::string_view s) {
  if (auto found = from_boxes(s))
    return found;
  if (auto found = from_hash_marker(s))
    return found;
  if (auto found = from_phrase(s))
    return found;
  return from_last_number(s);
}

} // namespace kpsynth::text
