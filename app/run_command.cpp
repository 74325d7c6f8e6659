#include "actors/control.hpp"
#include "actors/pipeline.hpp"
#include "app/commands.hpp"
#include "app/control_server.hpp"
#include "app/output_lock.hpp"
#include "app/run_safety.hpp"
#include "app/transient_failures.hpp"
#include "core/seeds.hpp"
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

void print_summary(const pipeline_status& st, double elapsed,
                   const config::kpsynth_config& cfg,
                   const sim::server* simulator) {
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
             cfg.run.output_dir.string());
  if (simulator) {
    auto s = simulator->stats();
    std::string faults;
    for (auto& [name, n] : s.faults)
      faults += fmt::format(" {}={}", name, n);
    fmt::print("simulator:  {} requests, {} preemptions, faults:{}\n",
               s.requests, s.engine.preemptions_total,
               faults.empty() ? " none" : faults);
  }
}

/// Checks of outside inputs that need more than the configuration file:
/// the endpoint URLs and the seed file. Each names the place.
std::optional<problem> preflight(const config::kpsynth_config& cfg) {
  if (auto p = check_endpoints(cfg))
    return p;
  return check_seed_file(cfg.run.seeds, cfg.run.max_seed_line_bytes);
}

/// Makes a resumed job redo what failed for passing reasons (see
/// transient_failures.hpp).
std::optional<problem> retry_transient(const std::filesystem::path& dir) {
  for (auto [file, what] :
       {std::pair{"items.jsonl", "item"}, std::pair{"seeds.jsonl", "seed"}}) {
    auto t = forget_transient_failures(dir / file);
    if (!t)
      return t.error();
    if (t->transient > 0)
      spdlog::info("retrying {} {}(s) that failed for transient reasons "
                   "({}); {} permanent failure(s) kept",
                   t->transient, what, describe(*t), t->permanent);
  }
  return std::nullopt;
}

/// The summary's line on failures: which a rerun retries.
void print_failures(const std::filesystem::path& dir) {
  auto items = tally_failures(dir / "items.jsonl");
  auto seeds = tally_failures(dir / "seeds.jsonl");
  if (!items || !seeds)
    return;
  if (items->transient + items->permanent + seeds->transient + seeds->permanent
      == 0)
    return;
  fmt::print("failures:   items {} transient, {} permanent; seeds {} "
             "transient, {} permanent (a rerun retries the transient ones)\n",
             items->transient, items->permanent, seeds->transient,
             seeds->permanent);
}

/// Starts the built-in simulator when an endpoint says url = "sim", and
/// points those endpoints at it.
result<std::unique_ptr<sim::server>>
simulator_for(net::io_runtime& io, config::kpsynth_config& cfg,
              const std::string& config_file) {
  bool wants_sim = false;
  for (auto& [name, m] : cfg.models)
    for (auto& ep : m.endpoints)
      wants_sim |= ep.url == "sim";
  if (!wants_sim)
    return std::unique_ptr<sim::server>{};
  if (!cfg.simulator.enabled)
    return make_problem("invalid_config",
                        "an endpoint says url = \"sim\" but [simulator] "
                        "enabled = false",
                        config_file);
  auto srv = start_simulator(io, cfg.simulator, {}, config_file);
  if (!srv)
    return srv.error();
  spdlog::info("using the built-in simulator at {} (profile {}); no real "
               "model is called",
               (*srv)->base_url(), cfg.simulator.profile);
  for (auto& [name, m] : cfg.models)
    for (auto& ep : m.endpoints)
      if (ep.url == "sim")
        ep.url = (*srv)->base_url();
  return srv;
}

/// Ends every actor of the job when it goes out of scope, whichever way the
/// job ends: the actor system waits for all of them before it shuts down.
struct actors_reaper {
  caf::scoped_actor& self;
  const pipeline& p;
  std::optional<control_endpoint>& ctl;
  control_actor& ctl_actor;

  ~actors_reaper() {
    for (auto& a : all_actors(p))
      self->send_exit(a, caf::exit_reason::user_shutdown);
    if (ctl)
      ctl->server->stop();
    if (ctl_actor)
      self->send_exit(ctl_actor, caf::exit_reason::user_shutdown);
  }
};

/// Runs the spawned job until it is done, interrupted or failed; returns
/// the exit code.
int drive(caf::scoped_actor& self, pipeline& p,
          const config::kpsynth_config& cfg, const failure_watch& watch,
          const sim::server* simulator, bool quiet) {
  auto start = std::chrono::steady_clock::now();
  auto interval = std::chrono::milliseconds{
    static_cast<int64_t>(cfg.run.progress_interval_s * 1000)};
  snapshot last;
  std::optional<std::string> failure;
  model_down_watch down{cfg.run.model_down_timeout_s};
  for (;;) {
    auto next = std::chrono::steady_clock::now() + interval;
    while (std::chrono::steady_clock::now() < next && !interrupted
           && !(failure = watch.failure()))
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    last = poll(self, p);
    auto elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
        .count();
    if (!quiet)
      fmt::print("{}\n", progress_line(last, elapsed));
    if (!failure && !last.status.error.empty())
      failure = last.status.error;
    if (!failure)
      failure = watch.failure();
    if (!failure)
      failure = down.update(last.endpoints, std::chrono::steady_clock::now());
    if (last.status.done || interrupted || failure)
      break;
  }
  bool flushed = false;
  self->request(p.sink, std::chrono::seconds{10}, atom::flush_v)
    .receive([&](bool ok) { flushed = ok; }, [](caf::error&) {});
  if (!flushed && !failure)
    failure = "the output files could not be flushed to disk";
  auto elapsed =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
  print_summary(last.status, elapsed, cfg, simulator);
  print_failures(cfg.run.output_dir);
  if (failure) {
    spdlog::error("the job failed: {}", *failure);
    fmt::print("FAILED: {}\nwhat was written is kept; fix the cause and run "
               "the same command again to continue\n",
               *failure);
    return 1;
  }
  if (interrupted) {
    fmt::print("interrupted: run the same command again to continue where "
               "it stopped\n");
    return 130;
  }
  return 0;
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
  if (auto p = preflight(*cfg)) {
    spdlog::error("{}", p->to_string());
    return 2;
  }
  // Held until the process ends: one job per output directory.
  auto lock = output_lock::acquire(cfg->run.output_dir);
  if (!lock) {
    spdlog::error("{}", lock.error().to_string());
    return 2;
  }
  if (auto p = retry_transient(cfg->run.output_dir)) {
    spdlog::error("{}", p->to_string());
    return 2;
  }
  handle_stop_signals(interrupted);
  raise_open_file_limit();
  net::io_runtime io{1};
  auto simulator = simulator_for(io, *cfg, config_file);
  if (!simulator) {
    spdlog::error("{}", simulator.error().to_string());
    return 2;
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
    caf::scoped_actor self{sys};
    std::optional<control_endpoint> ctl;
    control_actor ctl_actor;
    actors_reaper reaper{self, *p, ctl, ctl_actor};
    failure_watch watch{sys, all_actors(*p)};
    if (p->resumed_items + p->resumed_seeds > 0)
      spdlog::info("resuming: {} item(s) and {} seed outcome(s) already in "
                   "{}",
                   p->resumed_items, p->resumed_seeds,
                   cfg->run.output_dir.string());
    if (cfg->control.enabled) {
      auto c = start_control(io, cfg->control, cfg->run.output_dir);
      if (!c) {
        spdlog::error("{}", c.error().to_string());
        return 2;
      }
      ctl.emplace(std::move(*c));
      ctl_actor = sys.spawn(control, ctx, ctl->token, p->pools, p->sink,
                            p->panel, [] { interrupted = true; });
      attach_control(*ctl, ctl_actor);
      spdlog::info("control API at {} (bearer token in {})", ctl->url,
                   (cfg->run.output_dir / "control.json").string());
    }
    exit_code = drive(self, *p, *cfg, watch, simulator->get(), quiet);
  }
  if (*simulator)
    (*simulator)->stop();
  io.stop();
  return exit_code;
}

} // namespace kpsynth::app
