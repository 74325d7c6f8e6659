#pragma once

#include <cctype>
#include <string>
#include <string_view>

/// Character helpers shared by the extraction, normalisation and parsing
/// code. They take `char` and go through `unsigned char`, because the
/// <cctype> functions are undefined for negative values and answers carry
/// UTF-8 bytes.
namespace kpsynth::text::scan {

inline bool is_alpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}

inline bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

inline bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

inline char to_lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

inline std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = to_lower(c);
  return out;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

/// Finds the end of the brace group that opens at `open` (which must hold
/// '{'), skipping escaped characters such as `\{`. Returns the offset one
/// past the closing brace, or npos when the group never closes. Iterative,
/// so deep nesting cannot overflow the stack.
inline std::size_t match_group(std::string_view s, std::size_t open) {
  std::size_t depth = 0;
  for (std::size_t i = open; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '{') {
      ++depth;
    } else if (c == '}') {
      if (depth == 0 || --depth == 0)
        return i + 1;
    }
  }
  return std::string_view::npos;
}

/// Length of the LaTeX command name that starts after the backslash at
/// `backslash`: a run of letters, or one non-letter character (`\{`, `\,`).
inline std::size_t command_length(std::string_view s, std::size_t backslash) {
  std::size_t i = backslash + 1;
  if (i >= s.size())
    return 0;
  if (!is_alpha(s[i]))
    return 1;
  while (i < s.size() && is_alpha(s[i]))
    ++i;
  return i - backslash - 1;
}

/// Length of the UTF-8 sequence that starts at `i` (1 for ASCII and for
/// a byte that cannot start a sequence; never past the end of `s`).
inline std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto lead = static_cast<unsigned char>(s[i]);
  std::size_t n = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  std::size_t len = 1;
  while (len < n && i + len < s.size()
         && (static_cast<unsigned char>(s[i + len]) & 0xc0) == 0x80)
    ++len;
  return len;
}

/// `s` with every byte that is not part of a well-formed UTF-8 sequence
/// replaced by U+FFFD, so that messages quoting input stay valid UTF-8.
inline std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto lead = static_cast<unsigned char>(s[i]);
    std::size_t want = lead < 0x80                     ? 1
                       : (lead >= 0xc2 && lead < 0xe0) ? 2
                       : (lead >= 0xe0 && lead < 0xf0) ? 3
                       : (lead >= 0xf0 && lead < 0xf5) ? 4
                                                       : 0;
    bool ok = want > 0 && utf8_length(s, i) == want;
    if (ok && want == 3) {
      auto second = static_cast<unsigned char>(s[i + 1]);
      ok =
        !(lead == 0xe0 && second < 0xa0) && !(lead == 0xed && second >= 0xa0);
    } else if (ok && want == 4) {
      auto second = static_cast<unsigned char>(s[i + 1]);
      ok =
        !(lead == 0xf0 && second < 0x90) && !(lead == 0xf4 && second >= 0x90);
    }
    if (ok) {
      out.append(s.substr(i, want));
      i += want;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

} // namespace kpsynth::text::scan
