#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kpsynth::text {

/// How the final answer was found in a solution, strongest first. Callers
/// that vote over samples may trust a `boxed` answer more than a fallback.
enum class answer_source {
  boxed,         ///< `\boxed{...}`, `\fbox{...}` or `\boxed 5`.
  hash_marker,   ///< GSM8K style `#### 42`.
  answer_phrase, ///< "The answer is ...", "Final answer: ...".
  last_number,   ///< The last number in the text, as a last resort.
};

/// Stable lower-case name of a source, for logs and records.
std::string_view to_string(answer_source source);

/// The answer text of a solution and how it was located.
struct extracted_answer {
  std::string text;     ///< The answer as written, without the box.
  answer_source source; ///< Which rule found it.
};

/// Finds the final answer of a model-written solution.
///
/// Rules, in order: the last balanced `\boxed`/`\fbox` (boxes that directly
/// precede it, separated only by commas, "and", "or", `$` or spaces, are
/// joined with ", " because models box each of several answers); the last
/// `#### x` line; the last "final answer"/"the answer is"/"answer:" phrase
/// up to the end of its line; the last number. A truncated last box (no
/// closing brace) is skipped, because a cut-off generation has no answer.
/// Returns nothing when no rule matches. Never throws.
std::optional<extracted_answer> extract_final_answer(std::string_view solution);

} // namespace kpsynth::text
