#pragma once

// Reading back what earlier runs of the same job wrote to the output
// directory: the output files are the checkpoint, so this is where a restart
// learns which items and seeds are done, recounts their outcomes for the
// summary, and repairs a torn last line left by a crash. It sits beside the
// record encoding because both own the output formats.

#include "core/result.hpp"
#include "protocols/messages.hpp"

#include <filesystem>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace kpsynth {

/// What the output directory already holds.
struct resume_state {
  std::unordered_set<std::string> item_ids;
  std::unordered_set<std::string> seed_ids;
  /// The knowledge-point journal: seed id -> extracted list.
  std::unordered_map<std::string, kp_list> journal;
  /// Outcome counters of what was written, so the summary covers the job.
  pipeline_status counters;
  /// (id, problem) of every accepted item: the dedup index starts with them.
  std::vector<std::pair<std::string, std::string>> accepted_problems;
};

/// Creates `dir` if needed and reads items.jsonl, seeds.jsonl and
/// knowledge_points.jsonl, cutting off a torn last line (with a warning).
result<resume_state> scan_output_dir(const std::filesystem::path& dir);

} // namespace kpsynth
