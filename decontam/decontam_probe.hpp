#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kpsynth::quality {

/// Light, deterministic edits of a benchmark problem, the kind that leaks a
/// test item into synthetic data while defeating exact matching. Used to
/// measure and tune decontamination recall (bench/decontam.cpp) and in
/// tests. Word edits touch prose only, never text inside `$...$`.
enum class probe_edit {
  exact,             ///< Unchanged copy.
  whitespace,        ///< Spaces become runs, newlines or tabs.
  latex_spacing,     ///< `\,` `\;` `\!` and spaces around operators,
                     ///< `x^2` -> `x^{2}`.
  delimiters,        ///< `$..$` -> `\(..\)`, `$$..$$` -> `\[..\]`,
                     ///< `(` -> `\left(`, `\frac` -> `\dfrac`.
  prefixed_sentence, ///< A sentence such as "Solve the following problem."
                     ///< put in front.
  dropped_sentence,  ///< The last sentence removed, when at least half of
                     ///< the words remain.
  sentence_reorder,  ///< First sentence moved to the end.
  latex_reformat,    ///< delimiters + operator spacing + re-spaced
                     ///< sentences.
  word_swap,         ///< Two pairs of neighbouring prose words swapped.
  word_substitution, ///< About one prose word in ten replaced (1 to 3).
  number_change,     ///< Every number altered (last digit shifted).
  combined,          ///< number_change + word_substitution + latex_reformat.
};

inline constexpr std::array<probe_edit, 12> all_probe_edits = {
  probe_edit::exact,
  probe_edit::whitespace,
  probe_edit::latex_spacing,
  probe_edit::delimiters,
  probe_edit::prefixed_sentence,
  probe_edit::dropped_sentence,
  probe_edit::sentence_reorder,
  probe_edit::latex_reformat,
  probe_edit::word_swap,
  probe_edit::word_substitution,
  probe_edit::number_change,
  probe_edit::combined};

/// Whether an edit only changes the form of a problem (whitespace, LaTeX,
/// a sentence added, dropped or moved), so that the copy is still the test
/// problem and must be flagged. Word and number changes make a sibling
/// problem that may be a template relative: flagging those is a trade-off
/// against false positives, not a requirement.
constexpr bool is_light_edit(probe_edit edit) {
  return edit <= probe_edit::latex_reformat;
}

/// Short name for reports, e.g. "number_change".
std::string_view probe_edit_name(probe_edit edit);

/// Applies `edit`; `variant` (e.g. the item's index) varies which words are
/// touched so that a probe set does not always edit the same positions.
/// Returns nullopt when the edit cannot change this text (no numbers, one
/// sentence, too few prose words).
std::optional<std::string>
apply_probe_edit(probe_edit edit, std::string_view text, std::size_t variant);

} // namespace kpsynth::quality
