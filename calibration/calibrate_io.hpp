#pragma once

// Files of `kpsynth panel calibrate`: the labelled set
// (`{"id", "problem", "solution", "label"}` per line) and judge votes
// (`{"id", "judge", "problem_score", "solution_ok"}` per line, optionally
// `"abstained": true`, which is skipped). Errors name `file:line` and the
// field. Votes can also be exported from a run's items.jsonl, so that a
// real panel's verdicts can be calibrated against labels from elsewhere.

#include "calibration/calibrate.hpp"
#include "core/result.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::quality {

/// Reads a labelled set. A duplicate id is reported by
/// build_calibration_set, which sees both places.
result<std::vector<labelled_item>>
load_labelled_items(const std::filesystem::path& file);

/// Parses one labelled-set line; `where` is "<file>:<line>".
result<labelled_item> parse_labelled_item(std::string_view line,
                                          std::string_view where);

/// Reads judge votes; abstentions are skipped.
result<std::vector<judge_vote>> load_votes(const std::filesystem::path& file);

/// Parses one vote line; nullopt for an abstention.
result<std::optional<judge_vote>> parse_vote(std::string_view line,
                                             std::string_view where);

/// The non-abstained verdicts in `<run_dir>/items.jsonl`, as votes.
result<std::vector<judge_vote>>
votes_from_run(const std::filesystem::path& run_dir);

/// One JSON line (with newline) per item / vote, in the formats above.
std::string to_jsonl(const std::vector<labelled_item>& items);
std::string to_jsonl(const std::vector<judge_vote>& votes);

} // namespace kpsynth::quality
