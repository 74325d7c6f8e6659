#include "app/commands.hpp"

#include "net/io_runtime.hpp"
#include "sim/server.hpp"

#include <fmt/format.h>

#include <optional>

namespace kpsynth::app {

namespace {

/// Applies [simulator.overrides] to a profile; unknown knobs are errors.
std::optional<problem> override_profile(sim::profile& p,
                                        const std::map<std::string, double>& o,
                                        std::string_view where) {
  for (auto& [key, v] : o) {
    if (key == "max_num_seqs")
      p.max_num_seqs = static_cast<uint32_t>(v);
    else if (key == "max_waiting")
      p.max_waiting = static_cast<uint32_t>(v);
    else if (key == "ttft_ms")
      p.ttft_ms = v;
    else if (key == "itl_ms")
      p.itl_ms = v;
    else if (key == "load_factor_full")
      p.load_factor_full = v;
    else if (key == "kv_cache_tokens")
      p.kv_cache_tokens = static_cast<uint64_t>(v);
    else if (key == "sched_overhead_us")
      p.sched_overhead_us = v;
    else if (key == "max_model_len")
      p.max_model_len = static_cast<uint32_t>(v);
    else
      return problem{"invalid_config", "unknown profile knob '" + key + "'",
                     fmt::format("{}.{}", where, key)};
  }
  return std::nullopt;
}

} // namespace

result<std::unique_ptr<sim::server>>
start_simulator(net::io_runtime& io, const config::simulator_config& cfg) {
  auto prof = sim::find_profile(cfg.profile);
  if (!prof)
    return prof.error();
  if (auto p = override_profile(*prof, cfg.overrides, "simulator.overrides"))
    return *p;
  sim::server_options opts;
  opts.address = cfg.address;
  opts.port = cfg.port;
  opts.prof = std::move(*prof);
  opts.answers.seed = cfg.seed;
  opts.answers.unsound_rate = cfg.unsound_rate;
  opts.answers.default_solver_accuracy = cfg.default_solver_accuracy;
  opts.answers.solver_accuracy = cfg.solver_accuracy;
  for (auto& [name, j] : cfg.judges)
    opts.answers.judges[name] = sim::judge_profile{j.first, j.second};
  auto faults = sim::fault_rates::parse(cfg.faults, "simulator.faults");
  if (!faults)
    return faults.error();
  opts.faults = std::move(*faults);
  opts.fault_seed = cfg.seed;
  opts.loading_seconds = cfg.loading_seconds;
  return sim::server::start(io, std::move(opts));
}

} // namespace kpsynth::app
