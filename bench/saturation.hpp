#pragma once

// One run of the saturation benchmark (bench/saturation.cpp): a model pool
// against one server, a stage-like driver that spends every credit the pool
// grants, and a measure window. Header-only because every bench/*.cpp
// becomes its own executable.

#include "actors/model_pool.hpp"
#include "actors/pipeline.hpp"
#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "protocols/openai/prometheus.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kpsynth::bench {

using namespace std::chrono_literals;

/// Counters shared between the driver actor and the benchmark thread.
struct shared_stats {
  std::mutex mtx;
  uint64_t completed = 0;
  uint64_t tokens = 0; ///< Generated (completion) tokens, while recording.
  uint64_t errors = 0;
  bool recording = false;
  std::vector<double> latencies_ms;
};

struct driver_state {
  static inline const char* name = "bench_driver";
};

/// A stage-like driver: takes every credit the pool grants and spends it.
inline credit_listener_actor::behavior_type
driver(credit_listener_actor::stateful_pointer<driver_state> self,
       model_pool_actor pool, llm_call call,
       std::shared_ptr<shared_stats> stats) {
  self->send(pool, atom::attach_v, credit_listener_actor{self}, int32_t{0});
  self->send(pool, atom::demand_v, credit_listener_actor{self},
             uint32_t{1u << 30});
  return {
    [=](atom::credit, const std::string&, uint32_t n) {
      for (uint32_t i = 0; i < n; ++i) {
        auto sent = std::chrono::steady_clock::now();
        self->request(pool, caf::infinite, atom::complete_v, call)
          .then(
            [=](llm_reply& r) {
              auto ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - sent)
                          .count();
              std::lock_guard guard{stats->mtx};
              ++stats->completed;
              if (stats->recording) {
                stats->latencies_ms.push_back(ms);
                stats->tokens += r.usage.completion_tokens;
              }
            },
            [=](caf::error&) {
              std::lock_guard guard{stats->mtx};
              ++stats->errors;
            });
      }
    },
  };
}

/// GETs `/metrics` at `root` (deadline 10 s); empty on any failure.
inline std::map<std::string, double, std::less<>>
scrape(net::io_runtime& io, const std::string& root) {
  auto u = net::url::parse(root);
  if (!u)
    return {};
  net::http_client client{io, *u};
  net::http_request req;
  req.method = "GET";
  req.target = "/metrics";
  req.content_type.clear();
  req.deadline = 10s;
  std::promise<net::http_response> got;
  client.async_request(
    std::move(req), [&](net::http_response r) { got.set_value(std::move(r)); });
  auto r = got.get_future().get();
  client.shutdown();
  if (r.error != net::transport_error::none || r.status != 200)
    return {};
  return openai::sum_prometheus_metrics(r.body);
}

inline double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
         + static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec)
             * 1e-6;
}

/// What one run of one mode measured.
struct run_result {
  double busy_pct = -1; ///< Simulator only.
  double rps = 0;
  double tok_s = 0;        ///< Generated tokens/s the client received.
  double server_tok_s = 0; ///< Generated tokens/s the server counted.
  double p50 = 0;
  double p99 = 0;
  double preemptions = 0;
  double cpu_us = 0;
  double window_s = 0;
  uint64_t errors = 0;
  uint32_t limit_max = 0; ///< Highest limit seen, warm-up included.
  uint32_t final_limit = 0;
};

struct run_options {
  std::string url;  ///< Base URL, e.g. http://127.0.0.1:8080/v1
  std::string root; ///< Where /metrics lives.
  std::string model;
  uint32_t fixed = 0; ///< 0: adaptive.
  bool stream = true;
  double warmup_s = 10;
  double measure_s = 30;
  /// The window grows to this many mean request times seen in warm-up.
  double window_requests = 20;
  double max_window_s = 600;
};

/// Server-side generated-token counter (llama.cpp or vLLM names).
inline double
server_tokens(const std::map<std::string, double, std::less<>>& m) {
  for (auto name :
       {"llamacpp:tokens_predicted_total", "vllm:generation_tokens_total"})
    if (auto i = m.find(name); i != m.end())
      return i->second;
  return 0;
}

inline run_result run_once(const run_options& o, const llm_call& call) {
  run_result r;
  net::io_runtime io{1};
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  add_message_types(cfg);
  caf::actor_system sys{cfg};
  config::model_config mc;
  mc.name = "bench";
  mc.served_as = o.model;
  mc.endpoints.push_back({o.url});
  mc.fixed_limit = o.fixed;
  mc.stream = o.stream;
  mc.max_limit = 4096;
  mc.backlog = 1 << 20;
  auto pool = sys.spawn(model_pool, mc, &io);
  auto stats = std::make_shared<shared_stats>();
  auto drv = sys.spawn(driver, pool, call, stats);
  caf::scoped_actor self{sys};
  // Polls the limit every 100 ms so that a short excursion is seen.
  auto watch = [&](double seconds) {
    auto until =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(100ms);
      self->request(pool, 5s, atom::status_v)
        .receive(
          [&](std::vector<endpoint_status>& xs) {
            if (!xs.empty()) {
              r.final_limit = xs[0].limit;
              r.limit_max = std::max(r.limit_max, xs[0].limit);
            }
          },
          [](caf::error&) {});
    }
  };
  watch(o.warmup_s);
  double window = o.measure_s;
  {
    std::lock_guard guard{stats->mtx};
    // Size the window to the server: a window of a few requests measures
    // the phase of the batch, not the rate.
    double mean_s = 0;
    if (stats->completed > 0)
      mean_s = o.warmup_s * std::max(1.0, static_cast<double>(r.limit_max))
               / static_cast<double>(stats->completed);
    window =
      std::min(std::max(window, o.window_requests * mean_s), o.max_window_s);
  }
  auto before = scrape(io, o.root);
  uint64_t done0;
  {
    std::lock_guard guard{stats->mtx};
    done0 = stats->completed;
    stats->recording = true;
  }
  auto cpu0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  watch(window);
  auto after = scrape(io, o.root);
  auto elapsed =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
  auto cpu = cpu_seconds() - cpu0;
  std::vector<double> lat;
  uint64_t done;
  {
    std::lock_guard guard{stats->mtx};
    done = stats->completed - done0;
    stats->recording = false;
    lat.swap(stats->latencies_ms);
    r.errors = stats->errors;
    r.tok_s = static_cast<double>(stats->tokens) / elapsed;
  }
  r.window_s = elapsed;
  if (auto slots = after["kpsynth_sim_max_num_seqs"]; slots > 0)
    r.busy_pct = 100.0
                 * (after["kpsynth_sim_busy_slot_seconds_total"]
                    - before["kpsynth_sim_busy_slot_seconds_total"])
                 / elapsed / slots;
  if (!before.empty() && !after.empty())
    r.server_tok_s = (server_tokens(after) - server_tokens(before)) / elapsed;
  r.rps = static_cast<double>(done) / elapsed;
  r.preemptions =
    after["vllm:num_preemptions_total"] - before["vllm:num_preemptions_total"];
  r.cpu_us = done > 0 ? cpu * 1e6 / static_cast<double>(done) : 0;
  std::sort(lat.begin(), lat.end());
  if (!lat.empty()) {
    r.p50 = lat[lat.size() / 2];
    r.p99 = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
  }
  self->send_exit(drv, caf::exit_reason::user_shutdown);
  self->send_exit(pool, caf::exit_reason::user_shutdown);
  return r;
}

/// Waits until the server has nothing running or queued (requests of an
/// earlier run would skew the next), at most `max_s`; false on timeout.
inline bool wait_drained(const std::string& root, double max_s) {
  net::io_runtime io{1};
  auto until =
    std::chrono::steady_clock::now() + std::chrono::duration<double>(max_s);
  while (std::chrono::steady_clock::now() < until) {
    auto m = scrape(io, root);
    double load = 0;
    for (auto name :
         {"llamacpp:requests_processing", "llamacpp:requests_deferred",
          "vllm:num_requests_running", "vllm:num_requests_waiting"})
      if (auto i = m.find(name); i != m.end())
        load += i->second;
    if (!m.empty() && load == 0)
      return true;
    std::this_thread::sleep_for(250ms);
  }
  return false;
}

} // namespace kpsynth::bench
