#pragma once

// Append-only output files whose every write is checked. The JSONL outputs
// are the job's checkpoint: a write that fails unnoticed (a full disk, a
// quota, an I/O error) loses work while the job goes on counting it. Here
// a record is appended whole or not at all, and each failure comes back as
// a problem naming the file and the system's reason.

#include "core/result.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace kpsynth {

class append_file {
 public:
  /// Opens `file` for appending, creating it if needed; a new file's
  /// directory is fsynced so that the file itself survives a crash.
  static result<append_file> open(const std::filesystem::path& file);

  append_file(append_file&& other) noexcept;
  append_file& operator=(append_file&& other) noexcept;
  append_file(const append_file&) = delete;
  append_file& operator=(const append_file&) = delete;
  ~append_file();

  /// Appends `bytes` in full. On failure the file is cut back to its size
  /// before the call (so it never ends in a torn record of ours), the
  /// problem is returned, and every later call fails with it: after one
  /// lost write, nothing may be written behind it.
  std::optional<problem> append(std::string_view bytes);

  /// Makes everything appended so far durable (fdatasync).
  std::optional<problem> sync();

  const std::filesystem::path& path() const { return file_; }

 private:
  append_file() = default;
  problem fail(std::string_view what, int err);

  std::filesystem::path file_;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::optional<problem> broken_;
};

/// fsyncs a directory, so that entries created in it survive a crash.
std::optional<problem> sync_directory(const std::filesystem::path& dir);

} // namespace kpsynth
