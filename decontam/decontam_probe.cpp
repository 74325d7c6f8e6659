#include "decontam/decontam_probe.hpp"

#include "decontam/decontam_probe_detail.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>
#include <vector>

namespace kpsynth::quality {

namespace detail {

std::vector<bool> math_mask(std::string_view text) {
  std::vector<bool> mask(text.size(), false);
  bool in_math = false;
  std::string_view closer;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto rest = text.substr(i);
    if (!in_math) {
      for (std::string_view open : {"$$", "$", "\\(", "\\[", "[asy]"}) {
        if (rest.starts_with(open)) {
          in_math = true;
          closer = open == "\\("     ? "\\)"
                   : open == "\\["   ? "\\]"
                   : open == "[asy]" ? "[/asy]"
                                     : open;
          for (std::size_t k = 0; k < open.size(); ++k)
            mask[i + k] = true;
          i += open.size() - 1;
          break;
        }
      }
      continue;
    }
    mask[i] = true;
    if (rest.starts_with("\\$") || rest.starts_with("\\\\")) {
      mask[i + 1] = true;
      ++i;
    } else if (rest.starts_with(closer)) {
      for (std::size_t k = 0; k < closer.size(); ++k)
        mask[i + k] = true;
      i += closer.size() - 1;
      in_math = false;
    }
  }
  return mask;
}

} // namespace detail

namespace {

using detail::math_mask;

using span = std::pair<std::size_t, std::size_t>; // [first, last)

bool is_alpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// ASCII words of three or more letters outside math and not part of a
/// command.
std::vector<span> prose_words(std::string_view text) {
  auto mask = math_mask(text);
  std::vector<span> words;
  std::size_t i = 0;
  while (i < text.size()) {
    if (mask[i] || !is_alpha(text[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && !mask[j] && is_alpha(text[j]))
      ++j;
    bool command = i > 0 && text[i - 1] == '\\';
    if (j - i >= 3 && !command)
      words.emplace_back(i, j);
    i = j;
  }
  return words;
}

std::string replace_spans(std::string_view text,
                          std::vector<std::pair<span, std::string>> edits) {
  std::sort(edits.begin(), edits.end());
  std::string out;
  std::size_t at = 0;
  for (const auto& [where, with] : edits) {
    out.append(text.substr(at, where.first - at));
    out.append(with);
    at = where.second;
  }
  out.append(text.substr(at));
  return out;
}

std::optional<std::string> swap_words(std::string_view text,
                                      std::size_t variant) {
  auto words = prose_words(text);
  if (words.size() < 4)
    return std::nullopt;
  std::size_t pairs = words.size() - 1;
  std::size_t k1 = variant % pairs;
  std::size_t k2 = (k1 + words.size() / 2) % pairs;
  std::vector<std::pair<span, std::string>> edits;
  auto swap_at = [&](std::size_t k) {
    auto a = words[k], b = words[k + 1];
    edits.push_back({a, std::string{text.substr(b.first, b.second - b.first)}});
    edits.push_back({b, std::string{text.substr(a.first, a.second - a.first)}});
  };
  swap_at(k1);
  if (k2 + 1 < k1 || k2 > k1 + 1)
    swap_at(k2);
  return replace_spans(text, std::move(edits));
}

std::optional<std::string> substitute_words(std::string_view text,
                                            std::size_t variant) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12>
    synonyms = {{{"find", "determine"},
                 {"compute", "calculate"},
                 {"what", "which"},
                 {"number", "quantity"},
                 {"many", "several"},
                 {"sum", "total"},
                 {"each", "every"},
                 {"positive", "nonnegative"},
                 {"largest", "greatest"},
                 {"smallest", "least"},
                 {"value", "amount"},
                 {"how", "tell how"}}};
  static constexpr std::array<std::string_view, 5> fillers = {
    "certain", "given", "stated", "particular", "chosen"};
  auto words = prose_words(text);
  if (words.empty())
    return std::nullopt;
  std::size_t m = words.size();
  std::size_t count = std::clamp<std::size_t>((m + 9) / 10, 1, 3);
  std::vector<std::pair<span, std::string>> edits;
  for (std::size_t j = 0; j < count; ++j) {
    auto w = words[(variant + j * m / count) % m];
    std::string word{text.substr(w.first, w.second - w.first)};
    std::string lower = word;
    for (auto& c : lower)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string with{fillers[(variant + j) % fillers.size()]};
    for (const auto& [from, to] : synonyms)
      if (lower == from)
        with = std::string{to};
    if (std::isupper(static_cast<unsigned char>(word[0])))
      with[0] =
        static_cast<char>(std::toupper(static_cast<unsigned char>(with[0])));
    edits.push_back({w, with});
  }
  return replace_spans(text, std::move(edits));
}

std::optional<std::string> change_numbers(std::string_view text,
                                          std::size_t variant) {
  std::string out{text};
  bool changed = false;
  int shift = 1 + static_cast<int>(variant % 8);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!is_digit(out[i]) || (i + 1 < out.size() && is_digit(out[i + 1])))
      continue; // only the last digit of each number
    out[i] = static_cast<char>('0' + (out[i] - '0' + shift) % 10);
    changed = true;
  }
  if (!changed)
    return std::nullopt;
  return out;
}

/// Length of a leading `\left` or `\right` (not `\leftarrow`), or 0.
std::size_t delimiter_command_length(std::string_view s) {
  for (std::string_view cmd : {"\\left", "\\right"})
    if (s.starts_with(cmd)
        && (s.size() == cmd.size() || !is_alpha(s[cmd.size()])))
      return cmd.size();
  return 0;
}

std::optional<std::string> reformat_latex(std::string_view text) {
  auto mask = math_mask(text);
  std::string out;
  bool open_inline = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto rest = text.substr(i);
    if (c == '$' && (i == 0 || text[i - 1] != '\\')) {
      if (rest.starts_with("$$")) {
        out += open_inline ? "\\]" : "\\[";
        ++i;
      } else {
        out += open_inline ? "\\)" : "\\(";
      }
      open_inline = !open_inline;
      continue;
    }
    if (!mask[i]) {
      if (c == ' ' && i > 0 && (text[i - 1] == '.' || text[i - 1] == '?'))
        out += "\n ";
      else
        out.push_back(c);
      continue;
    }
    if (rest.starts_with("\\frac")
        && (rest.size() == 5 || !is_alpha(rest[5]))) {
      out += "\\dfrac";
      i += 4;
    } else if (auto len = delimiter_command_length(rest); len > 0) {
      out += rest.substr(0, std::min(rest.size(), len + 1)); // keep delimiter
      i += len;
    } else if (c == '(') {
      out += "\\left(";
    } else if (c == ')') {
      out += "\\right)";
    } else if (c == '=' || c == '+' || c == '<' || c == '>') {
      out += ' ';
      out += c;
      out += ' ';
    } else if (c == ',') {
      out += ", ";
    } else {
      out.push_back(c);
    }
  }
  if (out == text)
    return std::nullopt;
  return out;
}

std::optional<std::string> reorder_sentences(std::string_view text) {
  auto parts = detail::sentences(text);
  if (parts.size() < 2)
    return std::nullopt;
  std::string out;
  for (std::size_t k = 1; k <= parts.size(); ++k) {
    if (!out.empty())
      out += ' ';
    out += parts[k % parts.size()];
  }
  return out;
}

} // namespace

std::string_view probe_edit_name(probe_edit edit) {
  switch (edit) {
  case probe_edit::exact:
    return "exact";
  case probe_edit::whitespace:
    return "whitespace";
  case probe_edit::latex_spacing:
    return "latex_spacing";
  case probe_edit::delimiters:
    return "delimiters";
  case probe_edit::prefixed_sentence:
    return "prefixed_sentence";
  case probe_edit::dropped_sentence:
    return "dropped_sentence";
  case probe_edit::word_swap:
    return "word_swap";
  case probe_edit::word_substitution:
    return "word_substitution";
  case probe_edit::number_change:
    return "number_change";
  case probe_edit::latex_reformat:
    return "latex_reformat";
  case probe_edit::sentence_reorder:
    return "sentence_reorder";
  case probe_edit::combined:
    return "combined";
  }
  return "unknown";
}

std::optional<std::string>
apply_probe_edit(probe_edit edit, std::string_view text, std::size_t variant) {
  switch (edit) {
  case probe_edit::exact:
    return std::string{text};
  case probe_edit::whitespace:
    return detail::vary_whitespace(text, variant);
  case probe_edit::latex_spacing:
    return detail::respace_latex(text, variant);
  case probe_edit::delimiters:
    return detail::change_delimiters(text);
  case probe_edit::prefixed_sentence:
    return detail::prefix_sentence(text, variant);
  case probe_edit::dropped_sentence:
    return detail::drop_last_sentence(text);
  case probe_edit::word_swap:
    return swap_words(text, variant);
  case probe_edit::word_substitution:
    return substitute_words(text, variant);
  case probe_edit::number_change:
    return change_numbers(text, variant);
  case probe_edit::latex_reformat:
    return reformat_latex(text);
  case probe_edit::sentence_reorder:
    return reorder_sentences(text);
  case probe_edit::combined: {
    std::string current{text};
    bool changed = false;
    if (auto n = change_numbers(current, variant)) {
      current = std::move(*n);
      changed = true;
    }
    if (auto w = substitute_words(current, variant)) {
      current = std::move(*w);
      changed = true;
    }
    if (auto l = reformat_latex(current)) {
      current = std::move(*l);
      changed = true;
    }
    if (!changed)
      return std::nullopt;
    return current;
  }
  }
  return std::nullopt;
}

} // namespace kpsynth::quality
