#include "app/commands.hpp"
#include "net/io_runtime.hpp"
#include "sim/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <csignal>

namespace kpsynth::app {

int sim_command(const sim_command_options& opts) {
  config::simulator_config sc;
  if (!opts.config_file.empty()) {
    auto cfg = config::load(opts.config_file);
    if (!cfg) {
      spdlog::error("{}", cfg.error().to_string());
      return 2;
    }
    sc = cfg->simulator;
  } else {
    sc.profile = opts.profile;
    sc.seed = opts.seed;
    sc.loading_seconds = opts.loading_seconds;
    sc.refuse_n = opts.refuse_n;
    sc.metrics = !opts.no_metrics;
    if (opts.fault_rate > 0)
      sc.faults["all"] = opts.fault_rate;
  }
  if (opts.config_file.empty() || opts.address_given)
    sc.address = opts.address;
  if (opts.config_file.empty() || opts.port_given)
    sc.port = opts.port;
  // Block the stop signals in every thread; the main thread waits for them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  net::io_runtime io{2};
  auto srv = start_simulator(
    io, sc, sim_quirks{opts.refuse_n, !opts.no_metrics}, opts.config_file);
  if (!srv) {
    spdlog::error("{}", srv.error().to_string());
    return 2;
  }
  spdlog::info("simulator ({}) listening on {}; stop with Ctrl-C", sc.profile,
               (*srv)->base_url());
  int sig = 0;
  sigwait(&stop, &sig);
  auto st = (*srv)->stats();
  spdlog::info("stopping: {} requests, {} completed, {} preemptions",
               st.requests, st.engine.completed_total,
               st.engine.preemptions_total);
  (*srv)->stop();
  return 0;
}

} // namespace kpsynth::app
