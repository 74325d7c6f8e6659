// Throughput of the simulator's fake model and of the LLM-output parsers.
// The simulator must answer far faster than the servers it imitates (a 7B
// model on one H100 serves a few hundred requests per second), so that
// benchmarks of kpsynth measure kpsynth and not its test double; the parsers
// run once per LLM answer and must never be the bottleneck of a stage.
//
// Usage: kpsynth_bench_responder [iterations per kind, default 20000]

#include "sim/responder.hpp"

#include "core/llm_output.hpp"
#include "core/prompt_pack.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace kpsynth;

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

openai::chat_request make_request(const core::prompt_pack& pack,
                                  const std::string& kind,
                                  const std::map<std::string, std::string>& v) {
  openai::chat_request req;
  req.model = "bench-model";
  req.messages.push_back({"system", std::string{pack.system_message(kind)}});
  req.messages.push_back({"user", *pack.render(kind, v)});
  req.params.temperature = 0.7;
  req.params.max_tokens = pack.sampling(kind).max_tokens;
  return req;
}

} // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20000;
  if (n == 0)
    n = 1;
  auto pack = core::load_prompt_pack(KPSYNTH_SOURCE_DIR "/prompts/math");
  if (!pack) {
    std::fprintf(stderr, "%s\n", pack.error().to_string().c_str());
    return 1;
  }
  sim::responder r;
  auto problem = core::parse_generated_problem(
    r.respond(make_request(*pack, "generate",
                           {{"knowledge_points", "1. Vieta's formulas\n"
                                                 "2. Solving quadratic "
                                                 "equations"},
                            {"count", "2"}}),
              0)
      .text);
  auto solution =
    r.respond(make_request(*pack, "solve", {{"problem", *problem}}), 0).text;
  std::map<std::string, std::map<std::string, std::string>> inputs = {
    {"kp_extract",
     {{"problem", "Evaluate $\\log_432$."},
      {"solution", "Then $4^x = 32$, so $x = \\boxed{\\frac{5}{2}}$."},
      {"max_points", "10"}}},
    {"generate",
     {{"knowledge_points", "1. Basic probability\n2. Counting combinations"},
      {"count", "2"}}},
    {"solve", {{"problem", *problem}}},
    {"judge_problem", {{"problem", *problem}}},
    {"judge_solution", {{"problem", *problem}, {"solution", solution}}},
  };
  std::printf("responder, %zu requests per kind (one core):\n", n);
  for (auto& [kind, values] : inputs) {
    auto req = make_request(*pack, kind, values);
    size_t chars = 0;
    auto start = clock_type::now();
    for (size_t i = 0; i < n; ++i)
      chars += r.respond(req, static_cast<uint32_t>(i)).text.size();
    auto s = seconds_since(start);
    std::printf("  %-15s %10.0f req/s  %8.2f us/req  (%zu chars/answer)\n",
                kind.c_str(), static_cast<double>(n) / s,
                1e6 * s / static_cast<double>(n), chars / n);
  }
  size_t dims = 384;
  auto start = clock_type::now();
  float sink = 0;
  for (size_t i = 0; i < n; ++i)
    sink += r.embed("Solving quadratic equations by factoring "
                      + std::to_string(i % 97),
                    dims)[0];
  auto s = seconds_since(start);
  std::printf("  %-15s %10.0f texts/s (%zu dims, checksum %.3f)\n", "embed",
              static_cast<double>(n) / s, dims, static_cast<double>(sink));
  std::printf("parsers, %zu calls each:\n", n);
  auto bench_parser = [&](const char* name, const std::string& text,
                          auto&& parse) {
    size_t ok = 0;
    auto t0 = clock_type::now();
    for (size_t i = 0; i < n; ++i)
      ok += parse(text) ? 1 : 0;
    auto secs = seconds_since(t0);
    std::printf("  %-24s %10.0f calls/s  %8.1f MB/s  (%zu ok)\n", name,
                static_cast<double>(n) / secs,
                static_cast<double>(text.size() * n) / secs / 1e6, ok);
  };
  bench_parser("parse_solution", solution, [](const std::string& t) {
    return bool(core::parse_solution(t));
  });
  std::string kps;
  for (int i = 1; i <= 10; ++i)
    kps += std::to_string(i) + ". **Knowledge point " + std::to_string(i)
           + "**: a short explanation\n";
  bench_parser("parse_kp_list", kps, [](const std::string& t) {
    return bool(core::parse_kp_list(t));
  });
  bench_parser("parse_score",
               "1. Completeness: fine.\n2. Clarity: fine.\n"
               "**Score:** 0.93\n",
               [](const std::string& t) { return bool(core::parse_score(t)); });
  bench_parser(
    "parse_verdict", "The steps check out.\nVerdict: True\n",
    [](const std::string& t) { return bool(core::parse_verdict(t)); });
  return 0;
}
