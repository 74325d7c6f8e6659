#include "decontam/ngram_text.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace kpsynth::quality {

namespace {

enum class char_class { separator, letter, digit };

bool is_ascii_letter(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char to_lower(char c) {
  return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/// Commands that only change how a formula looks, never what it says.
bool is_markup_command(std::string_view name) {
  static constexpr std::array<std::string_view, 31> names = {
    "left",      "right",       "big",      "bigl",         "bigr",
    "bigm",      "bigg",        "biggl",    "biggr",        "displaystyle",
    "textstyle", "scriptstyle", "text",     "textrm",       "textbf",
    "textit",    "textnormal",  "mathrm",   "mathbf",       "mathit",
    "mathsf",    "mbox",        "hbox",     "operatorname", "quad",
    "qquad",     "limits",      "nolimits", "middle",       "boldsymbol",
    "mathnormal"};
  return std::find(names.begin(), names.end(), name) != names.end();
}

/// Length of a typographic separator encoded in UTF-8 at `s`, or 0. Only
/// exact, well-formed sequences match, so other multi-byte text stays intact.
std::size_t unicode_separator_length(std::string_view s) {
  auto b = [&](std::size_t i) {
    return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u;
  };
  if (b(0) == 0xC2 && b(1) == 0xA0) // U+00A0 no-break space
    return 2;
  if (b(0) == 0xE2 && b(1) == 0x80) {
    unsigned c = b(2);
    // U+2000..U+200B spaces, U+2013/2014 dashes, U+2018..U+201F quotes,
    // U+202F narrow no-break space.
    if ((c >= 0x80 && c <= 0x8B) || c == 0x93 || c == 0x94
        || (c >= 0x98 && c <= 0x9F) || c == 0xAF)
      return 3;
  }
  if (b(0) == 0xE2 && b(1) == 0x88 && b(2) == 0x92) // U+2212 minus sign
    return 3;
  if (b(0) == 0xE3 && b(1) == 0x80 && b(2) == 0x80) // U+3000 ideographic
    return 3;
  return 0;
}

/// Writes words into a buffer sized in advance (`max_output`), inserting
/// one space between words; a raw cursor instead of `push_back`, because
/// this loop runs once per input byte.
class word_writer {
 public:
  explicit word_writer(char* out) : begin_(out), p_(out) {}

  /// Bytes written so far.
  std::size_t size() const { return static_cast<std::size_t>(p_ - begin_); }

  void put(char c, char_class cls) {
    if (cls != last_ && last_ != char_class::separator)
      pending_space_ = true;
    if (pending_space_ && p_ != begin_)
      *p_++ = ' ';
    pending_space_ = false;
    *p_++ = c;
    last_ = cls;
  }

  /// Continues the current word with `c` (same class as the last byte).
  void extend(char c) { *p_++ = c; }

  void put_word(std::string_view word) {
    if (p_ != begin_)
      *p_++ = ' ';
    std::memcpy(p_, word.data(), word.size());
    p_ += word.size();
    last_ = char_class::separator;
    pending_space_ = true;
  }

  /// A command word `\name`, lowercased, from its name with or without the
  /// backslash.
  void put_command(std::string_view name) {
    if (p_ != begin_)
      *p_++ = ' ';
    if (!name.starts_with('\\'))
      *p_++ = '\\';
    for (char c : name)
      *p_++ = to_lower(c);
    last_ = char_class::separator;
    pending_space_ = true;
  }

  void separate() {
    if (last_ != char_class::separator)
      pending_space_ = true;
    last_ = char_class::separator;
  }

 private:
  char* begin_;
  char* p_;
  char_class last_ = char_class::separator;
  bool pending_space_ = false;
};

/// Output bound of `normalize_text_into`: each input byte yields at most
/// itself and one space (`\frac12` -> ` \frac 1 2`, `a1` -> `a 1`).
std::size_t max_output(std::size_t input) {
  return 2 * input + 8;
}

/// `\frac12` means `\frac{1}{2}`: without braces, each of the two
/// arguments is a single character. Emits them as separate words, as the
/// braced form gives, and returns the position after them.
std::size_t split_short_arguments(std::string_view text, std::size_t i,
                                  word_writer& w) {
  for (int arg = 0; arg < 2; ++arg) {
    while (i < text.size() && text[i] == ' ')
      ++i;
    if (i == text.size())
      break;
    auto c = static_cast<unsigned char>(text[i]);
    bool digit = c >= '0' && c <= '9';
    if (!digit && !is_ascii_letter(c))
      break;
    char lower = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    w.put_word(std::string_view{&lower, 1});
    ++i;
  }
  return i;
}

} // namespace

namespace {

/// Handles the command or control symbol at `text[i]` (a backslash) and
/// returns the position after it.
std::size_t put_command_at(std::string_view text, std::size_t i,
                           word_writer& w) {
  std::size_t j = i + 1;
  while (j < text.size() && is_ascii_letter(text[j]))
    ++j;
  if (j == i + 1) { // control symbol such as \, or \{ : a separator
    w.separate();
    return std::min(text.size(), i + 2);
  }
  // Command names longer than this are kept as they are written (no
  // markup command is that long).
  constexpr std::size_t max_name = 31;
  std::array<char, max_name + 2> name_buf{};
  std::size_t len = std::min(j - i - 1, max_name);
  name_buf[0] = '\\';
  for (std::size_t k = 0; k < len; ++k)
    name_buf[k + 1] = to_lower(text[i + 1 + k]);
  std::string_view name{name_buf.data() + 1, len};
  if (name == "dfrac" || name == "tfrac")
    name = "frac";
  else if (name == "dbinom" || name == "tbinom")
    name = "binom";
  if (is_markup_command(name)) {
    w.separate();
    return j;
  }
  if (j - i - 1 > max_name)
    w.put_command(text.substr(i, j - i));
  else if (name.data() == name_buf.data() + 1)
    w.put_word({name_buf.data(), len + 1});
  else
    w.put_command(name);
  if (name == "frac" || name == "binom")
    return split_short_arguments(text, j, w);
  return j;
}

enum byte_class : std::uint8_t { lower, upper, digit, backslash, high, other };

/// Class of every byte, so that the loop below takes one table load and
/// one well-predicted branch per byte.
constexpr std::array<std::uint8_t, 256> byte_classes = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = c >= 'a' && c <= 'z'   ? lower
           : c >= 'A' && c <= 'Z' ? upper
           : c >= '0' && c <= '9' ? digit
           : c == '\\'            ? backslash
           : c >= 0x80            ? high
                                  : other;
  return t;
}();

byte_class class_of(char c) {
  return static_cast<byte_class>(byte_classes[static_cast<unsigned char>(c)]);
}

} // namespace

void normalize_text_into(std::string_view text, std::string& out) {
  out.resize(max_output(text.size()));
  word_writer w{out.data()};
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    auto c = static_cast<unsigned char>(text[i]);
    switch (class_of(text[i])) {
    case lower:
    case upper:
      w.put(to_lower(static_cast<char>(c)), char_class::letter);
      // The rest of a run of letters continues the word as it is.
      for (++i; i < n && class_of(text[i]) <= upper; ++i)
        w.extend(to_lower(text[i]));
      continue;
    case digit:
      w.put(static_cast<char>(c), char_class::digit);
      for (++i; i < n && class_of(text[i]) == digit; ++i)
        w.extend(text[i]);
      continue;
    case backslash:
      i = put_command_at(text, i, w);
      continue;
    case high:
      if (auto len = unicode_separator_length(text.substr(i)); len > 0) {
        w.separate();
        i += len;
        continue;
      }
      w.put(static_cast<char>(c), char_class::letter);
      break;
    case other:
      if ((c == '^' || c == '_') && i + 1 < n
          && class_of(text[i + 1]) == digit) {
        // An unbraced script is one character: `3^65` is 3^6 5, as
        // `3^{6}5`.
        w.put_word(text.substr(i + 1, 1));
        ++i;
      } else {
        w.separate();
      }
      break;
    }
    ++i;
  }
  out.resize(w.size());
}

std::string normalize_text(std::string_view text) {
  std::string out;
  normalize_text_into(text, out);
  return out;
}

std::vector<std::string_view> split_words(std::string_view normalized) {
  std::vector<std::string_view> words;
  std::size_t start = 0;
  while (start < normalized.size()) {
    auto end = normalized.find(' ', start);
    if (end == std::string_view::npos)
      end = normalized.size();
    if (end > start)
      words.push_back(normalized.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

std::uint64_t hash_bytes(const void* data, std::size_t size,
                         std::uint64_t seed) {
  return XXH3_64bits_withSeed(data, size, seed);
}

void append_word_hashes(std::string_view normalized,
                        std::vector<std::uint64_t>& out) {
  const char* p = normalized.data();
  const char* end = p + normalized.size();
  while (p < end) {
    const char* space = static_cast<const char*>(
      std::memchr(p, ' ', static_cast<std::size_t>(end - p)));
    const char* word_end = space != nullptr ? space : end;
    if (word_end > p)
      out.push_back(XXH3_64bits(p, static_cast<std::size_t>(word_end - p)));
    p = word_end + 1;
  }
}

namespace {

/// Base of the polynomial window hash: an odd constant with mixed bits.
constexpr std::uint64_t window_base = 0x9E3779B97F4A7C15ULL;

/// Powers of `window_base` up to `word_windows::max_length`.
const std::array<std::uint64_t, word_windows::max_length + 1>& base_powers() {
  static const auto powers = [] {
    std::array<std::uint64_t, word_windows::max_length + 1> p{};
    p[0] = 1;
    for (std::size_t i = 1; i < p.size(); ++i)
      p[i] = p[i - 1] * window_base;
    return p;
  }();
  return powers;
}

} // namespace

std::uint64_t fmix64(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDULL;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ULL;
  x ^= x >> 33;
  return x;
}

void word_windows::assign(std::span<const std::uint64_t> words) {
  prefix_.resize(words.size() + 1);
  prefix_[0] = 0;
  for (std::size_t i = 0; i < words.size(); ++i)
    prefix_[i + 1] = prefix_[i] * window_base + words[i];
}

std::uint64_t word_windows::window(std::size_t first,
                                   std::size_t length) const {
  auto raw = prefix_[first + length] - prefix_[first] * base_powers()[length];
  // The length enters the hash, so that a window never equals a window of
  // another length; the finaliser turns the linear sum into a well-mixed
  // key for open addressing.
  return fmix64(raw + length * 0xD6E8FEB86659FD93ULL);
}

std::size_t word_windows::gram_length(std::size_t n) const {
  return std::min(std::min(n, size()), max_length);
}

std::vector<std::uint64_t> word_ngram_hashes(std::string_view normalized,
                                             std::size_t n) {
  std::vector<std::uint64_t> words;
  append_word_hashes(normalized, words);
  word_windows windows;
  windows.assign(words);
  std::vector<std::uint64_t> grams;
  append_grams(windows, n, grams);
  return grams;
}

void append_grams(const word_windows& windows, std::size_t n,
                  std::vector<std::uint64_t>& out) {
  if (windows.size() == 0 || n == 0)
    return;
  auto len = windows.gram_length(n);
  for (std::size_t i = 0; i + len <= windows.size(); ++i)
    out.push_back(windows.window(i, len));
}

} // namespace kpsynth::quality
