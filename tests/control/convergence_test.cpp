// The controller against simulated servers it is not told about, in a
// virtual-time closed loop (control/virtual_loop.hpp): deterministic, and a
// ten-minute run takes milliseconds.

#include "control/virtual_loop.hpp"
#include "sim/profiles.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace kpsynth;

namespace {

sim::profile named(std::string_view name) {
  auto p = sim::find_profile(name);
  REQUIRE(p);
  return *p;
}

uint32_t limit_at(const control::loop_stats& s, double t) {
  uint32_t out = 0;
  for (const auto& [at, limit] : s.limit_trace)
    if (at <= t)
      out = limit;
  return out;
}

uint32_t max_limit_between(const control::loop_stats& s, double from,
                           double to) {
  uint32_t out = 0;
  for (const auto& [at, limit] : s.limit_trace)
    if (at >= from && at <= to)
      out = std::max(out, limit);
  return out;
}

} // namespace

TEST_CASE("with server gauges the controller saturates every slot") {
  auto name =
    GENERATE(as<std::string>{}, "7b-h100", "70b-4xh100", "8b-l4", "tiny-cpu");
  INFO(name);
  auto p = named(name);
  auto workload = GENERATE(values<control::loop_workload>(
    {{200, 400, 100, 700, 42}, {50, 100, 10, 60, 7}}));
  INFO("outputs " << workload.output_min << ".." << workload.output_max);
  control::loop_options o;
  o.duration_s = 300;
  o.measure_from_s = 60;
  o.workload = workload;
  auto s = control::run_virtual_loop(p, o);
  CHECK(s.busy_fraction >= 0.97);
  CHECK(s.preemptions <= 2);
  CHECK(s.rejected == 0);
  // A short queue, never a flood.
  CHECK(s.waiting_max <= std::max(4.0, 0.1 * p.max_num_seqs));
  CHECK(s.limit_mean <= 1.1 * p.max_num_seqs + 4);
}

TEST_CASE("slow start reaches hundreds within seconds") {
  control::loop_options o;
  o.duration_s = 10;
  o.measure_from_s = 0;
  auto s = control::run_virtual_loop(named("7b-h100"), o);
  CHECK(limit_at(s, 0) == 8);
  CHECK(limit_at(s, 5) >= 256);
}

TEST_CASE("from latency alone the controller finds the knee") {
  auto name =
    GENERATE(as<std::string>{}, "7b-h100", "70b-4xh100", "8b-l4", "tiny-cpu");
  INFO(name);
  auto p = named(name);
  control::loop_options o;
  o.duration_s = 600;
  o.measure_from_s = 200;
  o.use_metrics = false;
  auto s = control::run_virtual_loop(p, o);
  CHECK(s.busy_fraction >= 0.9);
  CHECK(s.rejected == 0);
  // Bounded queueing: well short of what a fixed 1024 would queue.
  CHECK(s.waiting_mean <= 0.35 * p.max_num_seqs + 2);
  CHECK(s.limit_mean <= 1.4 * p.max_num_seqs + 4);
}

TEST_CASE("a flood hurts a CPU server; the controller stays at the knee") {
  auto p = named("tiny-cpu");
  control::loop_options o;
  o.duration_s = 600;
  o.measure_from_s = 100;
  auto adaptive = control::run_virtual_loop(p, o);
  o.fixed_limit = 64;
  auto flood = control::run_virtual_loop(p, o);
  CHECK(adaptive.tokens_per_s > 1.3 * flood.tokens_per_s);
  CHECK(adaptive.p50_latency_s < 0.5 * flood.p50_latency_s);
}

TEST_CASE("on a KV-bound workload the controller avoids preemption") {
  auto p = named("70b-4xh100");
  control::loop_options o;
  o.duration_s = 900;
  o.measure_from_s = 200;
  o.workload.output_min = 600;
  o.workload.output_max = 1000;
  auto adaptive = control::run_virtual_loop(p, o);
  o.fixed_limit = p.max_num_seqs;
  auto slots = control::run_virtual_loop(p, o);
  INFO("adaptive " << adaptive.preemptions << " preemptions, "
                   << adaptive.tokens_per_s << " tok/s; fixed "
                   << slots.preemptions << ", " << slots.tokens_per_s);
  CHECK(slots.preemptions > 500);
  // A few preemptions are information, not alarm: the KV cache must stay
  // full to serve most, so the goal is throughput with far fewer
  // preemptions than filling every slot, not none.
  CHECK(adaptive.preemptions * 2 < slots.preemptions);
  CHECK(adaptive.tokens_per_s > slots.tokens_per_s);
  CHECK(adaptive.p99_latency_s < slots.p99_latency_s);
}

TEST_CASE("429s from a small server queue shrink the limit") {
  auto p = named("7b-h100");
  p.max_waiting = 4;
  auto metrics = GENERATE(true, false);
  INFO("gauges " << metrics);
  control::loop_options o;
  o.duration_s = 400;
  o.measure_from_s = 100;
  o.use_metrics = metrics;
  auto s = control::run_virtual_loop(p, o);
  CHECK(s.busy_fraction >= 0.9);
  // Rare: each 429 cuts the limit and pauses for the Retry-After.
  CHECK(s.rejected * 100 < s.completed);
  CHECK(s.limit_mean < p.max_num_seqs + p.max_waiting + 8);
}

TEST_CASE("the limit follows a capacity drop and recovers after it") {
  auto p = named("7b-h100");
  auto quarter = p;
  quarter.max_num_seqs = p.max_num_seqs / 4;
  control::loop_options o;
  o.changes = {{100, quarter}, {200, p}};
  SECTION("with gauges") {
    o.duration_s = 300;
    o.measure_from_s = 230;
    auto s = control::run_virtual_loop(p, o);
    CHECK(limit_at(s, 99) >= 256);
    // The queue is kept short after the drop...
    CHECK(max_limit_between(s, 120, 200) <= quarter.max_num_seqs + 16);
    // ...and the slots are filled again soon after the recovery.
    CHECK(s.busy_fraction >= 0.97);
    CHECK(s.waiting_max <= 0.1 * p.max_num_seqs);
  }
  SECTION("from latency alone") {
    o.use_metrics = false;
    o.duration_s = 450;
    o.measure_from_s = 350;
    auto s = control::run_virtual_loop(p, o);
    CHECK(max_limit_between(s, 180, 200) <= 2 * quarter.max_num_seqs);
    CHECK(s.busy_fraction >= 0.9);
  }
}
