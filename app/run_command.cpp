#include "actors/control.hpp"
#include "actors/pipeline.hpp"
#include "app/commands.hpp"
#include "app/control_server.hpp"
#include "net/http_server.hpp"
#include "net/io_runtime.hpp"
#include "sim/server.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <optional>
#include <thread>

namespace kpsynth::app {

namespace {

std::atomic<bool> interrupted{false};

/// Progress numbers gathered from the sink and the pools.
struct snapshot {
  pipeline_status status;
  std::vector<endpoint_status> endpoints;
};

snapshot poll(caf::scoped_actor& self, pipeline& p) {
  snapshot result;
  self->request(p.sink, std::chrono::seconds{5}, atom::status_v)
    .receive([&](pipeline_status& s) { result.status = std::move(s); },
             [&](caf::error&) {});
  for (auto& [name, pool] : p.pools)
    self->request(pool, std::chrono::seconds{5}, atom::status_v)
      .receive(
        [&](std::vector<endpoint_status>& xs) {
          for (auto& x : xs)
            result.endpoints.push_back(std::move(x));
        },
        [&](caf::error&) {});
  return result;
}

std::string progress_line(const snapshot& s, double elapsed) {
  auto& st = s.status;
  auto items = st.accepted + st.rejected + st.failed;
  std::string eps;
  for (auto& e : s.endpoints)
    eps += fmt::format(" {}:{}/{}{}", e.model, e.inflight, e.limit,
                       e.healthy ? "" : "!");
  return fmt::format(
    "[{:6.1f}s] seeds {} ok {} failed {} bad | kps {} | "
    "items {} (accepted {} rejected {} failed {}) | "
    "{:.0f} tok/s | in flight/limit:{}",
    elapsed, st.seeds_extracted, st.seeds_failed, st.seeds_bad,
    st.knowledge_points, items, st.accepted, st.rejected, st.failed,
    elapsed > 0 ? static_cast<double>(st.completion_tokens) / elapsed : 0.0,
    eps);
}

} // namespace

int run_command(const std::string& config_file, bool quiet) {
  auto cfg = config::load(config_file);
  if (!cfg) {
    spdlog::error("{}", cfg.error().to_string());
    return 2;
  }
  auto pack = core::load_prompt_pack(cfg->run.prompts);
  if (!pack) {
    spdlog::error("{}", pack.error().to_string());
    return 2;
  }
  // Signals go to a dedicated thread; CAF and Asio threads never see them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  std::thread signals{[stop] {
    int sig = 0;
    sigwait(&stop, &sig);
    interrupted = true;
  }};
  signals.detach();
  net::io_runtime io{1};
  std::unique_ptr<sim::server> simulator;
  bool wants_sim = false;
  for (auto& [name, m] : cfg->models)
    for (auto& ep : m.endpoints)
      wants_sim |= ep.url == "sim";
  if (wants_sim) {
    if (!cfg->simulator.enabled) {
      spdlog::error("{}: an endpoint says url = \"sim\" but "
                    "[simulator] enabled = false",
                    config_file);
      return 2;
    }
    auto srv = start_simulator(io, cfg->simulator, {}, config_file);
    if (!srv) {
      spdlog::error("{}", srv.error().to_string());
      return 2;
    }
    simulator = std::move(*srv);
    spdlog::info("using the built-in simulator at {} (profile {}); no real "
                 "model is called",
                 simulator->base_url(), cfg->simulator.profile);
    for (auto& [name, m] : cfg->models)
      for (auto& ep : m.endpoints)
        if (ep.url == "sim")
          ep.url = simulator->base_url();
  }
  caf::actor_system_config sys_cfg;
  for (auto& [k, v] : cfg->caf_int)
    sys_cfg.set(k, v);
  for (auto& [k, v] : cfg->caf_string)
    sys_cfg.set(k, caf::atom_from_string(v));
  add_message_types(sys_cfg);
  int exit_code = 0;
  {
    caf::actor_system sys{sys_cfg};
    auto ctx = std::make_shared<pipeline_context>(
      pipeline_context{*cfg, std::move(*pack)});
    auto p = spawn_pipeline(sys, ctx, io);
    if (!p) {
      spdlog::error("{}", p.error().to_string());
      return 2;
    }
    if (p->resumed_items + p->resumed_seeds > 0)
      spdlog::info("resuming: {} item(s) and {} seed outcome(s) already in "
                   "{}",
                   p->resumed_items, p->resumed_seeds,
                   cfg->run.output_dir.string());
    std::optional<control_endpoint> ctl;
    control_actor ctl_actor;
    if (cfg->control.enabled) {
      auto c = start_control(io, cfg->control, cfg->run.output_dir);
      if (!c) {
        spdlog::error("{}", c.error().to_string());
        return 2;
      }
      ctl.emplace(std::move(*c));
      ctl_actor = sys.spawn(control, ctx, ctl->token, control_targets_of(*p),
                            [] { interrupted = true; });
      attach_control(*ctl, ctl_actor);
      spdlog::info("control API at {} (bearer token in {})", ctl->url,
                   (cfg->run.output_dir / "control.json").string());
    }
    caf::scoped_actor self{sys};
    auto start = std::chrono::steady_clock::now();
    auto interval = std::chrono::milliseconds{
      static_cast<int64_t>(cfg->run.progress_interval_s * 1000)};
    snapshot last;
    for (;;) {
      auto next = std::chrono::steady_clock::now() + interval;
      while (std::chrono::steady_clock::now() < next && !interrupted)
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
      last = poll(self, *p);
      auto elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
      if (!quiet)
        fmt::print("{}\n", progress_line(last, elapsed));
      if (last.status.done || interrupted)
        break;
    }
    self->request(p->sink, std::chrono::seconds{10}, atom::flush_v)
      .receive([](bool) {}, [](caf::error&) {});
    auto elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
        .count();
    auto& st = last.status;
    auto items = st.accepted + st.rejected + st.failed;
    fmt::print("\n== kpsynth summary ==\n"
               "seeds:      {} extracted, {} failed, {} malformed lines\n"
               "knowledge:  {} knowledge points\n"
               "items:      {} total: {} accepted, {} rejected, {} failed\n"
               "acceptance: {:.1f}%\n"
               "tokens:     {} prompt, {} completion\n"
               "time:       {:.1f} s ({:.2f} items/s)\n"
               "output:     {}/items.jsonl, seeds.jsonl, "
               "knowledge_points.jsonl\n",
               st.seeds_extracted, st.seeds_failed, st.seeds_bad,
               st.knowledge_points, items, st.accepted, st.rejected, st.failed,
               items > 0 ? 100.0 * static_cast<double>(st.accepted)
                             / static_cast<double>(items)
                         : 0.0,
               st.prompt_tokens, st.completion_tokens, elapsed,
               elapsed > 0 ? static_cast<double>(items) / elapsed : 0.0,
               cfg->run.output_dir.string());
    if (simulator) {
      auto s = simulator->stats();
      std::string faults;
      for (auto& [name, n] : s.faults)
        faults += fmt::format(" {}={}", name, n);
      fmt::print("simulator:  {} requests, {} preemptions, faults:{}\n",
                 s.requests, s.engine.preemptions_total,
                 faults.empty() ? " none" : faults);
    }
    if (interrupted) {
      fmt::print("interrupted: run the same command again to continue where "
                 "it stopped\n");
      exit_code = 130;
    }
    for (auto& a : all_actors(*p))
      self->send_exit(a, caf::exit_reason::user_shutdown);
    if (ctl) {
      ctl->server->stop();
      self->send_exit(ctl_actor, caf::exit_reason::user_shutdown);
    }
  }
  if (simulator)
    simulator->stop();
  io.stop();
  return exit_code;
}

} // namespace kpsynth::app
