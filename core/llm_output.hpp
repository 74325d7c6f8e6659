#pragma once

// Parsers for the output formats that the prompt pack asks of a model (see
// prompts/math/*.txt, "### Response format"). Real models wrap answers in
// markdown, add preambles, think aloud first or number with "1)" instead of
// "1.": the parsers tolerate such noise but are strict about content, so a
// missing verdict or an out-of-range index is an error and never a guess.
// Every error names the prompt kind in `where`, e.g.
// "kp_extract: no numbered knowledge points found [bad_output]".

#include "core/result.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::core {

/// Limits for knowledge-point lists.
struct kp_list_limits {
  size_t max_points = 10; ///< Keep at most this many (first ones win).
  size_t max_chars = 160; ///< Longer lines are explanations, not KPs: dropped.
  size_t min_chars = 3;   ///< Shorter lines carry no concept: dropped.
};

/// kp_extract: numbered lines "1. <kp>" (or "1)", "**1.**", "- "-bullets when
/// no line is numbered). Trims markdown and trailing punctuation, drops
/// empty and overlong entries, removes case-insensitive duplicates and caps
/// the list. Fails if nothing usable remains.
result<std::vector<std::string>> parse_kp_list(std::string_view text,
                                               kp_list_limits limits = {});

/// One line of a kp_quality answer.
struct kp_quality_item {
  bool keep = true;
  std::string reason; ///< Why it was dropped; empty when kept.
};

/// kp_quality: lines "<i>: KEEP" or "<i>: DROP - <reason>" for i in
/// 1..expected_count. Fails if a verdict is missing, conflicting or refers to
/// an index outside the batch.
result<std::vector<kp_quality_item>>
parse_kp_quality_items(std::string_view text, size_t expected_count);

/// parse_kp_quality_items reduced to keep flags.
result<std::vector<bool>> parse_kp_quality(std::string_view text,
                                           size_t expected_count);

/// kp_synonym and same_problem: SAME (true) or DIFFERENT (false). The last
/// line naming exactly one of the two decides; `kind` names the prompt in
/// errors.
result<bool> parse_same_or_different(std::string_view text,
                                     std::string_view kind = "kp_synonym");

/// kp_representative: "Representative: <i>" with 1 <= i <= group_size.
/// Returns the zero-based index.
result<size_t> parse_representative(std::string_view text, size_t group_size);

/// Bounds for generated problems.
struct problem_limits {
  size_t min_chars = 15;
  size_t max_chars = 4000;
};

/// generate: the text after "Problem:" up to a "Solution:"/"Answer:" section
/// if the model added one anyway.
result<std::string> parse_generated_problem(std::string_view text,
                                            problem_limits limits = {});

/// A difficulty rating.
enum class difficulty_level { easy, medium, hard };

/// "easy", "medium" or "hard".
const char* to_string(difficulty_level x);

/// difficulty: "Difficulty: easy|medium|hard" (also simple/moderate/
/// difficult...), or a number on a 1-5 scale (1-2 easy, 3 medium, 4-5 hard)
/// or, when written "n/10", "out of 10" or above 5, a 1-10 scale (1-3 easy,
/// 4-6 medium, 7-10 hard).
result<difficulty_level> parse_difficulty(std::string_view text);

/// A solution and its final answer.
struct parsed_solution {
  std::string text;   ///< The solution without any <think> block.
  std::string answer; ///< Content of the last \boxed{} or \fbox{}.
};

/// solve: the final answer is the content of the last complete \boxed{...}
/// or \fbox{...} (nested braces allowed); without one, "The (final) answer
/// is X" or "Final answer: X". Fails on an empty or unterminated box.
result<parsed_solution> parse_solution(std::string_view text);

/// Extracts the content of the last complete \boxed{} or \fbox{} in `text`;
/// empty if there is none.
std::string last_boxed(std::string_view text);

/// A judge's problem score.
struct parsed_score {
  double value = 0;     ///< In [0, 1].
  bool clamped = false; ///< The model wrote a value outside the scale.
  std::string note;     ///< What was clamped, for the record.
};

/// judge_problem: the last "Score: <x>" line, where x is a number in [0, 1],
/// a percentage ("85%") or a fraction of 10 or 100 ("8.5/10"). Values
/// outside the scale are clamped and reported in `clamped`/`note`.
result<parsed_score> parse_score(std::string_view text);

/// judge_solution and program_judge: the last "Verdict: <v>" line with v one
/// of True/False, Yes/No, Correct/Incorrect (also "Not correct"); without a
/// labelled line, a last line that consists of such a word.
result<bool> parse_verdict(std::string_view text,
                           std::string_view kind = "judge_solution");

/// program: the last ```python (or ```py / bare ```) fenced block, or the
/// whole text when it is clearly code. Fails if there is no code, the fence
/// is unterminated (truncated output) or the code never prints.
result<std::string> parse_program(std::string_view text);

/// Removes <think>...</think> blocks that reasoning models put before their
/// answer. An unterminated block (truncated output) leaves the text as is.
std::string strip_think(std::string_view text);

} // namespace kpsynth::core
