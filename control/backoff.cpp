#include "control/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace kpsynth::control {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

backoff::backoff(backoff_options opts) : opts_(opts), state_(opts.seed) {
  if (!std::isfinite(opts_.base_s) || opts_.base_s < 0)
    opts_.base_s = 0;
  if (!std::isfinite(opts_.cap_s) || opts_.cap_s < opts_.base_s)
    opts_.cap_s = opts_.base_s;
  if (!(opts_.max_retry_after_s >= 0))
    opts_.max_retry_after_s = 0;
}

double backoff::ceiling(uint32_t attempt) const {
  // 2^62 already exceeds any sane cap; clamping avoids inf * 0 = NaN.
  auto doubled =
    std::ldexp(opts_.base_s, static_cast<int>(std::min(attempt, 62u)));
  return std::min(opts_.cap_s, doubled);
}

double backoff::next_delay(uint32_t attempt) {
  // 53 random bits give a uniform double in [0, 1).
  double unit = static_cast<double>(splitmix64(state_) >> 11) * 0x1.0p-53;
  return unit * ceiling(attempt);
}

double backoff::next_delay(uint32_t attempt, double retry_after_s) {
  double delay = next_delay(attempt);
  if (retry_after_s > 0) // False for NaN too.
    delay = std::max(delay, std::min(retry_after_s, opts_.max_retry_after_s));
  return delay;
}

} // namespace kpsynth::control
