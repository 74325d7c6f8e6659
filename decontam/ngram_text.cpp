#include "decontam/ngram_text.hpp"

#include <algorithm>
#include <array>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace kpsynth::quality {

namespace {

enum class char_class { separator, letter, digit };

bool is_ascii_letter(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
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

/// Appends words to `out`, inserting one space between words.
class word_writer {
 public:
  explicit word_writer(std::string& out) : out_(out) {}

  void put(char c, char_class cls) {
    if (cls != last_ && last_ != char_class::separator)
      pending_space_ = true;
    if (pending_space_ && !out_.empty())
      out_.push_back(' ');
    pending_space_ = false;
    out_.push_back(c);
    last_ = cls;
  }

  void put_word(std::string_view word) {
    if (!out_.empty())
      out_.push_back(' ');
    out_.append(word);
    last_ = char_class::separator;
    pending_space_ = true;
  }

  void separate() {
    if (last_ != char_class::separator)
      pending_space_ = true;
    last_ = char_class::separator;
  }

 private:
  std::string& out_;
  char_class last_ = char_class::separator;
  bool pending_space_ = false;
};

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

std::string normalize_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  word_writer w{out};
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      std::size_t j = i + 1;
      while (j < text.size() && is_ascii_letter(text[j]))
        ++j;
      if (j == i + 1) { // control symbol such as \, or \{ : a separator
        w.separate();
        i = std::min(text.size(), i + 2);
        continue;
      }
      std::string name{text.substr(i + 1, j - i - 1)};
      for (auto& ch : name)
        ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
      if (name == "dfrac" || name == "tfrac")
        name = "frac";
      if (name == "dbinom" || name == "tbinom")
        name = "binom";
      if (is_markup_command(name)) {
        w.separate();
        i = j;
        continue;
      }
      name.insert(name.begin(), '\\');
      w.put_word(name);
      i = j;
      if (name == "\\frac" || name == "\\binom")
        i = split_short_arguments(text, i, w);
      continue;
    }
    if (c >= 0x80) {
      if (auto len = unicode_separator_length(text.substr(i)); len > 0) {
        w.separate();
        i += len;
        continue;
      }
      w.put(static_cast<char>(c), char_class::letter);
    } else if (is_ascii_letter(c)) {
      w.put(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c),
            char_class::letter);
    } else if (c >= '0' && c <= '9') {
      w.put(static_cast<char>(c), char_class::digit);
    } else {
      w.separate();
    }
    ++i;
  }
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

std::vector<std::uint64_t> word_ngram_hashes(std::string_view normalized,
                                             std::size_t n) {
  std::vector<std::uint64_t> word_hashes;
  for (auto word : split_words(normalized))
    word_hashes.push_back(hash_bytes(word.data(), word.size()));
  std::vector<std::uint64_t> grams;
  if (word_hashes.empty() || n == 0)
    return grams;
  auto gram_bytes = [&](std::size_t first, std::size_t count) {
    return hash_bytes(word_hashes.data() + first, count * sizeof(std::uint64_t),
                      0x6e6772616d73ULL);
  };
  if (word_hashes.size() < n) {
    grams.push_back(gram_bytes(0, word_hashes.size()));
    return grams;
  }
  grams.reserve(word_hashes.size() - n + 1);
  for (std::size_t i = 0; i + n <= word_hashes.size(); ++i)
    grams.push_back(gram_bytes(i, n));
  return grams;
}

} // namespace kpsynth::quality
