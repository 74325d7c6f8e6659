// Wire-format benchmark: the per-call costs of the OpenAI client path on
// realistic text (MATH train solutions from data/seeds, LaTeX-heavy like real
// math LLM output): JSON string escaping, request serialization, response
// parsing, stream reassembly, error classification and a /metrics scrape.
// Figures are per operation in thread CPU time (the machine may be shared).
//
// Usage: kpsynth_bench_openai_wire [seconds_per_case (default 0.5)]

#include "core/json.hpp"
#include "protocols/openai/prometheus.hpp"
#include "protocols/openai/sse.hpp"
#include "protocols/openai/wire.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

namespace oa = kpsynth::openai;
namespace core = kpsynth::core;

namespace {

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec)
         + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// Runs `f` repeatedly for about `budget_s` CPU seconds; prints ns per call
/// and, given `bytes` per call, MB/s. Returns a checksum so that the work
/// cannot be optimised away.
template<class F>
std::size_t measure(const char* name, double budget_s, std::size_t bytes,
                    F&& f) {
  std::size_t sink = f(); // warm-up (allocations, parser capacity)
  std::size_t n = 0;
  double start = cpu_now();
  double elapsed = 0;
  do {
    for (int i = 0; i < 16; ++i)
      sink += f();
    n += 16;
    elapsed = cpu_now() - start;
  } while (elapsed < budget_s);
  double per = elapsed / static_cast<double>(n);
  std::printf("%-44s %10.2f us/op %12.0f op/s", name, per * 1e6, 1 / per);
  if (bytes)
    std::printf(" %8.0f MB/s", static_cast<double>(bytes) / per / 1e6);
  std::printf("\n");
  return sink;
}

/// Solutions of the bundled MATH train sample: real math text.
std::vector<std::string> load_solutions() {
  std::vector<std::string> out;
  std::ifstream in(KPSYNTH_SOURCE_DIR "/data/seeds/math_train_sample.jsonl");
  core::json_parser p;
  std::string line;
  while (std::getline(in, line)) {
    auto doc = p.parse(line, "math_train_sample.jsonl");
    if (!doc)
      continue;
    if (auto s = doc->get_string("solution"))
      out.emplace_back(*s);
  }
  return out;
}

std::string vllm_metrics_page() {
  std::string page = "# HELP vllm:num_requests_running running\n"
                     "# TYPE vllm:num_requests_running gauge\n";
  for (int engine = 0; engine < 2; ++engine) {
    auto lbl = "{engine=\"" + std::to_string(engine)
               + "\",model_name=\"Qwen/Qwen2.5-Math-7B\"";
    page += "vllm:num_requests_running" + lbl + "} 37.0\n";
    page += "vllm:num_requests_waiting" + lbl + "} 4.0\n";
    page += "vllm:kv_cache_usage_perc" + lbl + "} 0.83\n";
    page += "vllm:num_preemptions_total" + lbl + "} 12.0\n";
    // Histograms dominate real pages: 6 of them with ~20 buckets each.
    for (const char* h :
         {"time_to_first_token_seconds", "e2e_request_latency_seconds",
          "inter_token_latency_seconds", "request_prompt_tokens",
          "request_generation_tokens", "request_queue_time_seconds"}) {
      page += std::string("# TYPE vllm:") + h + " histogram\n";
      for (int b = 0; b < 20; ++b)
        page += std::string("vllm:") + h + "_bucket" + lbl + ",le=\""
                + std::to_string(0.001 * (1 << b)) + "\"} "
                + std::to_string(b * 37) + ".0\n";
      page += std::string("vllm:") + h + "_count" + lbl + "} 815.0\n";
    }
  }
  return page;
}

} // namespace

int main(int argc, char** argv) {
  double budget = argc > 1 ? std::atof(argv[1]) : 0.5;
  auto solutions = load_solutions();
  if (solutions.empty()) {
    std::fprintf(stderr,
                 "no solutions in data/seeds/math_train_sample.jsonl\n");
    return 1;
  }
  std::string all;
  for (const auto& s : solutions)
    all += s;
  std::printf("corpus: %zu MATH solutions, %zu bytes\n", solutions.size(),
              all.size());
  std::size_t sink = 0;

  sink +=
    measure("append_json_string (all solutions)", budget, all.size(), [&] {
      std::string out;
      core::append_json_string(out, all);
      return out.size();
    });

  // A generation request: system prompt plus a seed problem and solution.
  oa::chat_request req;
  req.model = "qwen2.5-math-7b";
  req.messages = {{"system", "You write new competition problems."},
                  {"user", solutions[0] + "\n\n" + solutions[1]}};
  req.params.stop = {"</problem>"};
  auto body = oa::to_json(req);
  sink += measure("to_json(chat_request)", budget, body.size(),
                  [&] { return oa::to_json(req).size(); });

  // A typical response: one choice carrying a long solution, plus usage.
  oa::completion_response resp;
  resp.id = "chatcmpl-1";
  resp.model = "qwen2.5-math-7b";
  resp.created = 1700000000;
  resp.choices = {{0, solutions[2] + solutions[3], "", "stop"}};
  resp.tokens = {812, 604, 1416};
  auto resp_body = oa::to_json(resp, true);
  sink += measure("parse_completion_response", budget, resp_body.size(), [&] {
    auto r = oa::parse_completion_response(resp_body, "bench");
    return r ? r->choices[0].text.size() : 0;
  });

  // The same text streamed as ~4-byte deltas, as vLLM sends it.
  const auto& text = resp.choices[0].text;
  std::string stream = oa::sse_chat_delta("c", "m", 0, "", true);
  std::size_t deltas = 0;
  for (std::size_t i = 0; i < text.size(); i += 4, ++deltas)
    stream += oa::sse_chat_delta("c", "m", 0, text.substr(i, 4), false);
  stream += oa::sse_final_chunk("c", "m", 0, "stop", nullptr);
  stream += oa::sse_usage_chunk("c", "m", resp.tokens, true);
  stream += oa::sse_done();
  char label[80];
  std::snprintf(label, sizeof label, "stream_accumulator (%zu events)",
                deltas + 4);
  sink += measure(label, budget, stream.size(), [&] {
    oa::stream_accumulator acc{"bench", true};
    // Network reads arrive in pieces: feed 1,500-byte segments.
    for (std::size_t i = 0; i < stream.size(); i += 1500)
      acc.feed(std::string_view(stream).substr(i, 1500));
    auto r = acc.finish(true);
    return r ? r->choices[0].text.size() : 0;
  });

  auto err = oa::error_body(400, "BadRequestError",
                            "This model's maximum "
                            "context length is 4096");
  sink += measure("classify_error (OpenAI-shape body)", budget, 0, [&] {
    return oa::classify_error(400, err, "").message.size();
  });

  auto page = vllm_metrics_page();
  sink += measure("parse_prometheus (vLLM page)", budget, page.size(), [&] {
    auto m = oa::parse_prometheus(page);
    return static_cast<std::size_t>(m.running);
  });

  std::printf("checksum %zu\n", sink);
  return 0;
}
