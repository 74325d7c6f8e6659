#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::sim {

/// The knobs of one simulated vLLM-like server. A plain struct so that a
/// test, a benchmark or a config file can override any value: the named
/// profiles below are only starting points.
struct profile {
  std::string name;
  /// Label value of `model_name` in the Prometheus text.
  std::string model_name = "sim-model";
  /// Running slots (vLLM `--max-num-seqs`): sequences decoded per step.
  uint32_t max_num_seqs = 256;
  /// Requests that may queue beyond the free slots; more are rejected, which
  /// the HTTP front end answers with 429. vLLM itself has no bound; the
  /// llm-d inference simulator has one, and a bound keeps memory finite.
  uint32_t max_waiting = 1024;
  /// Prefill latency at light load, milliseconds.
  double ttft_ms = 80;
  /// Inter-token latency at light load, milliseconds.
  double itl_ms = 12;
  /// Latency multiplier when every slot is busy; it grows linearly with
  /// running / max_num_seqs from 1 to this value (batching is not free).
  double load_factor_full = 1.6;
  /// KV-cache capacity in tokens.
  uint64_t kv_cache_tokens = 215'040;
  /// Tokens per KV block (vLLM's paged attention uses 16).
  uint32_t block_size = 16;
  /// Scheduler CPU time per step per tracked request (running + waiting),
  /// microseconds: vLLM walks its queues every step, so a huge waiting
  /// queue slows decoding for everyone.
  double sched_overhead_us = 1.5;
  /// Longest prompt + output a request may have.
  uint32_t max_model_len = 8192;
  /// Fraction of KV blocks kept free at admission (vLLM's 1% watermark).
  double kv_watermark = 0.01;
  /// Requests the HTTP front end takes at once; 0 = unbounded (vLLM).
  /// llama.cpp's server has `-np + 2` HTTP threads, one per open
  /// connection: more requests wait in front of them where no gauge counts
  /// them, and /metrics, served by the same threads, times out meanwhile.
  /// Modelled by control::run_virtual_loop (the engine sees only what got
  /// past the front end).
  uint32_t http_threads = 0;
};

/// Names of the built-in profiles, in a stable order.
std::vector<std::string_view> profile_names();

/// A built-in profile by name. Fails with `unknown_profile` naming the
/// choices, so a config error points the user at the valid values.
result<profile> find_profile(std::string_view name);

/// Checks that a (possibly user-edited) profile is usable; the problem names
/// the offending field as `profile <name>: <field>`.
result<profile> validate_profile(profile p);

} // namespace kpsynth::sim
