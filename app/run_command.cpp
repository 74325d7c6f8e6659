#include "actors/control.hpp"
#include "actors/pipeline.hpp"
#include "actors/supervisor.hpp"
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

std::string progress_line(const run_outcome& s, double elapsed) {
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

void print_summary(const run_outcome& out, double elapsed,
                   const config::kpsynth_config& cfg,
                   const sim::server* simulator) {
  auto& st = out.status;
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
  if (simulator != nullptr) {
    auto s = simulator->stats();
    std::string faults;
    for (auto& [name, n] : s.faults)
      faults += fmt::format(" {}={}", name, n);
    fmt::print("simulator:  {} requests, {} preemptions, faults:{}\n",
               s.requests, s.engine.preemptions_total,
               faults.empty() ? " none" : faults);
  }
  if (out.end == run_end::interrupted)
    fmt::print("interrupted: run the same command again to continue where "
               "it stopped\n");
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

/// Starts the in-process simulator when an endpoint says url = "sim" and
/// points those endpoints at it.
result<std::unique_ptr<sim::server>>
maybe_simulator(net::io_runtime& io, config::kpsynth_config& cfg,
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
  return std::move(*srv);
}

/// The control API of a running job, if enabled.
struct control_handle {
  std::optional<control_endpoint> endpoint;
  control_actor actor;
};

result<control_handle> start_control_api(caf::actor_system& sys,
                                         net::io_runtime& io,
                                         const context_ptr& ctx,
                                         const pipeline& p) {
  control_handle h;
  auto& cfg = ctx->cfg;
  if (!cfg.control.enabled)
    return h;
  auto c = start_control(io, cfg.control, cfg.run.output_dir);
  if (!c)
    return c.error();
  h.endpoint.emplace(std::move(*c));
  h.actor = sys.spawn(control, ctx, h.endpoint->token, control_targets_of(p),
                      [] { interrupted = true; });
  attach_control(*h.endpoint, h.actor);
  spdlog::info("control API at {} (bearer token in {})", h.endpoint->url,
               (cfg.run.output_dir / "control.json").string());
  return h;
}

/// Spawns the pipeline, runs it to its end and stops every actor.
int run_pipeline(caf::actor_system& sys, net::io_runtime& io,
                 const context_ptr& ctx, bool quiet,
                 const sim::server* simulator) {
  auto& cfg = ctx->cfg;
  auto p = spawn_pipeline(sys, ctx, io);
  if (!p) {
    spdlog::error("{}", p.error().to_string());
    return 2;
  }
  pipeline_watch watch{*p};
  if (p->resumed_items + p->resumed_seeds > 0)
    spdlog::info("resuming: {} item(s) and {} seed outcome(s) already in {}",
                 p->resumed_items, p->resumed_seeds,
                 cfg.run.output_dir.string());
  auto ctl = start_control_api(sys, io, ctx, *p);
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now()
                                         - start)
      .count();
  };
  run_outcome out;
  if (!ctl) {
    spdlog::error("{}", ctl.error().to_string());
    out.end = run_end::failed;
    out.failure = ctl.error().to_string();
  } else {
    run_loop_options opts;
    opts.progress_interval = std::chrono::milliseconds{
      static_cast<int64_t>(cfg.run.progress_interval_s * 1000)};
    opts.interrupted = &interrupted;
    model_down_watch down{cfg.run.model_down_timeout_s};
    opts.check = [&](const run_outcome& o) -> std::optional<std::string> {
      if (!o.status.error.empty())
        return o.status.error;
      return down.update(o.endpoints, std::chrono::steady_clock::now());
    };
    if (!quiet)
      opts.on_progress = [&](const run_outcome& o) {
        fmt::print("{}\n", progress_line(o, elapsed()));
      };
    out = run_until_done(sys, *p, watch, opts);
    if (!out.flushed && out.end != run_end::failed) {
      out.end = run_end::failed;
      out.failure = "the output files could not be flushed to disk";
    }
    print_summary(out, elapsed(), cfg, simulator);
    print_failures(cfg.run.output_dir);
  }
  watch.stopping();
  caf::scoped_actor self{sys};
  for (auto& a : all_actors(*p))
    self->send_exit(a, caf::exit_reason::user_shutdown);
  if (ctl && ctl->endpoint) {
    ctl->endpoint->server->stop();
    self->send_exit(ctl->actor, caf::exit_reason::user_shutdown);
  }
  if (out.end == run_end::failed) {
    spdlog::error("the job failed: {}", out.failure);
    fmt::print("FAILED: {}\nwhat was written is kept; fix the cause and run "
               "the same command again to continue\n",
               out.failure);
  }
  switch (out.end) {
  case run_end::done:
    return 0;
  case run_end::interrupted:
    return 130;
  case run_end::failed:
    return 1;
  }
  return 1;
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
  auto simulator = maybe_simulator(io, *cfg, config_file);
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
    exit_code = run_pipeline(sys, io, ctx, quiet, simulator->get());
  }
  if (*simulator)
    (*simulator)->stop();
  io.stop();
  return exit_code;
}

} // namespace kpsynth::app
