#pragma once

// A closed loop in virtual time: a client that keeps `limit()` requests in
// flight against a simulated vLLM server and feeds the concurrency
// controller, with no sockets and no clocks. Tests use it to check that the
// controller finds a capacity it is not told; the benchmark compares it with
// fixed limits. Header-only so that kpsynth_control itself does not depend
// on the simulator: a user of this header links kpsynth_sim_model.

#include "control/backoff.hpp"
#include "control/concurrency_controller.hpp"
#include "sim/engine.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kpsynth::control {

/// Request sizes, drawn uniformly and reproducibly from `seed`.
struct loop_workload {
  uint32_t prompt_min = 200;
  uint32_t prompt_max = 400;
  uint32_t output_min = 100;
  uint32_t output_max = 700;
  uint64_t seed = 42;
};

/// The server changes its knobs at `at_s` (a capacity drop or recovery).
struct loop_change {
  double at_s = 0;
  sim::profile profile;
};

struct loop_options {
  double duration_s = 300;
  /// Statistics cover [measure_from_s, duration_s): the steady state.
  double measure_from_s = 60;
  double scrape_interval_s = 0.5;
  /// false: the controller sees latency (and 429s) only.
  bool use_metrics = true;
  /// Non-zero: keep exactly this many in flight, no controller.
  uint32_t fixed_limit = 0;
  /// Retry-After the simulated front end sends with a 429.
  double retry_after_s = 1;
  controller_options controller;
  loop_workload workload;
  std::vector<loop_change> changes;
};

struct loop_stats {
  double busy_fraction = 0; ///< Mean running / max_num_seqs.
  double requests_per_s = 0;
  double tokens_per_s = 0; ///< Delivered output tokens.
  double p50_latency_s = 0;
  double p99_latency_s = 0;
  uint64_t preemptions = 0;
  uint64_t rejected = 0;
  uint64_t completed = 0;
  double waiting_mean = 0; ///< Sampled at every scrape tick.
  double waiting_max = 0;
  double limit_mean = 0;
  /// (time, limit) at every scrape tick over the whole run.
  std::vector<std::pair<double, uint32_t>> limit_trace;
};

/// The gauges a scraper would read from the engine's Prometheus text.
inline server_metrics to_server_metrics(const sim::metrics& m) {
  server_metrics s;
  s.has_running = s.has_waiting = s.has_kv_usage = s.has_preemptions = true;
  s.running = m.running;
  s.waiting = m.waiting;
  s.kv_usage = m.kv_usage;
  s.preemptions_total = static_cast<double>(m.preemptions_total);
  return s;
}

/// Runs the loop. The profile must have non-zero step time (not `zero`):
/// a server that answers instantly gives a closed loop no time to pass.
inline loop_stats run_virtual_loop(const sim::profile& p,
                                   const loop_options& o) {
  struct pending {
    double sent = 0;
    uint32_t inflight_at_send = 0;
  };
  sim::engine eng{p};
  concurrency_controller ctl{o.controller};
  uint64_t rng = o.workload.seed;
  auto draw = [&rng](uint32_t lo, uint32_t hi) {
    auto span = uint64_t{hi > lo ? hi - lo : 0} + 1;
    return lo + static_cast<uint32_t>(splitmix64(rng) % span);
  };
  std::unordered_map<uint64_t, pending> inflight;
  std::vector<sim::event> events;
  std::vector<double> latencies;
  loop_stats st;
  uint64_t next_id = 1;
  size_t next_change = 0;
  double next_tick = 0;
  double now = 0;
  uint64_t ticks_measured = 0;
  sim::metrics at_start;
  bool started = false;
  uint64_t rejected = 0;
  auto limit = [&] { return o.fixed_limit > 0 ? o.fixed_limit : ctl.limit(); };
  auto paused = [&] { return o.fixed_limit == 0 && ctl.paused_until() > now; };
  // The HTTP front end (profile::http_threads): requests beyond it wait
  // unseen by the engine and its gauges. Each entry: id, prompt, output.
  std::deque<std::array<uint64_t, 3>> front;
  auto front_full = [&] {
    return p.http_threads > 0
           && (eng.size() >= p.http_threads || !front.empty());
  };
  auto admit_front = [&] {
    while (!front.empty() && eng.size() < p.http_threads) {
      auto [id, prompt, output] = front.front();
      front.pop_front();
      if (eng.submit(id, static_cast<uint32_t>(prompt),
                     static_cast<uint32_t>(output), now)
          != sim::submit_result::accepted)
        inflight.erase(id); // Cannot happen with an unbounded queue.
    }
  };
  auto fill = [&] {
    while (!paused() && inflight.size() < limit()) {
      auto id = next_id++;
      auto prompt = draw(o.workload.prompt_min, o.workload.prompt_max);
      auto output = draw(o.workload.output_min, o.workload.output_max);
      if (front_full()) {
        front.push_back({id, prompt, output});
        auto n = static_cast<uint32_t>(inflight.size() + 1);
        inflight.emplace(id, pending{now, n});
        ctl.on_send(now, n);
        continue;
      }
      auto r = eng.submit(id, prompt, output, now);
      if (r != sim::submit_result::accepted) {
        ++rejected;
        if (o.fixed_limit == 0)
          ctl.on_overload(now, o.retry_after_s);
        break; // Try again at the next event.
      }
      auto n = static_cast<uint32_t>(inflight.size() + 1);
      inflight.emplace(id, pending{now, n});
      ctl.on_send(now, n);
    }
  };
  while (now < o.duration_s) {
    double t = std::min(eng.next_event_time(), next_tick);
    if (paused() && inflight.size() < limit())
      t = std::min(t, ctl.paused_until());
    now = std::min(std::max(t, now), o.duration_s);
    eng.advance(now, events);
    for (const auto& ev : events) {
      if (ev.kind != sim::event_kind::finished)
        continue;
      auto i = inflight.find(ev.id);
      if (i == inflight.end())
        continue;
      double latency = now - i->second.sent;
      if (o.fixed_limit == 0)
        ctl.on_success(now, latency, ev.tokens, i->second.inflight_at_send);
      inflight.erase(i);
      if (started) {
        latencies.push_back(latency);
        st.tokens_per_s += ev.tokens;
      }
    }
    events.clear();
    admit_front();
    if (now >= next_tick) {
      while (next_change < o.changes.size()
             && o.changes[next_change].at_s <= now)
        eng.reconfigure(o.changes[next_change++].profile, now, events);
      auto m = eng.snapshot(now);
      auto n = static_cast<uint32_t>(inflight.size());
      if (o.use_metrics && o.fixed_limit == 0 && !front.empty())
        ctl.on_metrics_failure(now, n); // The scrape waits for a thread too.
      else if (o.use_metrics && o.fixed_limit == 0)
        ctl.on_metrics(now, to_server_metrics(m), n);
      if (!started && now >= o.measure_from_s) {
        started = true;
        at_start = m;
        rejected = 0;
      }
      if (started) {
        ++ticks_measured;
        st.waiting_mean += m.waiting;
        st.waiting_max = std::max<double>(st.waiting_max, m.waiting);
        st.limit_mean += limit();
      }
      st.limit_trace.emplace_back(now, limit());
      next_tick += o.scrape_interval_s;
    }
    fill();
  }
  auto end = eng.snapshot(now);
  double span = now - o.measure_from_s;
  if (started && span > 0) {
    st.busy_fraction = (end.busy_slot_seconds - at_start.busy_slot_seconds)
                       / span / eng.config().max_num_seqs;
    st.completed = latencies.size();
    st.requests_per_s = static_cast<double>(latencies.size()) / span;
    st.tokens_per_s /= span;
    st.preemptions = end.preemptions_total - at_start.preemptions_total;
    st.rejected = rejected;
    st.waiting_mean /= static_cast<double>(ticks_measured);
    st.limit_mean /= static_cast<double>(ticks_measured);
  }
  if (!latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    auto at = [&](double q) {
      auto k =
        static_cast<size_t>(q * static_cast<double>(latencies.size() - 1));
      return latencies[k];
    };
    st.p50_latency_s = at(0.5);
    st.p99_latency_s = at(0.99);
  }
  return st;
}

} // namespace kpsynth::control
