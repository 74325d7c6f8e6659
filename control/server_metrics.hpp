#pragma once

namespace kpsynth::control {

/// What an inference server says about its own load, scraped from its
/// Prometheus `/metrics` (vLLM `vllm:*` or llama.cpp `llamacpp:*` names).
/// Self-hosted servers never answer 429 when saturated -- they queue silently
/// -- so these gauges, not error codes, are the primary saturation signal.
/// A `has_*` flag is false when the server does not export that gauge.
struct server_metrics {
  bool has_running = false;
  double running = 0; ///< Sequences being decoded.
  bool has_waiting = false;
  double waiting = 0; ///< Requests queued inside the server.
  bool has_kv_usage = false;
  double kv_usage = 0; ///< KV-cache usage, 0..1.
  bool has_preemptions = false;
  double preemptions_total = 0; ///< Monotonic count of preemptions.
};

} // namespace kpsynth::control
