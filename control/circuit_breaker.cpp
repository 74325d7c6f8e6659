#include "control/circuit_breaker.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace kpsynth::control {

std::string_view to_string(breaker_state s) {
  switch (s) {
  case breaker_state::closed:
    return "closed";
  case breaker_state::open:
    return "open";
  case breaker_state::half_open:
    return "half_open";
  }
  return "unknown";
}

circuit_breaker::circuit_breaker(breaker_options opts) : opts_(opts) {
  opts_.consecutive_failures =
    std::max<uint32_t>(opts_.consecutive_failures, 1);
  opts_.rate_window = std::min<uint32_t>(opts_.rate_window, 64);
  if (!std::isfinite(opts_.open_base_s) || opts_.open_base_s < 0)
    opts_.open_base_s = 0;
  if (!std::isfinite(opts_.open_max_s) || opts_.open_max_s < opts_.open_base_s)
    opts_.open_max_s = opts_.open_base_s;
  if (!std::isfinite(opts_.open_growth) || opts_.open_growth < 1)
    opts_.open_growth = 1;
  cooldown_s_ = opts_.open_base_s;
}

breaker_state circuit_breaker::state_at(double now) const {
  if (state_ == breaker_state::open && now >= open_until_)
    return breaker_state::half_open;
  return state_;
}

void circuit_breaker::refresh(double now) {
  if (state_ == breaker_state::open && now >= open_until_) {
    state_ = breaker_state::half_open;
    probe_out_ = false;
  }
}

bool circuit_breaker::try_acquire(double now) {
  refresh(now);
  switch (state_) {
  case breaker_state::closed:
    return true;
  case breaker_state::open:
    return false;
  case breaker_state::half_open:
    if (probe_out_)
      return false;
    probe_out_ = true;
    return true;
  }
  return false;
}

void circuit_breaker::record(bool failure) {
  if (opts_.rate_window == 0)
    return;
  uint64_t mask = opts_.rate_window == 64
                    ? ~uint64_t{0}
                    : (uint64_t{1} << opts_.rate_window) - 1;
  window_bits_ = ((window_bits_ << 1) | (failure ? 1 : 0)) & mask;
  window_count_ = std::min(window_count_ + 1, opts_.rate_window);
}

void circuit_breaker::trip(double now) {
  state_ = breaker_state::open;
  open_until_ = now + cooldown_s_;
  cooldown_s_ = std::min(opts_.open_max_s, cooldown_s_ * opts_.open_growth);
  probe_out_ = false;
  window_bits_ = 0;
  window_count_ = 0;
  ++trips_;
}

void circuit_breaker::on_success(double now) {
  refresh(now);
  switch (state_) {
  case breaker_state::open:
    return;
  case breaker_state::half_open:
    state_ = breaker_state::closed;
    cooldown_s_ = opts_.open_base_s;
    probe_out_ = false;
    window_bits_ = 0;
    window_count_ = 0;
    [[fallthrough]];
  case breaker_state::closed:
    consecutive_ = 0;
    record(false);
    return;
  }
}

void circuit_breaker::on_failure(double now) {
  refresh(now);
  switch (state_) {
  case breaker_state::open:
    return; // Late failures of requests sent before the trip.
  case breaker_state::half_open:
    ++consecutive_;
    trip(now); // The probe (or a straggler) failed: cool down longer.
    return;
  case breaker_state::closed: {
    ++consecutive_;
    record(true);
    bool rate_tripped =
      opts_.rate_window > 0 && window_count_ == opts_.rate_window
      && std::popcount(window_bits_) >= opts_.failure_rate * opts_.rate_window;
    if (consecutive_ >= opts_.consecutive_failures || rate_tripped)
      trip(now);
    return;
  }
  }
}

void circuit_breaker::on_neutral(double now) {
  refresh(now);
  if (state_ == breaker_state::half_open)
    probe_out_ = false;
}

} // namespace kpsynth::control
