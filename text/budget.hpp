#pragma once

#include <chrono>
#include <cstdint>

namespace kpsynth::text {

/// The work allowance of one comparison.
///
/// A threaded daemon cannot use alarm() or kill a thread that is stuck in
/// GiNaC, so the time bound is cooperative: every loop whose length depends
/// on the input calls `spend()`, and GiNaC is only handed expressions that
/// the size guards in symbolic.cpp have shown to be small. The clock is read
/// every 64 steps so that counting stays cheap on hot paths.
class budget {
 public:
  using clock = std::chrono::steady_clock;

  /// A budget of `limit` wall time and at most `max_steps` counted steps.
  explicit budget(std::chrono::microseconds limit,
                  std::uint64_t max_steps = 4'000'000);

  /// Records `n` units of work. Returns false once the step count or the
  /// deadline has been passed; it stays false from then on.
  bool spend(std::uint64_t n = 1);

  /// True once `spend` has failed or `check_clock` found the deadline passed.
  bool exhausted() const { return exhausted_; }

  /// Reads the clock now (used before starting an expensive step).
  bool check_clock();

  clock::time_point deadline() const { return deadline_; }
  std::uint64_t steps() const { return steps_; }

 private:
  clock::time_point deadline_;
  std::uint64_t max_steps_;
  std::uint64_t steps_ = 0;
  std::uint64_t next_clock_check_ = 64;
  bool exhausted_ = false;
};

} // namespace kpsynth::text
