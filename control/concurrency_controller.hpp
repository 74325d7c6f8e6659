#pragma once

#include "control/latency_model.hpp"
#include "control/server_metrics.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace kpsynth::control {

struct controller_options {
  uint32_t initial_limit = 8;
  uint32_t min_limit = 1;
  uint32_t max_limit = 4096;

  // -- gauge mode: the server exports its waiting queue ----------------------

  /// Keep about max(waiting_target_min, waiting_target_share * running)
  /// requests queued inside the server: enough that a slot never idles for
  /// lack of work, few enough that nothing floods the scheduler.
  /// One waiting request is enough to refill a slot the moment it frees;
  /// more only adds latency (and on llama.cpp, whose HTTP threads are
  /// `-np + 2`, the metrics scrape needs the last one).
  double waiting_target_min = 1;
  double waiting_target_share = 0.03;
  /// Shrink once waiting exceeds this multiple of the target (+1).
  double waiting_high_factor = 2;
  /// Share of a queue shortfall added per scrape when growing.
  double queue_gain = 0.5;
  /// KV usage above this, or any new preemption, means over-admission.
  double kv_high = 0.97;
  /// At most one KV-driven decrease per this long: the cache stays full for
  /// a while after the cut, until running sequences finish.
  double kv_holdoff_s = 3;

  /// Gauges older than this are ignored (latency mode takes over).
  double metrics_stale_s = 5;
  /// Never more in flight than this multiple of the most requests the
  /// server has been seen running: past its slots every extra request only
  /// queues (llama.cpp's `-np`, vLLM's `max_num_seqs`).
  double slot_cap_factor = 4;
  /// Requests of ours beyond the server's running + waiting count, past
  /// this share of running (+1, requests in transit), wait where the
  /// server's gauges cannot see them: llama.cpp holds a connection in its
  /// HTTP thread pool's queue before it parses the request, so
  /// `requests_deferred` reads 0 while hundreds wait.
  double hidden_slack_share = 0.05;

  // -- latency mode: no gauges ------------------------------------------------

  latency_model_options latency;
  /// Past the knee latency grows in proportion to in-flight (elasticity 1);
  /// below it only through the load factor. Above this elasticity the
  /// controller backs off.
  double knee_elasticity = 0.6;
  /// Slow start doubles while latency per token stays within this multiple
  /// of the best seen; without a knee estimate the controller settles there
  /// (it tolerates the batch's load factor).
  double latency_tolerance = 2;
  /// Above this elasticity throughput falls as in-flight grows (latency
  /// grows faster than in proportion): past the goodput knee even when the
  /// gauges see no queue -- llama.cpp on CPU wakes every HTTP thread on
  /// every token, so each extra stream slows all. Must exceed 1: exactly 1
  /// is a plain queue, flat throughput.
  double goodput_elasticity = 1.3;
  /// Never accept more than this multiple, knee or not.
  double max_latency_ratio = 4;
  /// Below the knee each window aims this share above the window's
  /// in-flight level (three times that far when far below the knee).
  double probe_step = 0.1;
  /// Share of the distance to a new latency-mode target moved per window.
  double smoothing = 0.5;

  // -- errors -----------------------------------------------------------------

  double overload_decrease = 0.7; ///< Multiplier on 429/503.
  /// A 429/503 at limit L sets a ceiling at this share of L.
  double overload_ceiling = 0.9;
  double failure_decrease = 0.9; ///< Multiplier on timeout/reset.
  /// At most one error-driven decrease per this long: a burst of 429s is
  /// one overload event, not fifty.
  double decrease_holdoff_s = 1;
  /// KV trouble (at the limit it leaves) and 429s set a ceiling; past it
  /// the limit grows by one request per this long, because both kinds of
  /// trouble show up late.
  double probe_interval_s = 2;
  /// A ceiling older than this is forgotten.
  double ceiling_memory_s = 120;
  /// Longest Retry-After honoured, seconds.
  double max_pause_s = 600;
};

enum class controller_phase {
  slow_start, ///< Doubling until the first sign of saturation.
  steady,     ///< Tracking the saturation point.
};

std::string_view to_string(controller_phase p);

/// What the controller believes, for status pages and logs.
struct controller_snapshot {
  uint32_t limit = 0;
  controller_phase phase = controller_phase::slow_start;
  bool gauge_mode = false; ///< Queue gauges have been seen.
  double paused_until = 0;
  double waiting_target = 0;
  double baseline_s_per_token = 0; ///< 0 before the first window.
  double latency_ratio = 0;        ///< Of the last window; 0 before.
  double elasticity = 0;           ///< Of the last window; NaN if unknown.
  double hidden_queue = 0;         ///< Ours in flight the gauges did not count.
  double slot_cap = 0;             ///< 0 until the server reported running.
  uint64_t increases = 0;
  uint64_t decreases = 0;
};

/// Finds one endpoint's saturation point without being told its capacity,
/// and keeps the number of requests in flight there. Virtual time: every
/// call takes `now` in seconds; no clock is read.
///
/// Signals, strongest first:
///  1. server gauges (`on_metrics` with a waiting queue): keep the server's
///     queue short but never empty; back off when KV usage is near full or
///     preemptions appear. Self-hosted vLLM never answers 429, so this is
///     the primary signal.
///  2. latency per output token (`on_success`), when no gauges arrive:
///     slow start, then stay near the knee where latency starts to grow in
///     proportion to in-flight (queueing) rather than by the load factor.
///  3. 429/503 with Retry-After (`on_overload`) and failures, from any
///     server: multiplicative decrease.
class concurrency_controller {
 public:
  explicit concurrency_controller(controller_options opts = {});

  /// Requests allowed in flight now.
  uint32_t limit() const;

  /// Do not send before this time (a server's Retry-After).
  double paused_until() const { return paused_until_; }

  /// Optional: a request was sent; `inflight` counts it. Tells the
  /// controller at once whether the limit binds (otherwise it learns that
  /// from `on_success`, one latency later).
  void on_send(double now, uint32_t inflight);

  /// A completion succeeded. `inflight_at_send` is the in-flight count when
  /// it was sent (a count taken at completion is a fair stand-in).
  void on_success(double now, double latency_s, uint32_t completion_tokens,
                  uint32_t inflight_at_send);

  /// 429 or 503: the server says it is overloaded.
  void on_overload(double now, double retry_after_s);

  /// Timeout or connection reset: a mild decrease.
  void on_failure(double now);

  /// A scrape of the server's `/metrics`; `inflight` is our own in-flight
  /// count when the answer arrived (nullopt: unknown, gauges taken as they
  /// are).
  void on_metrics(double now, const server_metrics& m,
                  std::optional<uint32_t> inflight);
  void on_metrics(double now, const server_metrics& m) {
    on_metrics(now, m, std::nullopt);
  }

  /// A scrape failed or timed out while `inflight` requests of ours were in
  /// flight. A server too busy to answer `/metrics` is flooded (llama.cpp
  /// serves it from the same HTTP threads as completions), so this is a
  /// saturation signal, never "no news".
  void on_metrics_failure(double now, uint32_t inflight);

  /// Why the limit last changed, for logs.
  std::string_view reason() const { return reason_; }

  controller_snapshot snapshot() const;

 private:
  bool gauges_active(double now) const;
  void on_window(double now, const latency_window& w);
  void set_limit(double x, const char* why);
  double slot_cap() const;
  void grow_to(double now, double target);
  void set_ceiling(double now, double x);
  void multiplicative_decrease(double now, double factor, const char* why);
  void gauge_step(double now, const server_metrics& m, double waiting,
                  double share, double target);

  controller_options opts_;
  latency_model latency_;
  double limit_;
  controller_phase phase_ = controller_phase::slow_start;
  double paused_until_ = 0;

  /// Whether the limit binds: the largest in-flight count reported since
  /// the limit last grew. Kept across decreases: requests sent under the
  /// old limit stay in flight until they complete.
  double peak_inflight_ = 0;

  bool have_gauges_ = false;
  double gauges_at_ = 0;
  bool have_preemptions_ = false;
  double last_preemptions_ = 0;
  double last_waiting_target_ = 0;
  double last_waiting_ = 0;
  double max_running_ = 0; ///< Most requests the server was seen running.
  double hidden_queue_ = 0;
  /// The last latency window said queueing (past the knee and more than
  /// `max_latency_ratio` slower than the best): gauges that see no queue
  /// must not grow the limit.
  bool latency_veto_ = false;
  const char* reason_ = "initial";
  double overload_queue_cap_ = 1;
  double growth_step_ = 1;
  double ceiling_ = std::numeric_limits<double>::infinity();
  double ceiling_at_ = -1e300;
  double last_probe_ = -1e300;

  double last_error_decrease_ = -1e300;
  double last_kv_decrease_ = -1e300;
  double last_overload_ = -1e300;
  uint64_t increases_ = 0;
  uint64_t decreases_ = 0;
};

} // namespace kpsynth::control
