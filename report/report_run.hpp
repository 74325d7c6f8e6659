#pragma once

// Reading what a kpsynth run wrote: items.jsonl and seeds.jsonl, as plain
// records for analytics. The report streams items (a real run has millions
// of them); calibration loads the few thousand of a labelled set at once.
// Every malformed line is an error naming `file:line` and the JSON field
// path, except a torn last line (a run killed mid-write), which is skipped
// and counted, because the pipeline itself cuts it off on resume.

#include "core/result.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::quality {

/// One judge's vote on an item (items.jsonl `verdicts[]`).
struct run_vote {
  std::string judge;
  std::string model;
  double weight = 1;
  bool abstained = false;
  double problem_score = 0; ///< Meaningless when abstained.
  bool solution_ok = false; ///< Meaningless when abstained.
};

/// One LLM call of an item's history (items.jsonl `trace[]`).
struct run_call {
  std::string stage; ///< "generate", "solve", "judge:<name>", ...
  std::string model;
  std::string endpoint;
  uint64_t prompt_tokens = 0;
  uint64_t completion_tokens = 0;
  double latency_ms = 0;
  uint32_t attempts = 1;
};

/// One line of items.jsonl.
struct run_item {
  std::string id;
  std::string status; ///< "accepted", "rejected" or "failed".
  std::string problem;
  std::string solution; ///< Empty when the item never got one.
  std::string answer;
  std::string difficulty; ///< "unknown" when not rated.
  double problem_score = 0;
  std::string why_stage; ///< Empty for accepted items.
  std::string why_code;
  std::string kind; ///< combination.kind; "unknown" if absent.
  std::vector<std::string> seed_ids;
  std::vector<run_vote> votes;
  std::vector<run_call> trace;
  uint64_t prompt_tokens = 0; ///< usage.prompt_tokens.
  uint64_t completion_tokens = 0;
  std::string origin; ///< "items.jsonl:17", for messages.
};

/// One line of seeds.jsonl.
struct run_seed {
  std::string seed_id;
  bool extracted = false;
  uint32_t knowledge_points = 0;
  std::string why_stage; ///< Empty when extracted.
  std::string why_code;
};

/// Parses one items.jsonl line; `where` is "<file>:<line>". Unknown fields
/// are ignored so that newer writers stay readable.
result<run_item> parse_run_item(std::string_view line, std::string_view where);

/// Parses one seeds.jsonl line; `where` is "<file>:<line>".
result<run_seed> parse_run_seed(std::string_view line, std::string_view where);

/// What reading a JSONL file met besides records.
struct jsonl_read_stats {
  uint64_t records = 0;
  uint64_t torn_lines = 0; ///< An unparseable last line without newline.
};

/// Calls `fn(line_number, text)` for every non-blank line of `file`; a
/// problem returned by `fn` stops the walk and is returned. A last line
/// without a newline that `fn` rejects is counted as torn instead. CRLF line
/// ends and a UTF-8 byte-order mark are accepted.
result<jsonl_read_stats> for_each_jsonl_line(
  const std::filesystem::path& file,
  const std::function<std::optional<problem>(uint64_t, std::string_view)>& fn);

/// Streams `<dir>/items.jsonl` item by item (the report's path: memory stays
/// flat whatever the run size).
result<jsonl_read_stats>
for_each_run_item(const std::filesystem::path& dir,
                  const std::function<void(run_item&&)>& fn);

/// Reads `<dir>/seeds.jsonl`; an absent file gives an empty list (a run
/// that has not finished extracting yet).
result<std::vector<run_seed>> load_run_seeds(const std::filesystem::path& dir);

/// Reads all of `<dir>/items.jsonl` (for labelled sets, not whole runs).
result<std::vector<run_item>> load_run_items(const std::filesystem::path& dir);

/// Writes `text` to `file` whole: to "<file>.tmp", then renamed, so that a
/// reader never sees half a file. An existing non-regular file (a device
/// such as /dev/stdout, a pipe) is written in place instead.
std::optional<problem> write_text_file(const std::filesystem::path& file,
                                       const std::string& text);

} // namespace kpsynth::quality
