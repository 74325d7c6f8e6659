#pragma once

// Reading an inference server's Prometheus `/metrics` page. Self-hosted
// servers queue silently instead of answering 429, so these gauges are the
// saturation signal the concurrency controller steers by.

#include "control/server_metrics.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kpsynth::openai {

/// One sample line of the text exposition format.
struct prometheus_sample {
  std::string name;
  /// Label pairs in line order, values unescaped (`\"`, `\\`, `\n`).
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0; ///< NaN and +-Inf as written.
  bool has_timestamp = false;
  int64_t timestamp_ms = 0;
};

/// Every well-formed sample of `text` (Prometheus text format 0.0.4 and the
/// OpenMetrics subset servers emit: `# HELP`/`# TYPE`/`# EOF` lines, labels
/// with escapes, NaN/+Inf/-Inf, optional timestamps, CRLF). Lines that do not
/// parse are skipped: a scrape must never fail on one odd line, and garbage
/// input yields no samples rather than an error.
std::vector<prometheus_sample> parse_prometheus_samples(std::string_view text);

/// Each metric name's value summed over its label sets (so per-engine or
/// per-model gauges add up). Never throws on garbage.
std::map<std::string, double, std::less<>>
sum_prometheus_metrics(std::string_view text);

/// The load gauges of vLLM (`vllm:num_requests_running`,
/// `vllm:num_requests_waiting`, `vllm:kv_cache_usage_perc` or the older
/// `vllm:gpu_cache_usage_perc`, `vllm:num_preemptions_total` or
/// `vllm:num_preemptions`) or llama.cpp (`llamacpp:requests_processing`,
/// `llamacpp:requests_deferred`, `llamacpp:kv_cache_usage_ratio`). Counts are
/// summed over label sets; KV usage is averaged over them (it is a fraction
/// per engine) and clamped to 0..1. A gauge that is absent or not finite
/// leaves its `has_*` flag false.
control::server_metrics parse_prometheus(std::string_view text);

} // namespace kpsynth::openai
