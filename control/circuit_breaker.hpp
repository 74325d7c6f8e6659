#pragma once

#include <cstdint>
#include <string_view>

namespace kpsynth::control {

enum class breaker_state {
  closed,    ///< Requests flow.
  open,      ///< Cooling down: requests fail fast.
  half_open, ///< One probe request may test the server.
};

std::string_view to_string(breaker_state s);

struct breaker_options {
  /// Open after this many failures in a row.
  uint32_t consecutive_failures = 5;
  /// Also open when, over the last `rate_window` outcomes (at most 64;
  /// 0 disables), the share of failures reaches `failure_rate`: a server
  /// failing every other request never shows a long streak.
  uint32_t rate_window = 20;
  double failure_rate = 0.5;
  /// First cool-down; each failed probe multiplies it by `open_growth` up
  /// to `open_max_s`; closing resets it.
  double open_base_s = 1;
  double open_max_s = 60;
  double open_growth = 2;
};

/// Per-endpoint circuit breaker in virtual time (`now` in seconds).
///
/// It closes only on `on_success`, which must be called only for a real
/// completion that returned a usable body. Never report a health check,
/// `/v1/models` or `/metrics` answer there: vLLM can answer those while
/// every completion hangs (vllm #1492), so they prove nothing.
class circuit_breaker {
 public:
  explicit circuit_breaker(breaker_options opts = {});

  /// The state at `now`: an open breaker whose cool-down has passed reads
  /// as half-open.
  breaker_state state_at(double now) const;

  /// True when requests flow normally (closed).
  bool allows(double now) const {
    return state_at(now) == breaker_state::closed;
  }

  /// Asks to send one request: always granted when closed, never while
  /// open, and exactly once when half-open (the probe) until the probe's
  /// outcome is reported.
  bool try_acquire(double now);

  /// A real completion succeeded: resets the failure count and closes a
  /// half-open breaker. Ignored while open (a request sent before the trip
  /// proves less than the probe that follows the cool-down).
  void on_success(double now);

  /// A request failed in a way that says the server is unwell: timeout,
  /// reset, 5xx, or a 2xx body that cannot be parsed.
  void on_failure(double now);

  /// An outcome that says nothing about the server's health (429 from a
  /// live server, 4xx caused by our request, a cancelled call): it only
  /// frees the probe slot so that another probe may go.
  void on_neutral(double now);

  /// When the current cool-down ends (meaningful while open).
  double open_until() const { return open_until_; }

  uint32_t consecutive_failures() const { return consecutive_; }

  /// How many times the breaker opened.
  uint64_t trips() const { return trips_; }

 private:
  void refresh(double now);
  void trip(double now);
  void record(bool failure);

  breaker_options opts_;
  breaker_state state_ = breaker_state::closed;
  double open_until_ = 0;
  double cooldown_s_;
  bool probe_out_ = false;
  uint32_t consecutive_ = 0;
  uint64_t window_bits_ = 0; ///< 1 = failure, newest in bit 0.
  uint32_t window_count_ = 0;
  uint64_t trips_ = 0;
};

} // namespace kpsynth::control
