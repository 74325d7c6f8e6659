// Saturation benchmark (issue 2): does the client keep a vLLM-like server
// exactly saturated without being told its capacity?
//
// For each mode (adaptive, fixed 64/256/1024) a fresh simulator runs in a
// forked child process -- so that this process's CPU time is the client's
// alone -- and a driver actor keeps the model pool's credit fully used, as
// the pipeline's stages do. After a warm-up the benchmark measures, over a
// window: mean busy slots (from the simulator's busy slot-seconds counter),
// completed requests/s, p50/p99 latency seen by the caller, preemptions,
// and client CPU microseconds per request. A last run against the `zero`
// profile (no model latency at all) measures the client's own ceiling.
//
// Usage: kpsynth_bench_saturation [--warmup S] [--measure S] [--zero S]
//                                 [--profile NAME] [--modes a,64,256,1024]

#include "actors/model_pool.hpp"
#include "actors/pipeline.hpp"
#include "app/commands.hpp"
#include "core/prompt_pack.hpp"
#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "protocols/openai/prometheus.hpp"
#include "sim/server.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <future>
#include <mutex>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;
using kpsynth::atom::complete_v;

namespace {

struct mode {
  std::string name;
  uint32_t fixed = 0; ///< 0: adaptive.
  std::string profile;
  bool stream = true;
};

/// Counters shared between the driver actor and the benchmark thread.
struct shared_stats {
  std::mutex mtx;
  uint64_t completed = 0;
  uint64_t errors = 0;
  bool recording = false;
  std::vector<double> latencies_ms;
};

/// A stage-like driver: takes every credit the pool grants and spends it.
struct driver_state {
  static inline const char* name = "bench_driver";
};

kpsynth::credit_listener_actor::behavior_type
driver(kpsynth::credit_listener_actor::stateful_pointer<driver_state> self,
       kpsynth::model_pool_actor pool, kpsynth::llm_call call,
       std::shared_ptr<shared_stats> stats) {
  self->send(pool, kpsynth::atom::attach_v,
             kpsynth::credit_listener_actor{self}, int32_t{0});
  self->send(pool, kpsynth::atom::demand_v,
             kpsynth::credit_listener_actor{self}, uint32_t{1u << 30});
  return {
    [=](kpsynth::atom::credit, const std::string&, uint32_t n) {
      for (uint32_t i = 0; i < n; ++i) {
        auto sent = std::chrono::steady_clock::now();
        self->request(pool, caf::infinite, complete_v, call)
          .then(
            [=](kpsynth::llm_reply&) {
              auto ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - sent)
                          .count();
              std::lock_guard guard{stats->mtx};
              ++stats->completed;
              if (stats->recording)
                stats->latencies_ms.push_back(ms);
            },
            [=](caf::error&) {
              std::lock_guard guard{stats->mtx};
              ++stats->errors;
            });
      }
    },
  };
}

/// Runs a simulator in a child process; returns its pid and port.
std::pair<pid_t, uint16_t> fork_simulator(const std::string& profile) {
  int ports[2];
  int stop[2];
  if (pipe(ports) != 0 || pipe(stop) != 0)
    throw std::runtime_error("pipe failed");
  auto pid = fork();
  if (pid == 0) {
    close(ports[0]);
    close(stop[1]);
    kpsynth::net::io_runtime io{1};
    kpsynth::config::simulator_config sc;
    sc.profile = profile;
    auto srv = kpsynth::app::start_simulator(io, sc);
    uint16_t port = srv ? (*srv)->port() : 0;
    if (write(ports[1], &port, sizeof(port)) != sizeof(port))
      _exit(1);
    char c;
    while (read(stop[0], &c, 1) > 0) {
    }
    _exit(0);
  }
  close(ports[1]);
  close(stop[0]);
  uint16_t port = 0;
  if (read(ports[0], &port, sizeof(port)) != sizeof(port) || port == 0)
    throw std::runtime_error("simulator child failed to start");
  close(ports[0]);
  // The child exits when this end closes (at our exit) or when killed.
  return {pid, port};
}

/// GETs the simulator's /metrics.
std::map<std::string, double, std::less<>> scrape(kpsynth::net::io_runtime& io,
                                                  uint16_t port) {
  auto u = kpsynth::net::url::parse(fmt::format("http://127.0.0.1:{}", port));
  kpsynth::net::http_client client{io, *u};
  kpsynth::net::http_request req;
  req.method = "GET";
  req.target = "/metrics";
  req.content_type.clear();
  std::promise<std::string> body;
  client.async_request(std::move(req), [&](kpsynth::net::http_response r) {
    body.set_value(std::move(r.body));
  });
  auto text = body.get_future().get();
  client.shutdown();
  return kpsynth::openai::sum_prometheus_metrics(text);
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
         + static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec)
             * 1e-6;
}

struct row {
  std::string mode;
  double busy_pct = 0;
  double rps = 0;
  double p50 = 0;
  double p99 = 0;
  double preemptions = 0;
  double cpu_us = 0;
  uint64_t errors = 0;
  uint32_t final_limit = 0;
};

row run_mode(const mode& m, const kpsynth::llm_call& call, double warmup_s,
             double measure_s) {
  auto [pid, port] = fork_simulator(m.profile);
  row r;
  r.mode = m.name;
  {
    kpsynth::net::io_runtime io{1};
    caf::actor_system_config cfg;
    cfg.set("scheduler.max-threads", 2);
    kpsynth::add_message_types(cfg);
    caf::actor_system sys{cfg};
    kpsynth::config::model_config mc;
    mc.name = "bench";
    mc.served_as = "math-7b";
    mc.endpoints.push_back({fmt::format("http://127.0.0.1:{}/v1", port)});
    mc.fixed_limit = m.fixed;
    mc.stream = m.stream;
    mc.max_limit = 4096;
    mc.backlog = 1 << 20;
    auto pool = sys.spawn(kpsynth::model_pool, mc, &io);
    auto stats = std::make_shared<shared_stats>();
    auto drv = sys.spawn(driver, pool, call, stats);
    std::this_thread::sleep_for(std::chrono::duration<double>(warmup_s));
    auto before = scrape(io, port);
    uint64_t done0;
    {
      std::lock_guard guard{stats->mtx};
      done0 = stats->completed;
      stats->recording = true;
    }
    auto cpu0 = cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(measure_s));
    auto after = scrape(io, port);
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
    }
    caf::scoped_actor self{sys};
    self->request(pool, 5s, kpsynth::atom::status_v)
      .receive(
        [&](std::vector<kpsynth::endpoint_status>& xs) {
          if (!xs.empty())
            r.final_limit = xs[0].limit;
        },
        [](caf::error&) {});
    auto slots = after["kpsynth_sim_max_num_seqs"];
    auto busy = after["kpsynth_sim_busy_slot_seconds_total"]
                - before["kpsynth_sim_busy_slot_seconds_total"];
    r.busy_pct = slots > 0 ? 100.0 * busy / elapsed / slots : 0;
    r.rps = static_cast<double>(done) / elapsed;
    r.preemptions = after["vllm:num_preemptions_total"]
                    - before["vllm:num_preemptions_total"];
    r.cpu_us = done > 0 ? cpu * 1e6 / static_cast<double>(done) : 0;
    std::sort(lat.begin(), lat.end());
    if (!lat.empty()) {
      r.p50 = lat[lat.size() / 2];
      r.p99 = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
    }
    self->send_exit(drv, caf::exit_reason::user_shutdown);
    self->send_exit(pool, caf::exit_reason::user_shutdown);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return r;
}

void print(const std::vector<row>& rows) {
  fmt::print("{:<12} {:>8} {:>10} {:>10} {:>10} {:>8} {:>10} {:>7} {:>6}\n",
             "mode", "busy %", "req/s", "p50 ms", "p99 ms", "preempt",
             "cpu us/req", "limit", "errors");
  for (auto& r : rows)
    fmt::print("{:<12} {:>8.1f} {:>10.1f} {:>10.0f} {:>10.0f} {:>8.0f} "
               "{:>10.1f} {:>7} {:>6}\n",
               r.mode, r.busy_pct, r.rps, r.p50, r.p99, r.preemptions, r.cpu_us,
               r.final_limit, r.errors);
}

} // namespace

int main(int argc, char** argv) {
  double warmup = 45;
  double measure = 60;
  double zero_s = 10;
  std::string profile = "7b-h100";
  std::string modes = "adaptive,64,256,1024";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    std::string v = argv[i + 1];
    if (k == "--warmup")
      warmup = std::stod(v);
    else if (k == "--measure")
      measure = std::stod(v);
    else if (k == "--zero")
      zero_s = std::stod(v);
    else if (k == "--profile")
      profile = v;
    else if (k == "--modes")
      modes = v;
  }
  signal(SIGPIPE, SIG_IGN);
  if (std::getenv("KPSYNTH_DEBUG") != nullptr)
    spdlog::set_level(std::getenv("KPSYNTH_DEBUG")[0] == 't'
                        ? spdlog::level::trace
                        : spdlog::level::debug);
  auto pack =
    kpsynth::core::load_prompt_pack(KPSYNTH_SOURCE_DIR "/prompts/math");
  if (!pack) {
    fmt::print(stderr, "{}\n", pack.error().to_string());
    return 1;
  }
  // A realistic call: a solution to a generated problem (a few hundred
  // output tokens, as the simulator's solver writes them).
  auto text = pack->render(
    "solve", {{"problem", "Let a = 12 and b = 7. What is the value of "
                          "3a + 2b?"}});
  kpsynth::llm_call call;
  call.stage = "bench";
  call.messages.push_back({"user", *text});
  call.max_tokens = 1024;
  call.deadline_ms = 120'000;
  std::vector<row> rows;
  fmt::print("profile {}: warm-up {} s, measure {} s per mode\n", profile,
             warmup, measure);
  size_t pos = 0;
  while (pos <= modes.size()) {
    auto next = modes.find(',', pos);
    auto name =
      modes.substr(pos, next == std::string::npos ? next : next - pos);
    pos = next == std::string::npos ? modes.size() + 1 : next + 1;
    mode m{name == "adaptive" ? "adaptive" : "fixed-" + name,
           name == "adaptive" ? 0u : static_cast<uint32_t>(std::stoul(name)),
           profile};
    rows.push_back(run_mode(m, call, warmup, measure));
    fmt::print("done: {}\n", m.name);
  }
  print(rows);
  if (zero_s > 0) {
    fmt::print("\nclient overhead against the zero-latency profile "
               "({} s):\n",
               zero_s);
    std::vector<row> zero_rows;
    zero_rows.push_back(
      run_mode(mode{"zero-adaptive", 0, "zero"}, call, 3, zero_s));
    zero_rows.push_back(
      run_mode(mode{"zero-fixed-256", 256, "zero"}, call, 3, zero_s));
    zero_rows.push_back(run_mode(
      mode{"zero-fixed-256-plain", 256, "zero", false}, call, 3, zero_s));
    print(zero_rows);
  }
  return 0;
}
