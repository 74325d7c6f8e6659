// Probe edits that change only the form of a problem: whitespace, LaTeX
// spacing and delimiters, a sentence added in front or dropped at the end.
// A copy edited this way is still the test problem, so decontamination
// must flag it (bench/decontam.cpp measures that recall).

#include "decontam/decontam_probe_detail.hpp"

#include <array>
#include <cctype>

namespace kpsynth::quality::detail {

namespace {

bool is_alpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}

} // namespace

std::vector<std::string_view> sentences(std::string_view text) {
  auto mask = math_mask(text);
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    if (mask[i] || (text[i] != '.' && text[i] != '?' && text[i] != '!')
        || text[i + 1] != ' ')
      continue;
    char next = text[i + 2];
    if (!(std::isupper(static_cast<unsigned char>(next)) || next == '$'))
      continue;
    out.push_back(text.substr(start, i + 1 - start));
    start = i + 2;
  }
  out.push_back(text.substr(start));
  return out;
}

std::optional<std::string> vary_whitespace(std::string_view text,
                                           std::size_t variant) {
  static constexpr std::array<std::string_view, 4> gaps = {"  ", "\n", "\t",
                                                           " \n  "};
  std::string out = variant % 2 == 0 ? "\n " : "";
  std::size_t spaces = 0;
  for (char c : text) {
    if (c == ' ')
      out += gaps[(variant + spaces++) % gaps.size()];
    else
      out.push_back(c);
  }
  out += "  \n";
  return out;
}

std::optional<std::string> respace_latex(std::string_view text,
                                         std::size_t variant) {
  auto mask = math_mask(text);
  static constexpr std::array<std::string_view, 3> thin = {"\\,", "\\;", "\\!"};
  std::string out;
  std::size_t k = variant;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!mask[i]) {
      out.push_back(c);
      continue;
    }
    if (c == '=' || c == '+' || c == '<' || c == '>') {
      out += ' ';
      out += thin[k++ % thin.size()];
      out += c;
      out += ' ';
    } else if (c == ',') {
      out += ",\\ ";
    } else if ((c == '^' || c == '_') && i + 1 < text.size()
               && std::isalnum(static_cast<unsigned char>(text[i + 1]))) {
      // x^2 -> x^{2}: braces are grouping only.
      out += c;
      out += '{';
      out += text[i + 1];
      out += '}';
      ++i;
    } else {
      out.push_back(c);
    }
  }
  if (out == text)
    return std::nullopt;
  return out;
}

std::optional<std::string> change_delimiters(std::string_view text) {
  auto mask = math_mask(text);
  std::string out;
  bool open = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto rest = text.substr(i);
    if (c == '$' && (i == 0 || text[i - 1] != '\\')) {
      bool display = rest.starts_with("$$");
      out += display ? (open ? "\\]" : "\\[") : (open ? "\\)" : "\\(");
      i += display ? 1 : 0;
      open = !open;
    } else if (mask[i] && (c == '(' || c == ')')
               && !(i > 0 && text[i - 1] == '\\')
               && !(i >= 5 && text.substr(i - 5, 5) == "\\left")
               && !(i >= 6 && text.substr(i - 6, 6) == "\\right")) {
      out += c == '(' ? "\\left(" : "\\right)";
    } else if (mask[i] && rest.starts_with("\\frac")
               && (rest.size() == 5 || !is_alpha(rest[5]))) {
      out += "\\dfrac";
      i += 4;
    } else {
      out.push_back(c);
    }
  }
  if (out == text)
    return std::nullopt;
  return out;
}

std::optional<std::string> prefix_sentence(std::string_view text,
                                           std::size_t variant) {
  static constexpr std::array<std::string_view, 5> prefixes = {
    "Solve the following problem.", "Here is a question from a practice test.",
    "Answer the question below and show your work.",
    "Consider the following exercise carefully.",
    "Try this one on your own first."};
  return std::string{prefixes[variant % prefixes.size()]} + " "
         + std::string{text};
}

std::optional<std::string> drop_last_sentence(std::string_view text) {
  auto parts = sentences(text);
  if (parts.size() < 2)
    return std::nullopt;
  auto last = parts.back();
  auto keep = static_cast<std::size_t>(last.data() - text.data());
  while (keep > 0 && text[keep - 1] == ' ')
    --keep;
  // What remains must still be most of the problem: "Let $a$ and $b$ be
  // real numbers." left of a two-sentence problem is a fragment, not a
  // copy.
  auto words = [](std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
      n += s[i] != ' ' && (i == 0 || s[i - 1] == ' ') ? 1 : 0;
    return n;
  };
  if (2 * words(text.substr(0, keep)) < words(text))
    return std::nullopt;
  return std::string{text.substr(0, keep)};
}

} // namespace kpsynth::quality::detail
