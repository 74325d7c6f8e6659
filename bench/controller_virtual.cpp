// Closed-loop comparison in virtual time: fixed concurrency limits against
// the adaptive controller on several simulated servers, plus the cost of the
// capacity model itself. Usage: kpsynth_bench_controller_virtual [seconds
// [profile...]] (virtual seconds per run, default 600; profiles: only those).

#include "control/virtual_loop.hpp"
#include "sim/engine.hpp"
#include "sim/profiles.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace kpsynth;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct mode {
  std::string name;
  uint32_t fixed_limit;
  bool use_metrics;
};

void run_profile(const std::string& name, double duration,
                 const control::loop_workload& workload,
                 std::vector<uint32_t> fixed = {32, 64, 128, 256, 1024}) {
  auto p = sim::find_profile(name);
  if (!p) {
    std::printf("%s\n", p.error().to_string().c_str());
    return;
  }
  std::printf("\n%s: max_num_seqs %u, ttft %.0f ms, itl %.0f ms, "
              "kv %llu tokens; outputs %u..%u tokens; %.0f virtual s "
              "(stats from 60 s)\n",
              name.c_str(), p->max_num_seqs, p->ttft_ms, p->itl_ms,
              static_cast<unsigned long long>(p->kv_cache_tokens),
              workload.output_min, workload.output_max, duration);
  std::printf("%-16s %7s %8s %8s %7s %7s %7s %6s %8s %7s %7s\n", "mode",
              "busy%", "req/s", "tok/s", "p50 s", "p99 s", "preempt", "429s",
              "wait avg", "limit", "wall s");
  std::vector<mode> modes;
  for (auto n : fixed)
    modes.push_back({"fixed " + std::to_string(n), n, false});
  modes.push_back({"adaptive", 0, true});
  modes.push_back({"adaptive-latency", 0, false});
  for (const auto& m : modes) {
    control::loop_options o;
    o.duration_s = duration;
    o.measure_from_s = 60;
    o.fixed_limit = m.fixed_limit;
    o.use_metrics = m.use_metrics;
    o.workload = workload;
    auto t0 = clock_type::now();
    auto s = control::run_virtual_loop(*p, o);
    double wall = seconds_since(t0);
    std::printf("%-16s %7.1f %8.2f %8.0f %7.2f %7.2f %7llu %6llu %8.1f %7.0f "
                "%7.2f\n",
                m.name.c_str(), 100 * s.busy_fraction, s.requests_per_s,
                s.tokens_per_s, s.p50_latency_s, s.p99_latency_s,
                static_cast<unsigned long long>(s.preemptions),
                static_cast<unsigned long long>(s.rejected), s.waiting_mean,
                s.limit_mean, wall);
  }
}

/// CPU cost of the engine alone with every slot of 7b-h100 busy.
void engine_step_cost() {
  auto p = *sim::find_profile("7b-h100");
  sim::engine eng{p};
  // Outputs long enough that nobody finishes: pure decode steps.
  for (uint64_t id = 0; id < p.max_num_seqs; ++id)
    eng.submit(id, 300, 4000, 0);
  std::vector<sim::event> events;
  eng.advance(1.0, events); // Past every prefill.
  auto t0 = clock_type::now();
  uint64_t steps = 0;
  while (steps < 2000) {
    eng.advance(eng.next_event_time(), events);
    events.clear();
    ++steps;
  }
  double wall = seconds_since(t0);
  double per_step = wall / static_cast<double>(steps);
  double steps_per_s = 1
                       / (p.itl_ms / 1000 * p.load_factor_full
                          + p.sched_overhead_us / 1e6 * p.max_num_seqs);
  std::printf("\nengine, 7b-h100, %u running: %.2f us per step; at %.0f "
              "steps/s that is %.3f%% of one core\n",
              p.max_num_seqs, per_step * 1e6, steps_per_s,
              100 * per_step * steps_per_s);
}

/// Submission throughput of the `zero` profile (client overhead baseline).
void zero_profile_rate() {
  auto p = *sim::find_profile("zero");
  sim::engine eng{p};
  std::vector<sim::event> events;
  const uint64_t n = 1'000'000;
  uint64_t finished = 0;
  auto t0 = clock_type::now();
  for (uint64_t id = 0; id < n; ++id) {
    double now = static_cast<double>(id) * 2e-5; // 50k submissions/s.
    eng.submit(id, 300, 400, now);
    eng.advance(now, events);
    for (const auto& e : events)
      finished += e.kind == sim::event_kind::finished;
    events.clear();
  }
  double wall = seconds_since(t0);
  std::printf("engine, zero profile: %llu of %llu completed instantly, "
              "%.2f M submit+advance per second of CPU\n",
              static_cast<unsigned long long>(finished),
              static_cast<unsigned long long>(n),
              static_cast<double>(n) / wall / 1e6);
}

} // namespace

int main(int argc, char** argv) {
  double duration = argc > 1 ? std::atof(argv[1]) : 600;
  if (!(duration > 60)) {
    std::fprintf(stderr, "usage: %s [virtual seconds > 60]\n", argv[0]);
    return 2;
  }
  control::loop_workload typical; // Prompts 200..400, outputs 100..700.
  if (argc > 2) {                 // Only the named profiles, typical workload.
    for (int i = 2; i < argc; ++i)
      run_profile(argv[i], duration, typical);
    return 0;
  }
  for (auto name : {"7b-h100", "7b-h100-kv", "70b-4xh100", "8b-l4", "tiny-cpu"})
    run_profile(name, duration, typical);
  // The real llama-server's measurement (scripts/llama_saturation.sh):
  // 64-token answers to a ~45-token prompt, concurrencies around -np 8.
  control::loop_workload short_answers;
  short_answers.prompt_min = 40;
  short_answers.prompt_max = 50;
  short_answers.output_min = short_answers.output_max = 64;
  run_profile("llamacpp-8", duration, short_answers, {4, 8, 10, 16, 32, 64});
  // Long answers make the 70B server's KV cache, not its slots, the limit:
  // filling every slot preempts and recomputes.
  auto long_answers = typical;
  long_answers.output_min = 600;
  long_answers.output_max = 1000;
  run_profile("70b-4xh100", duration, long_answers);
  engine_step_cost();
  zero_profile_rate();
  return 0;
}
