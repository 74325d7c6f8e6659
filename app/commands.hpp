#pragma once

// The subcommands of the `kpsynth` binary. main.cpp only parses the command
// line (CLI11) and calls one of these; each returns the process exit code.

#include "core/config.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kpsynth::net {
class io_runtime;
} // namespace kpsynth::net

namespace kpsynth::sim {
class server;
} // namespace kpsynth::sim

namespace kpsynth::app {

/// `kpsynth run <config.toml>`: the daemon's main job.
int run_command(const std::string& config_file, bool quiet);

/// `kpsynth pipeline show <config.toml>`: the resolved topology (stages,
/// kinds, models, prompts), with the prompt pack checked against it.
int pipeline_show_command(const std::string& config_file);

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
  /// Whether --address / --port were given; otherwise a --config file's
  /// [simulator] address and port apply.
  bool address_given = false;
  bool port_given = false;
};
int sim_command(const sim_command_options& opts);

/// Server quirks that `kpsynth sim` can emulate but a job's [simulator]
/// table has no key for.
struct sim_quirks {
  bool refuse_n = false; ///< Answer n > 1 with HTTP 500, like llama.cpp.
  bool metrics = true;   ///< Export /metrics.
};

/// Starts the simulator described by `cfg` on `io`. Errors in the settings
/// name `config_file` (when given) and the key.
result<std::unique_ptr<sim::server>>
start_simulator(net::io_runtime& io, const config::simulator_config& cfg,
                sim_quirks quirks = {}, std::string_view config_file = {});

} // namespace kpsynth::app
