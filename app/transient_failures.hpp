#pragma once

// Retrying what failed for passing reasons. The output files are the job's
// checkpoint, and a record in them is never redone; so an item or seed that
// failed because a server was down (connection refused, timeout, 5xx,
// circuit open, no judge reachable) would stay failed forever. Before a run
// resumes, such records are removed from items.jsonl and seeds.jsonl, which
// makes the run redo them; failures that would repeat (bad output, refused
// input, a rejected problem) are kept.

#include "core/result.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace kpsynth::app {

/// Whether a failure code (`why.code` of a record) names a passing cause:
/// retryable, overloaded, deadline, unavailable, backlog_full, bad_response
/// (a reply broken in transit), no_vote (no judge could answer) and
/// sandbox_error.
bool is_transient(std::string_view code);

/// Failed records of one output file.
struct failure_tally {
  uint64_t transient = 0;
  uint64_t permanent = 0;
  /// Transient failures by code, for the log.
  std::map<std::string, uint64_t> by_code;
};

/// Counts the failed records of `file` (items.jsonl or seeds.jsonl; a
/// seed's malformed line counts as permanent). A missing file has none.
result<failure_tally> tally_failures(const std::filesystem::path& file);

/// Rewrites `file` without its transiently failed records (atomically:
/// a new file, synced, renamed over the old one) and returns what was
/// removed. Leaves the file alone when there is nothing to remove.
result<failure_tally>
forget_transient_failures(const std::filesystem::path& file);

/// "deadline: 3, unavailable: 2".
std::string describe(const failure_tally& t);

} // namespace kpsynth::app
