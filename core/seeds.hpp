#pragma once

// Lazy reader of seed JSONL files: one object per line with `problem` and
// `solution` strings and an optional `id`. A malformed line is reported with
// file:line and skipped; it never stops the run. So is a line longer than
// the configured limit (read no further than the limit, so a runaway line
// cannot take the memory), and a line that reuses an earlier line's id with
// a different text. A line repeating an earlier one under the same id is
// skipped with a warning naming both lines.

#include "core/result.hpp"
#include "protocols/messages.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace kpsynth {

/// Default of run.max_seed_line_bytes.
inline constexpr uint64_t default_max_seed_line_bytes = uint64_t{1} << 20;

/// Reads seeds one at a time so memory stays flat whatever the file size.
class seed_reader {
 public:
  /// Opens `file`; fails if it cannot be read or is a directory. Lines
  /// above `max_line_bytes` are rejected; `report_duplicates` = false
  /// passes lines with a repeated id through unchecked (and keeps no ids).
  static result<seed_reader>
  open(const std::filesystem::path& file,
       uint64_t max_line_bytes = default_max_seed_line_bytes,
       bool report_duplicates = true);

  seed_reader(seed_reader&&) noexcept;
  seed_reader& operator=(seed_reader&&) noexcept;
  ~seed_reader();

  /// The next line's outcome: a seed, a problem naming file:line, or
  /// std::nullopt at the end of the file.
  std::optional<result<seed_problem>> next();

  /// 1-based number of the last line read.
  uint64_t line() const;

 private:
  seed_reader();
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Checks, before a job starts, that `file` holds at least one usable seed;
/// reads only as far as the first one. An empty file, a file of garbage or
/// of blank lines is a problem naming the file and what was found instead.
std::optional<problem>
check_seed_file(const std::filesystem::path& file,
                uint64_t max_line_bytes = default_max_seed_line_bytes);

/// Parses one seed line; `where` is "<file>:<line>".
result<seed_problem> parse_seed_line(std::string_view line,
                                     std::string_view where);

} // namespace kpsynth
