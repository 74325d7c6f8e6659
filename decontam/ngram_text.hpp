#pragma once

#include <cstddef>
#include <cstdint>
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
///   inside formulas does not matter.
/// - Bytes >= 0x80 are kept as word bytes (Unicode-safe: UTF-8 sequences are
///   never split), except a few typographic separators (no-break and other
///   Unicode spaces, curly quotes, en/em dash, U+2212 minus), which separate.
/// - Whitespace collapses to single spaces; no leading or trailing space.
std::string normalize_text(std::string_view text);

/// Splits a normalised text into its words (views into `normalized`).
std::vector<std::string_view> split_words(std::string_view normalized);

/// 64-bit hash of a byte range (XXH3). Stable across runs and machines, so
/// signatures and n-gram hashes can be compared between processes.
std::uint64_t hash_bytes(const void* data, std::size_t size,
                         std::uint64_t seed = 0);

/// Hashes of all word n-grams of a normalised text, in order.
///
/// A text with fewer than `n` words (but at least one) yields one gram: the
/// hash of all its words, so that short benchmark items such as
/// "Compute 7!" still match exact copies. An empty text yields none.
std::vector<std::uint64_t> word_ngram_hashes(std::string_view normalized,
                                             std::size_t n);

} // namespace kpsynth::quality
