#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::quality {

/// Canonical form of a problem text for contamination matching.
///
/// Two copies of one problem often differ only in typesetting: `$x$` versus
/// `\(x\)`, `\dfrac` versus `\frac`, `\left(` versus `(`, thin spaces, brace
/// grouping, curly quotes, `3x` versus `3 x`. None of that changes what the
/// problem asks, so it must not hide a leak. The rules, applied in one pass:
///
/// - ASCII letters are lowercased; digits are kept.
/// - A LaTeX command `\name` becomes the token `\name` (lowercased);
///   `\dfrac`/`\tfrac` become `\frac`; markup-only commands (`\left`,
///   `\right`, `\big...`, `\displaystyle`, `\text`, `\mathrm`, `\mbox`,
///   `\operatorname`, `\quad`, ...) are dropped, their arguments stay.
/// - Control symbols (`\!`, `\,`, `\;`, `\(`, `\[`, `\{`, `\\`, ...) and every
///   other ASCII punctuation character (`$`, braces, `^`, `_`, `.`, `,`, ...)
///   separate words and are dropped, as lm-evaluation-harness does.
/// - A word breaks where letters meet digits (`3x` -> `3 x`), so spacing
///   inside formulas does not matter; an unbraced script is one character
///   (`x^23` -> `x 2 3`, as `x^{2}3`).
/// - Bytes >= 0x80 are kept as word bytes (Unicode-safe: UTF-8 sequences are
///   never split), except a few typographic separators (no-break and other
///   Unicode spaces, curly quotes, en/em dash, U+2212 minus), which separate.
/// - Whitespace collapses to single spaces; no leading or trailing space.
std::string normalize_text(std::string_view text);

/// Same, into `out` (its content replaced, its capacity reused), so that a
/// caller checking many texts does not allocate per text.
void normalize_text_into(std::string_view text, std::string& out);

/// Splits a normalised text into its words (views into `normalized`).
std::vector<std::string_view> split_words(std::string_view normalized);

/// 64-bit hash of a byte range (XXH3). Stable across runs and machines, so
/// signatures and n-gram hashes can be compared between processes.
std::uint64_t hash_bytes(const void* data, std::size_t size,
                         std::uint64_t seed = 0);

/// murmur3's 64-bit finaliser: a bijection that spreads every input bit,
/// for turning structured values (packed bytes, linear sums) into keys.
std::uint64_t fmix64(std::uint64_t x);

/// Appends the hashes (XXH3) of the words of a normalised text to `out`.
void append_word_hashes(std::string_view normalized,
                        std::vector<std::uint64_t>& out);

/// Hashes of word windows (runs of consecutive words) of one text.
///
/// Keeps the prefix sums P[i] = sum_{t<i} w_t B^(i-1-t) (mod 2^64) of the
/// word hashes w, so that the window of `length` words at `first` is
/// P[first+length] - P[first] B^length: one multiply-add for any window,
/// instead of rehashing `length` words per n-gram. Windows of different
/// lengths hash differently. Stable across runs and machines.
class word_windows {
 public:
  /// Longest window (and longest n-gram) supported.
  static constexpr std::size_t max_length = 64;

  /// Rebuilds the prefix sums for the word hashes `words`.
  void assign(std::span<const std::uint64_t> words);

  /// Number of words.
  std::size_t size() const { return prefix_.empty() ? 0 : prefix_.size() - 1; }

  /// Hash of words [first, first + length); length <= max_length and
  /// first + length <= size().
  std::uint64_t window(std::size_t first, std::size_t length) const;

  /// The gram length used for n-grams of this text: n, or all its words
  /// when it has fewer than n (capped at max_length).
  std::size_t gram_length(std::size_t n) const;

 private:
  std::vector<std::uint64_t> prefix_;
};

/// Appends the n-gram hashes of a text, in order: one per window of
/// `gram_length(n)` words. A text with fewer than `n` words (but at least
/// one) yields one gram, the hash of all its words, so that short benchmark
/// items such as "Compute 7!" still match exact copies.
void append_grams(const word_windows& windows, std::size_t n,
                  std::vector<std::uint64_t>& out);

/// Hashes of all word n-grams of a normalised text (see `append_grams`).
std::vector<std::uint64_t> word_ngram_hashes(std::string_view normalized,
                                             std::size_t n);

} // namespace kpsynth::quality
