#include "protocols/openai/prometheus.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <string>

using namespace kpsynth::openai;

namespace {

/// The shape of vLLM V1's /metrics with two data-parallel engines (trimmed:
/// real pages carry dozens of histograms like the one kept here).
const char* vllm_v1 =
  R"(# HELP python_gc_objects_collected_total Objects collected in gc
# TYPE python_gc_objects_collected_total counter
python_gc_objects_collected_total{generation="0"} 12003.0
# HELP vllm:num_requests_running Number of requests in model execution.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="qwen-7b"} 37.0
vllm:num_requests_running{engine="1",model_name="qwen-7b"} 35.0
# HELP vllm:num_requests_waiting Number of requests waiting.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="qwen-7b"} 4.0
vllm:num_requests_waiting{engine="1",model_name="qwen-7b"} 0.0
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="qwen-7b"} 0.9
vllm:kv_cache_usage_perc{engine="1",model_name="qwen-7b"} 0.7
# HELP vllm:num_preemptions_total Cumulative number of preemption.
# TYPE vllm:num_preemptions_total counter
vllm:num_preemptions_total{engine="0",model_name="qwen-7b"} 3.0
vllm:num_preemptions_total{engine="1",model_name="qwen-7b"} 2.0
# HELP vllm:time_to_first_token_seconds Time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.001"} 0.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf"} 815.0
vllm:time_to_first_token_seconds_count{engine="0",model_name="qwen-7b"} 815.0
vllm:time_to_first_token_seconds_sum{engine="0",model_name="qwen-7b"} 61.25
)";

/// vLLM V0 (<= 0.6) names: gpu_cache_usage_perc.
const char* vllm_v0 = "# TYPE vllm:num_requests_running gauge\n"
                      "vllm:num_requests_running{model_name=\"m\"} 5.0\n"
                      "vllm:num_requests_waiting{model_name=\"m\"} 12.0\n"
                      "vllm:gpu_cache_usage_perc{model_name=\"m\"} 0.42\n"
                      "vllm:num_preemptions_total{model_name=\"m\"} 9.0\n";

/// llama.cpp server with --metrics.
const char* llamacpp =
  R"(# HELP llamacpp:prompt_tokens_total Prompt tokens processed.
# TYPE llamacpp:prompt_tokens_total counter
llamacpp:prompt_tokens_total 4096
# HELP llamacpp:prompt_seconds_total Prompt process time
# TYPE llamacpp:prompt_seconds_total counter
llamacpp:prompt_seconds_total 1.734
# HELP llamacpp:tokens_predicted_total Generated tokens.
# TYPE llamacpp:tokens_predicted_total counter
llamacpp:tokens_predicted_total 20480
# HELP llamacpp:kv_cache_usage_ratio KV-cache usage, 1 = 100%.
# TYPE llamacpp:kv_cache_usage_ratio gauge
llamacpp:kv_cache_usage_ratio 0.25
# HELP llamacpp:kv_cache_tokens KV-cache tokens.
# TYPE llamacpp:kv_cache_tokens gauge
llamacpp:kv_cache_tokens 2048
# HELP llamacpp:requests_processing Number of request processing.
# TYPE llamacpp:requests_processing gauge
llamacpp:requests_processing 8
# HELP llamacpp:requests_deferred Number of request deferred.
# TYPE llamacpp:requests_deferred gauge
llamacpp:requests_deferred 4
)";

} // namespace

TEST_CASE("vLLM V1 metrics: sums across engines, mean KV usage") {
  auto m = parse_prometheus(vllm_v1);
  CHECK(m.has_running);
  CHECK(m.running == 72);
  CHECK(m.has_waiting);
  CHECK(m.waiting == 4);
  CHECK(m.has_kv_usage);
  CHECK(m.kv_usage == Approx(0.8));
  CHECK(m.has_preemptions);
  CHECK(m.preemptions_total == 5);
  auto sums = sum_prometheus_metrics(vllm_v1);
  CHECK(sums.at("vllm:time_to_first_token_seconds_count") == 815);
  CHECK(sums.at("python_gc_objects_collected_total") == 12003);
  CHECK(sums.count("vllm:kv_cache_usage_perc") == 1);
}

TEST_CASE("older vLLM names") {
  auto m = parse_prometheus(vllm_v0);
  CHECK(m.running == 5);
  CHECK(m.waiting == 12);
  CHECK(m.kv_usage == Approx(0.42));
  CHECK(m.preemptions_total == 9);
  auto bare = parse_prometheus("vllm:num_preemptions 4\n");
  CHECK(bare.has_preemptions);
  CHECK(bare.preemptions_total == 4);
  CHECK_FALSE(bare.has_running);
}

TEST_CASE("llama.cpp metrics") {
  auto m = parse_prometheus(llamacpp);
  CHECK(m.has_running);
  CHECK(m.running == 8);
  CHECK(m.has_waiting);
  CHECK(m.waiting == 4);
  CHECK(m.has_kv_usage);
  CHECK(m.kv_usage == 0.25);
  CHECK_FALSE(m.has_preemptions);
}

TEST_CASE("exposition details: escapes, NaN, Inf, timestamps, CRLF") {
  std::string text =
    "# comment without HELP\r\n"
    "metric_a{path=\"C:\\\\dir\",quote=\"say \\\"hi\\\" {x}\",nl=\"a\\nb\"} "
    "1.5 1700000000000\r\n"
    "metric_a{path=\"other\",} +2.5e0\r\n"
    "metric_b NaN\n"
    "metric_c +Inf\n"
    "metric_d -Inf 123\n"
    "  metric_e\t3\n"
    "# EOF\n";
  auto samples = parse_prometheus_samples(text);
  REQUIRE(samples.size() == 6);
  CHECK(samples[0].name == "metric_a");
  REQUIRE(samples[0].labels.size() == 3);
  CHECK(samples[0].labels[0].second == "C:\\dir");
  CHECK(samples[0].labels[1].second == "say \"hi\" {x}");
  CHECK(samples[0].labels[2].second == "a\nb");
  CHECK(samples[0].has_timestamp);
  CHECK(samples[0].timestamp_ms == 1700000000000);
  CHECK(samples[1].value == 2.5);
  CHECK_FALSE(samples[1].has_timestamp);
  CHECK(std::isnan(samples[2].value));
  CHECK(samples[3].value == HUGE_VAL);
  CHECK(samples[4].value == -HUGE_VAL);
  CHECK(samples[4].timestamp_ms == 123);
  CHECK(samples[5].name == "metric_e");
  auto sums = sum_prometheus_metrics(text);
  CHECK(sums.at("metric_a") == 4);
  CHECK(sums.size() == 5);
}

TEST_CASE("non-finite gauges leave has_* false") {
  auto m = parse_prometheus("vllm:num_requests_running NaN\n"
                            "vllm:num_requests_waiting +Inf\n"
                            "vllm:kv_cache_usage_perc 1.7\n");
  CHECK_FALSE(m.has_running);
  CHECK_FALSE(m.has_waiting);
  CHECK(m.has_kv_usage);
  CHECK(m.kv_usage == 1.0); // clamped
}

TEST_CASE("malformed lines are skipped, garbage yields nothing") {
  std::string text = "vllm:num_requests_running{engine=\"0\" 5\n" // no }
                     "vllm:num_requests_running{engine=0} 5\n"    // unquoted
                     "vllm:num_requests_running{engine=\"0} 5\n"  // open "
                     "vllm:num_requests_running five\n"
                     "vllm:num_requests_running 5 6 7\n"
                     "vllm:num_requests_running\n"
                     "{engine=\"0\"} 5\n"
                     "9metric 5\n"
                     "vllm:num_requests_running 5 1.7e133\n" // huge timestamp
                     "vllm:num_requests_waiting 2\n";
  auto samples = parse_prometheus_samples(text);
  REQUIRE(samples.size() == 1);
  CHECK(samples[0].name == "vllm:num_requests_waiting");
  auto m = parse_prometheus(text);
  CHECK_FALSE(m.has_running);
  CHECK(m.waiting == 2);

  std::mt19937 rng(3);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 200; ++round) {
    std::string junk(static_cast<std::size_t>(round * 7), '\0');
    for (auto& c : junk)
      c = static_cast<char>(byte(rng));
    auto g = parse_prometheus(junk);
    CHECK_FALSE(g.has_running);
    CHECK_FALSE(g.has_kv_usage);
  }
  CHECK(parse_prometheus_samples("<html>502 Bad Gateway</html>").empty());
  CHECK(parse_prometheus_samples("").empty());
}
