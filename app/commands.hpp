#pragma once

// The subcommands of the `kpsynth` binary. main.cpp only parses the command
// line (CLI11) and calls one of these; each returns the process exit code.

#include "core/config.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace kpsynth::net {
class io_runtime;
} // namespace kpsynth::net

namespace kpsynth::sim {
class server;
} // namespace kpsynth::sim

namespace kpsynth::app {

/// `kpsynth run <config.toml>`: the daemon's main job.
int run_command(const std::string& config_file, bool quiet);

/// `kpsynth sim`: a stand-alone simulator until SIGINT/SIGTERM.
struct sim_command_options {
  std::string config_file; ///< Optional: take [simulator] from here.
  std::string address = "127.0.0.1";
  uint16_t port = 8000;
  std::string profile = "7b-h100";
  double fault_rate = 0;
  double loading_seconds = 0;
  bool refuse_n = false;
  bool no_metrics = false;
  uint64_t seed = 1;
};
int sim_command(const sim_command_options& opts);

/// Starts the simulator described by `cfg` on `io`.
result<std::unique_ptr<sim::server>>
start_simulator(net::io_runtime& io, const config::simulator_config& cfg);

} // namespace kpsynth::app
