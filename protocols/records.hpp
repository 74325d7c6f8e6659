#pragma once

// JSON Lines encoding of what kpsynth writes to disk: finished items, seed
// outcomes and the knowledge-point journal. The files double as the
// checkpoint: on restart the ids already written are skipped, so a crash at
// any instant (kill -9 included) loses nothing and duplicates nothing.

#include "core/result.hpp"
#include "protocols/messages.hpp"

#include <filesystem>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace kpsynth {

/// One JSON object (no newline) for an item.
std::string to_json(const item_record& x);

/// One JSON object (no newline) for a seed outcome.
std::string to_json(const seed_outcome& x);

/// One JSON object (no newline) for a journaled knowledge-point list.
std::string to_json(const kp_list& x);

/// Parses a journaled knowledge-point list; `where` is "<file>:<line>".
result<kp_list> parse_kp_list_line(std::string_view line,
                                   std::string_view where);

/// Parses an item line as written by to_json(item_record).
result<item_record> parse_item_line(std::string_view line,
                                    std::string_view where);

/// What a JSONL file already holds, for resuming.
struct jsonl_scan {
  std::unordered_set<std::string> ids; ///< Values of the "id"/"seed_id" key.
  uint64_t lines = 0;
  /// Bytes of a torn last line (a crash mid-write) that were cut off.
  uint64_t truncated_bytes = 0;
};

/// Reads the `key` of every line of `file` (absent file: empty scan) and
/// cuts off a torn last line so that appends start on a line boundary.
result<jsonl_scan> scan_jsonl(const std::filesystem::path& file,
                              std::string_view key);

/// Loads the knowledge-point journal into seed id -> list.
result<std::unordered_map<std::string, kp_list>>
load_kp_journal(const std::filesystem::path& file);

} // namespace kpsynth
