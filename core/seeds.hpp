#pragma once

// Lazy reader of seed JSONL files: one object per line with `problem` and
// `solution` strings and an optional `id`. A malformed line is reported with
// file:line and skipped; it never stops the run.

#include "core/result.hpp"
#include "protocols/messages.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

namespace kpsynth {

/// Reads seeds one at a time so memory stays flat whatever the file size.
class seed_reader {
 public:
  /// Opens `file`; fails if it cannot be read.
  static result<seed_reader> open(const std::filesystem::path& file);

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

/// Parses one seed line; `where` is "<file>:<line>".
result<seed_problem> parse_seed_line(std::string_view line,
                                     std::string_view where);

} // namespace kpsynth
