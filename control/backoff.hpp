#pragma once

#include <cstdint>

namespace kpsynth::control {

/// One step of splitmix64: advances `state` and returns a well-mixed 64-bit
/// value. Small, fast and seedable, so retry timing is reproducible in tests
/// and differs between endpoints (seed each with its own value).
uint64_t splitmix64(uint64_t& state);

struct backoff_options {
  double base_s = 0.2; ///< Ceiling of the first retry's delay.
  double cap_s = 20;   ///< No delay ceiling grows beyond this.
  /// A server's Retry-After longer than this is treated as this: a broken
  /// header must not park a request for hours (the caller's deadline rules).
  double max_retry_after_s = 600;
  uint64_t seed = 0x9e3779b97f4a7c15ull;
};

/// Exponential backoff with full jitter (delay uniform in [0, ceiling)):
/// jitter spreads retries of many clients so that they do not return in
/// lockstep to a server that just recovered.
class backoff {
 public:
  explicit backoff(backoff_options opts = {});

  /// min(cap, base * 2^attempt); `attempt` counts retries from 0.
  double ceiling(uint32_t attempt) const;

  /// A jittered delay for retry number `attempt` (0 = first retry).
  double next_delay(uint32_t attempt);

  /// Like `next_delay(attempt)`, but never shorter than the server's
  /// Retry-After (seconds; <= 0 or NaN means none was given).
  double next_delay(uint32_t attempt, double retry_after_s);

 private:
  backoff_options opts_;
  uint64_t state_;
};

} // namespace kpsynth::control
