#pragma once

// An exclusive lock on a job's output directory. Two `kpsynth run`s writing
// the same items.jsonl interleave and tear lines, and the second one would
// also "repair" the first one's half-written last line; so a run holds
// `<output_dir>/kpsynth.lock` with flock(2) for its whole life. The kernel
// drops the lock when the process dies, kill -9 included, so a stale lock
// file never blocks the next run.

#include "core/result.hpp"

#include <filesystem>

namespace kpsynth::app {

/// Holds the lock until destroyed.
class output_lock {
 public:
  /// Creates `dir` if needed and takes the lock without waiting. Fails with
  /// code "locked", naming the directory and the holder's PID, when another
  /// process holds it.
  static result<output_lock> acquire(const std::filesystem::path& dir);

  output_lock(output_lock&& other) noexcept;
  output_lock& operator=(output_lock&& other) noexcept;
  output_lock(const output_lock&) = delete;
  output_lock& operator=(const output_lock&) = delete;
  ~output_lock();

 private:
  explicit output_lock(int fd) : fd_(fd) {}

  int fd_ = -1;
};

} // namespace kpsynth::app
