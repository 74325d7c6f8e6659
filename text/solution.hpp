#pragma once

#include "text/extract.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace kpsynth::text {

/// Undoes one level of JSON-style escaping (`\\frac` to `\frac`, a literal
/// `\n` to a newline, `\"` to `"`) when the text carries it throughout, as
/// answers copied from JSON dumps and test files do. The text counts as
/// double-escaped when it has a `\\name` command and no single-backslash
/// command other than the escapes `\n`, `\t`, `\r`, `\u`; ordinary LaTeX
/// (which may hold `\\` row separators) is returned unchanged.
std::string undo_double_escaping(std::string_view text);

/// True when `text` reads as a whole solution rather than a bare answer: it
/// has a line break, a `<think>` block, a `\boxed{}` that is not the whole
/// text, a `####` marker, an answer phrase ("the answer is", "answer:"),
/// or is a sentence (three or more words ending in a full stop).
bool looks_like_solution(std::string_view text);

/// The answer that equivalent() compares for one input.
struct comparable_answer {
  std::string text;                    ///< The bare answer.
  std::optional<answer_source> source; ///< Set when extracted.
  /// The input read as a whole solution; with no `source`, it states no
  /// answer that could be found.
  bool solution = false;
};

/// Undoes double escaping, then, for a whole solution, drops `<think>`
/// reasoning (the answer follows the last `</think>`; the reasoning is only
/// searched when nothing follows it) and extracts the final answer with
/// extract_final_answer(). A number found as a last resort keeps the word
/// after it ("5 apples"), so that prose nouns still tell answers apart; a
/// last number inside LaTeX (`\frac{3}{2}`, `x^2`) is no answer. Input that
/// is not a solution is returned as given; a solution without an answer
/// comes back with `solution` set and no text. Linear in the input; never
/// throws except std::bad_alloc.
comparable_answer answer_for_comparison(std::string_view input);

} // namespace kpsynth::text
