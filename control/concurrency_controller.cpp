#include "control/concurrency_controller.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kpsynth::control {

namespace {

controller_options sanitize(controller_options o) {
  o.min_limit = std::max<uint32_t>(o.min_limit, 1);
  o.max_limit = std::max(o.max_limit, o.min_limit);
  o.initial_limit = std::clamp(o.initial_limit, o.min_limit, o.max_limit);
  auto unit = [](double x, double fallback) {
    return std::isfinite(x) && x > 0 && x <= 1 ? x : fallback;
  };
  o.overload_decrease = unit(o.overload_decrease, 0.7);
  o.failure_decrease = unit(o.failure_decrease, 0.9);
  o.overload_ceiling = unit(o.overload_ceiling, 0.9);
  o.queue_gain = unit(o.queue_gain, 0.5);
  o.smoothing = unit(o.smoothing, 0.5);
  o.probe_step = unit(o.probe_step, 0.1);
  if (!(o.goodput_elasticity > 1))
    o.goodput_elasticity = 1.3;
  if (!(o.slot_cap_factor >= 1))
    o.slot_cap_factor = 4;
  if (!(o.hidden_slack_share >= 0))
    o.hidden_slack_share = 0.05;
  if (!(o.max_pause_s >= 0))
    o.max_pause_s = 0;
  return o;
}

/// For this long after a 429/503 the queue target stays under half the
/// queue the server refused at.
constexpr double overload_memory_s = 30;

} // namespace

std::string_view to_string(controller_phase p) {
  switch (p) {
  case controller_phase::slow_start:
    return "slow_start";
  case controller_phase::steady:
    return "steady";
  }
  return "unknown";
}

concurrency_controller::concurrency_controller(controller_options opts)
  : opts_(sanitize(opts)), latency_(opts_.latency),
    limit_(opts_.initial_limit) {}

uint32_t concurrency_controller::limit() const {
  return static_cast<uint32_t>(
    std::clamp(std::floor(limit_), static_cast<double>(opts_.min_limit),
               static_cast<double>(opts_.max_limit)));
}

void concurrency_controller::set_limit(double x, const char* why) {
  if (!std::isfinite(x))
    return;
  x = std::clamp(x, static_cast<double>(opts_.min_limit),
                 static_cast<double>(opts_.max_limit));
  if (x > limit_) // Growth stops at the slot cap; a cut is never undone.
    x = std::min(x, std::max(limit_, slot_cap()));
  if (x > limit_)
    ++increases_;
  else if (x < limit_)
    ++decreases_;
  if (x > limit_)
    peak_inflight_ = 0; // Whether the new limit binds is yet to be seen.
  if (x != limit_)
    reason_ = why;
  limit_ = x;
}

double concurrency_controller::slot_cap() const {
  if (max_running_ <= 0)
    return std::numeric_limits<double>::infinity();
  return std::max(static_cast<double>(opts_.min_limit),
                  opts_.slot_cap_factor * max_running_);
}

void concurrency_controller::grow_to(double now, double target) {
  if (target <= limit_ || latency_veto_)
    return;
  if (now - ceiling_at_ > opts_.ceiling_memory_s)
    ceiling_ = std::numeric_limits<double>::infinity();
  if (limit_ < ceiling_) {
    set_limit(std::min(target, ceiling_), phase_ == controller_phase::slow_start
                                            ? "slow start"
                                            : "headroom");
    return;
  }
  // Past the spot of the last KV trouble or 429: that trouble showed up
  // late (sequences grow long after admission; a queue fills before it
  // overflows), so probe one request at a time.
  if (now - last_probe_ >= opts_.probe_interval_s) {
    last_probe_ = now;
    set_limit(limit_ + 1, "probing past the last trouble");
  }
}

void concurrency_controller::set_ceiling(double now, double x) {
  ceiling_ = std::max(x, static_cast<double>(opts_.min_limit));
  ceiling_at_ = now;
}

bool concurrency_controller::gauges_active(double now) const {
  return have_gauges_ && now - gauges_at_ <= opts_.metrics_stale_s;
}

void concurrency_controller::on_send(double, uint32_t inflight) {
  peak_inflight_ = std::max(peak_inflight_, static_cast<double>(inflight));
}

void concurrency_controller::on_success(double now, double latency_s,
                                        uint32_t completion_tokens,
                                        uint32_t inflight_at_send) {
  peak_inflight_ =
    std::max(peak_inflight_, static_cast<double>(inflight_at_send));
  auto w = latency_.add(now, latency_s, completion_tokens, inflight_at_send);
  if (!w)
    return;
  if (!gauges_active(now)) {
    latency_veto_ = false;
    on_window(now, *w);
    return;
  }
  // Gauges lead, but latency has the last word on queueing: time per token
  // grows with every queue, counted by a gauge or not.
  bool past_knee =
    !std::isnan(w->elasticity) && w->elasticity > opts_.knee_elasticity;
  // The ratio alone only vetoes growth: on a CPU server (llama.cpp) a full
  // batch makes each token several times slower than a lone request, so it
  // is no queue measure there. An elasticity above 1 is: throughput
  // (in-flight / latency) falls as in-flight grows -- past the goodput
  // knee, whatever the gauges say -- so back off to its Little's-law floor.
  bool falling =
    !std::isnan(w->elasticity) && w->elasticity > opts_.goodput_elasticity;
  latency_veto_ = falling || (past_knee && w->ratio > opts_.max_latency_ratio);
  if (falling) {
    phase_ = controller_phase::steady;
    double level = w->inflight;
    set_limit(std::min(limit_, level
                                 * std::clamp(w->knee_floor / level, 0.5,
                                              1 - opts_.probe_step)),
              "throughput falls as in-flight grows");
  }
}

void concurrency_controller::on_window(double now, const latency_window& w) {
  // Targets are relative to the level the window measured (the in-flight
  // count its requests were sent at), not to the current limit: the lag
  // between sending and completing then paces growth to once per round
  // trip instead of compounding blindly.
  double level = w.inflight;
  bool past_knee =
    !std::isnan(w.elasticity) && w.elasticity > opts_.knee_elasticity;
  if (w.ratio > opts_.max_latency_ratio) {
    phase_ = controller_phase::steady;
    set_limit(std::min(limit_, level * opts_.max_latency_ratio / w.ratio),
              "latency per token past the limit");
  } else if (phase_ == controller_phase::slow_start && !past_knee
             && w.ratio <= opts_.latency_tolerance) {
    grow_to(now, 2 * level);
  } else {
    phase_ = controller_phase::steady;
    double target;
    if (past_knee) {
      // Queueing: jump to the Little's-law floor of the knee.
      target =
        level * std::clamp(w.knee_floor / level, 0.5, 1 - opts_.probe_step);
    } else if (std::isnan(w.elasticity)) {
      target = level * std::clamp(opts_.latency_tolerance / w.ratio, 0.8, 1.25);
    } else {
      bool far_below = w.elasticity < opts_.knee_elasticity / 2;
      target = level * (1 + opts_.probe_step * (far_below ? 3 : 1));
    }
    // Grow only past the current limit, shrink only below it: an
    // app-limited client (level well under the limit) keeps its headroom.
    double next = limit_ + opts_.smoothing * (target - limit_);
    if (target > level)
      grow_to(now, next);
    else if (target < limit_)
      set_limit(next, past_knee ? "latency: past the knee" : "latency");
  }
}

void concurrency_controller::on_metrics(double now, const server_metrics& m,
                                        std::optional<uint32_t> inflight) {
  if (!m.has_waiting)
    return; // Without a queue gauge, latency decides.
  have_gauges_ = true;
  gauges_at_ = now;
  double running =
    m.has_running ? std::max(0.0, m.running) : std::floor(limit_);
  if (m.has_running)
    max_running_ = std::max(max_running_, running);
  double waiting = std::max(0.0, m.waiting);
  // Ours beyond what the server counts wait where its gauges cannot see.
  hidden_queue_ = 0;
  // An idle server has not seen our requests yet (they are in transit, or
  // it has just started): that is no queue.
  if (inflight && running + waiting > 0) {
    double slack = 1 + opts_.hidden_slack_share * running;
    hidden_queue_ =
      std::max(0.0, static_cast<double>(*inflight) - running - waiting - slack);
    waiting += hidden_queue_;
  }
  double target =
    std::max(opts_.waiting_target_min, opts_.waiting_target_share * running);
  bool recent_overload = now - last_overload_ < overload_memory_s;
  if (recent_overload) // The server bounds its queue below our target.
    target = std::min(target, overload_queue_cap_);
  last_waiting_target_ = target;
  // Our part of the server's load: with other clients on the same server,
  // each corrects only its share. Without a report of our in-flight count
  // since the limit last grew, assume we are alone: guessing it from the
  // limit would under-count requests sent before a cut and cut again.
  double queued = running + waiting;
  double share = 1;
  if (peak_inflight_ > 0 && queued > 0)
    share = std::clamp(std::max(peak_inflight_, std::floor(limit_)) / queued,
                       0.0, 1.0);
  gauge_step(now, m, waiting, share, target);
  last_waiting_ = waiting;
}

void concurrency_controller::gauge_step(double now, const server_metrics& m,
                                        double waiting, double share,
                                        double target) {
  bool fresh_preemption = false;
  if (m.has_preemptions) {
    fresh_preemption =
      have_preemptions_ && m.preemptions_total > last_preemptions_;
    have_preemptions_ = true;
    last_preemptions_ = m.preemptions_total;
  }
  double running =
    m.has_running ? std::max(0.0, m.running) : std::floor(limit_);
  bool binding = peak_inflight_ >= 0.9 * std::floor(limit_) - 1;
  // Decreases are computed from the server's own counts, not from the
  // limit: sent requests cannot be recalled, the queue drains one
  // completion at a time, and cutting the limit at every scrape until then
  // would wind it down to the minimum.
  bool kv_hot = m.has_kv_usage && m.kv_usage > opts_.kv_high;
  if (fresh_preemption || kv_hot) {
    // Over-admission: the server recomputes evicted sequences. Cut back to
    // what runs plus the queue target -- not below: a KV-bound server must
    // stay full to serve most, and a few preemptions are the price.
    phase_ = controller_phase::steady;
    growth_step_ = 1;
    if (now - last_kv_decrease_ >= opts_.kv_holdoff_s) {
      last_kv_decrease_ = now;
      set_limit(std::min(limit_, share * (running + target)),
                fresh_preemption ? "preemptions" : "KV cache full");
      set_ceiling(now, limit_);
    }
  } else if (waiting > opts_.waiting_high_factor * target + 1) {
    phase_ = controller_phase::steady;
    growth_step_ = 1;
    set_limit(std::min(limit_, share * (running + target)),
              hidden_queue_ > 0 ? "queue the server's gauges do not count"
                                : "server queue too long");
  } else if (waiting < target && binding && !latency_veto_
             && (!m.has_running || running > 0)) {
    // (A server that runs nothing yet has not seen our requests: no
    // evidence of room, and no slot count to cap the growth.)
    if (phase_ == controller_phase::slow_start && waiting < 1) {
      grow_to(now, 2 * limit_);
    } else {
      double deficit = opts_.queue_gain * (target - waiting) * share;
      grow_to(now, limit_ + std::max(growth_step_, deficit));
      // An empty queue scrape after scrape means capacity to spare (say
      // after a capacity drop ended): grow faster each time.
      growth_step_ =
        waiting < 1 ? std::min(2 * growth_step_, std::max(1.0, limit_ / 4)) : 1;
    }
  } else {
    growth_step_ = 1;
  }
}

void concurrency_controller::on_metrics_failure(double now, uint32_t inflight) {
  if (inflight == 0)
    return; // An idle server that does not answer: the breaker's business.
  phase_ = controller_phase::steady;
  growth_step_ = 1;
  // Back to what the server was last seen serving, if that is lower.
  double floor = std::max(1.0, max_running_);
  if (limit_ > floor
      && now - last_error_decrease_ >= opts_.decrease_holdoff_s) {
    last_error_decrease_ = now;
    set_limit(std::max(floor, limit_ * opts_.overload_decrease),
              "metrics scrape failed while requests were in flight");
  }
}

void concurrency_controller::multiplicative_decrease(double now, double factor,
                                                     const char* why) {
  phase_ = controller_phase::steady;
  growth_step_ = 1;
  if (now - last_error_decrease_ < opts_.decrease_holdoff_s)
    return;
  last_error_decrease_ = now;
  set_limit(limit_ * factor, why);
}

void concurrency_controller::on_overload(double now, double retry_after_s) {
  if (now - last_overload_ >= overload_memory_s || have_gauges_)
    overload_queue_cap_ = std::max(1.0, last_waiting_ / 2);
  last_overload_ = now;
  if (retry_after_s > 0) // False for NaN as well.
    paused_until_ =
      std::max(paused_until_, now + std::min(retry_after_s, opts_.max_pause_s));
  if (now - last_error_decrease_ >= opts_.decrease_holdoff_s)
    set_ceiling(now, limit_ * opts_.overload_ceiling);
  multiplicative_decrease(now, opts_.overload_decrease, "429/503 overload");
}

void concurrency_controller::on_failure(double now) {
  multiplicative_decrease(now, opts_.failure_decrease, "timeout or reset");
}

controller_snapshot concurrency_controller::snapshot() const {
  controller_snapshot s;
  s.limit = limit();
  s.phase = phase_;
  s.gauge_mode = have_gauges_;
  s.paused_until = paused_until_;
  s.waiting_target = last_waiting_target_;
  s.baseline_s_per_token =
    std::isfinite(latency_.baseline()) ? latency_.baseline() : 0;
  if (const auto& w = latency_.last()) {
    s.latency_ratio = w->ratio;
    s.elasticity = w->elasticity;
  } else {
    s.elasticity = std::nan("");
  }
  s.hidden_queue = hidden_queue_;
  s.slot_cap = std::isfinite(slot_cap()) ? slot_cap() : 0;
  s.increases = increases_;
  s.decreases = decreases_;
  return s;
}

} // namespace kpsynth::control
