#include "app/commands.hpp"
#include "net/io_runtime.hpp"
#include "sim/server.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <optional>

namespace kpsynth::app {

namespace {

/// Converts an override to an integer knob. Config numbers are doubles; a
/// negative, fractional or too large value must be an error, not a wrapped
/// (undefined) cast.
template<class T>
std::optional<problem> whole(double v, T& out, const std::string& where) {
  if (!(v >= 0 && v == std::floor(v)
        && v <= static_cast<double>(std::numeric_limits<T>::max())))
    return problem{"invalid_config",
                   fmt::format("{} is not a whole number in 0..{}", v,
                               std::numeric_limits<T>::max()),
                   where};
  out = static_cast<T>(v);
  return std::nullopt;
}

/// Applies [simulator.overrides] to a profile; unknown knobs are errors.
std::optional<problem> override_profile(sim::profile& p,
                                        const std::map<std::string, double>& o,
                                        std::string_view where) {
  for (auto& [key, v] : o) {
    auto at = fmt::format("{}.{}", where, key);
    std::optional<problem> bad;
    if (key == "max_num_seqs")
      bad = whole(v, p.max_num_seqs, at);
    else if (key == "max_waiting")
      bad = whole(v, p.max_waiting, at);
    else if (key == "ttft_ms")
      p.ttft_ms = v;
    else if (key == "itl_ms")
      p.itl_ms = v;
    else if (key == "load_factor_full")
      p.load_factor_full = v;
    else if (key == "kv_cache_tokens")
      bad = whole(v, p.kv_cache_tokens, at);
    else if (key == "sched_overhead_us")
      p.sched_overhead_us = v;
    else if (key == "max_model_len")
      bad = whole(v, p.max_model_len, at);
    else
      return problem{"invalid_config", "unknown profile knob '" + key + "'",
                     at};
    if (bad)
      return bad;
  }
  return std::nullopt;
}

} // namespace

result<std::unique_ptr<sim::server>>
start_simulator(net::io_runtime& io, const config::simulator_config& cfg,
                sim_quirks quirks, std::string_view config_file) {
  // Errors name the key of the [simulator] table and, when the settings came
  // from a file, the file.
  auto key = [&](std::string_view k) {
    return config_file.empty() ? std::string{k}
                               : fmt::format("{}: {}", config_file, k);
  };
  auto prof = sim::find_profile(cfg.profile);
  if (!prof) {
    auto p = prof.error();
    p.where = key("simulator.profile");
    return p;
  }
  if (auto p =
        override_profile(*prof, cfg.overrides, key("simulator.overrides")))
    return *p;
  if (auto checked = sim::validate_profile(*prof); !checked) {
    auto p = checked.error();
    p.message = fmt::format("{} ({})", p.message, p.where);
    p.where = key("simulator.overrides");
    return p;
  }
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
  auto faults = sim::fault_rates::parse(cfg.faults, key("simulator.faults"));
  if (!faults)
    return faults.error();
  opts.faults = std::move(*faults);
  opts.fault_seed = cfg.seed;
  opts.loading_seconds = cfg.loading_seconds;
  opts.refuse_n = cfg.refuse_n;
  opts.metrics = cfg.metrics;
  opts.refuse_n = quirks.refuse_n;
  opts.metrics = quirks.metrics;
  return sim::server::start(io, std::move(opts));
}

} // namespace kpsynth::app
