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
  word_swap,         ///< Two pairs of neighbouring prose words swapped.
  word_substitution, ///< About one prose word in ten replaced (1 to 3).
  number_change,     ///< Every number altered (last digit shifted).
  latex_reformat,    ///< `$..$` -> `\(..\)`, `\frac` -> `\dfrac`,
                     ///< `\left(`/`\right)`, spaced operators, re-spaced
                     ///< sentences.
  sentence_reorder,  ///< First sentence moved to the end.
  combined,          ///< number_change + word_substitution + latex_reformat.
};

inline constexpr std::array<probe_edit, 7> all_probe_edits = {
  probe_edit::exact,
  probe_edit::word_swap,
  probe_edit::word_substitution,
  probe_edit::number_change,
  probe_edit::latex_reformat,
  probe_edit::sentence_reorder,
  probe_edit::combined};

/// Short name for reports, e.g. "number_change".
std::string_view probe_edit_name(probe_edit edit);

/// Applies `edit`; `variant` (e.g. the item's index) varies which words are
/// touched so that a probe set does not always edit the same positions.
/// Returns nullopt when the edit cannot change this text (no numbers, one
/// sentence, too few prose words).
std::optional<std::string>
apply_probe_edit(probe_edit edit, std::string_view text, std::size_t variant);

} // namespace kpsynth::quality
