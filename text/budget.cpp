#include "text/budget.hpp"

namespace kpsynth::text {

budget::budget(std::chrono::microseconds limit, std::uint64_t max_steps)
  : deadline_(clock::now() + limit), max_steps_(max_steps) {}

bool budget::spend(std::uint64_t n) {
  if (exhausted_)
    return false;
  steps_ += n;
  if (steps_ > max_steps_) {
    exhausted_ = true;
    return false;
  }
  if (steps_ >= next_clock_check_) {
    next_clock_check_ = steps_ + 64;
    return check_clock();
  }
  return true;
}

bool budget::check_clock() {
  if (!exhausted_ && clock::now() > deadline_)
    exhausted_ = true;
  return !exhausted_;
}

} // namespace kpsynth::text
