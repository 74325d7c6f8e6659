#include "sim/engine.hpp"
#include "sim/profiles.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <unordered_map>

using namespace kpsynth;
using sim::event_kind;
using sim::submit_result;

namespace {

sim::profile named(std::string_view name) {
  auto p = sim::find_profile(name);
  REQUIRE(p);
  return *p;
}

/// Steps the engine from boundary to boundary until it is idle.
std::vector<sim::event> run_until_idle(sim::engine& eng,
                                       size_t max_steps = 10'000'000) {
  std::vector<sim::event> out;
  size_t steps = 0;
  while (std::isfinite(eng.next_event_time()) && steps++ < max_steps)
    eng.advance(eng.next_event_time(), out);
  REQUIRE(steps <= max_steps);
  return out;
}

std::map<uint64_t, double> finish_times(const std::vector<sim::event>& evs) {
  std::map<uint64_t, double> out;
  for (const auto& e : evs)
    if (e.kind == event_kind::finished)
      out[e.id] = e.time;
  return out;
}

struct closed_loop_result {
  uint64_t delivered_tokens = 0;
  uint64_t preemptions = 0;
  uint64_t generated_tokens = 0;
  double seconds = 0;
};

/// Keeps `inflight` requests of fixed size in the engine for `seconds`.
closed_loop_result keep_inflight(const sim::profile& p, uint32_t inflight,
                                 uint32_t prompt, uint32_t output,
                                 double seconds) {
  sim::engine eng{p};
  std::vector<sim::event> evs;
  uint64_t next_id = 0;
  size_t open = 0;
  closed_loop_result r;
  double now = 0;
  while (now < seconds) {
    while (open < inflight) {
      REQUIRE(eng.submit(next_id++, prompt, output, now)
              == submit_result::accepted);
      ++open;
    }
    now = eng.next_event_time();
    eng.advance(now, evs);
    for (const auto& e : evs) {
      if (e.kind == event_kind::finished) {
        --open;
        r.delivered_tokens += e.tokens;
      }
    }
    evs.clear();
  }
  auto m = eng.snapshot(now);
  r.preemptions = m.preemptions_total;
  r.generated_tokens = m.generated_tokens_total;
  r.seconds = now;
  return r;
}

} // namespace

TEST_CASE("profiles are found by name and validated") {
  for (auto name : sim::profile_names()) {
    auto p = sim::find_profile(name);
    REQUIRE(p);
    CHECK(p->name == name);
    CHECK(sim::validate_profile(*p));
  }
  auto bad = sim::find_profile("13b-a100");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "unknown_profile");
  CHECK(bad.error().message.find("7b-h100") != std::string::npos);
  auto p = named("8b-l4");
  p.block_size = 0;
  auto v = sim::validate_profile(p);
  REQUIRE_FALSE(v);
  CHECK(v.error().where == "profile 8b-l4: block_size");
  p = named("8b-l4");
  p.load_factor_full = 0.5;
  CHECK(sim::validate_profile(p).error().where
        == "profile 8b-l4: load_factor_full");
}

TEST_CASE("a lone request takes ttft plus one step per further token") {
  auto p = named("7b-h100");
  sim::engine eng{p};
  REQUIRE(eng.submit(7, 300, 100, 2.0) == submit_result::accepted);
  CHECK(eng.next_event_time() == 2.0);
  auto evs = run_until_idle(eng);
  double lf = 1 + (p.load_factor_full - 1) / p.max_num_seqs;
  double ttft = p.ttft_ms / 1000 * lf;
  double step = p.itl_ms / 1000 * lf + p.sched_overhead_us / 1e6;
  REQUIRE(evs.size() == 2);
  CHECK(evs[0].kind == event_kind::first_token);
  CHECK(evs[0].time == Approx(2.0 + ttft));
  CHECK(evs[1].kind == event_kind::finished);
  CHECK(evs[1].tokens == 100);
  CHECK(evs[1].time == Approx(2.0 + ttft + 99 * step));
  CHECK(std::isinf(eng.next_event_time()));
  auto m = eng.snapshot(evs[1].time);
  CHECK(m.completed_total == 1);
  CHECK(m.generated_tokens_total == 100);
  CHECK(m.prompt_tokens_total == 300);
  CHECK(m.running == 0);
  CHECK(m.kv_usage == 0);
}

TEST_CASE("running never exceeds max_num_seqs; the rest wait in order") {
  auto p = named("7b-h100");
  p.max_num_seqs = 4;
  sim::engine eng{p};
  for (uint64_t id = 0; id < 10; ++id)
    REQUIRE(eng.submit(id, 100, 20 + id, 0) == submit_result::accepted);
  eng.advance(0);
  auto m = eng.snapshot(0);
  CHECK(m.running == 4);
  CHECK(m.waiting == 6);
  std::vector<sim::event> evs;
  while (std::isfinite(eng.next_event_time())) {
    eng.advance(eng.next_event_time(), evs);
    CHECK(eng.snapshot(eng.next_event_time()).running <= 4);
  }
  auto fin = finish_times(evs);
  REQUIRE(fin.size() == 10);
  // FIFO admission: the first four finish before the last one starts.
  CHECK(fin[3] < fin[9]);
  CHECK(eng.snapshot(fin[9]).completed_total == 10);
}

TEST_CASE("a full waiting queue rejects, so the server can answer 429") {
  auto p = named("7b-h100");
  p.max_num_seqs = 2;
  p.max_waiting = 3;
  sim::engine eng{p};
  for (uint64_t id = 0; id < 5; ++id)
    CHECK(eng.submit(id, 100, 50, 0) == submit_result::accepted);
  CHECK(eng.submit(5, 100, 50, 0) == submit_result::rejected_queue_full);
  eng.advance(0); // Two admitted, three waiting, no slot free.
  CHECK(eng.submit(6, 100, 50, 0) == submit_result::rejected_queue_full);
  CHECK(eng.snapshot(0).rejected_total == 2);
  auto evs = run_until_idle(eng);
  CHECK(finish_times(evs).size() == 5);
  // Room again once the queue drained.
  CHECK(eng.submit(7, 100, 50, 100) == submit_result::accepted);
}

TEST_CASE("requests that can never fit are rejected, duplicates too") {
  auto p = named("8b-l4");
  sim::engine eng{p};
  CHECK(eng.submit(1, p.max_model_len, 1, 0)
        == submit_result::rejected_too_long);
  p.kv_cache_tokens = 1024;
  sim::engine small{p};
  CHECK(small.submit(1, 600, 600, 0) == submit_result::rejected_too_long);
  CHECK(small.submit(2, 300, 300, 0) == submit_result::accepted);
  CHECK(small.submit(2, 300, 300, 0) == submit_result::rejected_duplicate_id);
  CHECK(small.snapshot(0).rejected_total == 1);
}

TEST_CASE("latency grows with load by the load factor") {
  auto p = named("7b-h100");
  auto lone = [&] {
    sim::engine eng{p};
    eng.submit(1, 300, 200, 0);
    return finish_times(run_until_idle(eng))[1];
  }();
  sim::engine eng{p};
  for (uint64_t id = 0; id < p.max_num_seqs; ++id)
    eng.submit(id, 300, 200, 0);
  auto fin = finish_times(run_until_idle(eng));
  REQUIRE(fin.size() == p.max_num_seqs);
  double worst = 0;
  for (auto& [id, t] : fin)
    worst = std::max(worst, t);
  CHECK(worst > 1.5 * lone);
  CHECK(worst < 1.7 * lone);
}

TEST_CASE("the scheduler's per-request cost makes a flood slow everyone") {
  auto p = named("tiny-cpu");
  auto slots_only = keep_inflight(p, p.max_num_seqs, 100, 200, 300);
  auto flooded = keep_inflight(p, 64, 100, 200, 300);
  CHECK(flooded.delivered_tokens < 0.85 * slots_only.delivered_tokens);
}

TEST_CASE("over-admission on a tight KV cache preempts and lowers goodput") {
  auto p = named("70b-4xh100");
  SECTION("a burst preempts the most recently admitted first") {
    sim::engine eng{p};
    for (uint64_t id = 0; id < p.max_num_seqs; ++id)
      eng.submit(id, 300, 700, 0);
    auto evs = run_until_idle(eng);
    auto first = std::find_if(evs.begin(), evs.end(), [](const auto& e) {
      return e.kind == event_kind::preempted;
    });
    REQUIRE(first != evs.end());
    CHECK(first->id == p.max_num_seqs - 1);
    CHECK(first->tokens > 0); // Its tokens are discarded.
    CHECK(finish_times(evs).size() == p.max_num_seqs);
    auto m = eng.snapshot(evs.back().time);
    CHECK(m.preemptions_total > 0);
    CHECK(m.generated_tokens_total > uint64_t{p.max_num_seqs} * 700);
    CHECK(m.kv_usage == 0);
  }
  SECTION("a closed loop at the slot count loses to a smaller one") {
    auto over = keep_inflight(p, p.max_num_seqs, 300, 900, 900);
    auto fits = keep_inflight(p, 60, 300, 900, 900);
    CHECK(over.preemptions > 100);
    CHECK(fits.preemptions == 0);
    CHECK(over.generated_tokens > over.delivered_tokens);
    CHECK(fits.delivered_tokens > over.delivered_tokens);
  }
}

TEST_CASE("busy_slot_seconds integrates running over time") {
  auto p = named("8b-l4");
  SECTION("one slot, two requests back to back") {
    p.max_num_seqs = 1;
    sim::engine eng{p};
    eng.submit(1, 100, 50, 0);
    eng.submit(2, 100, 80, 0);
    auto fin = finish_times(run_until_idle(eng));
    REQUIRE(fin.size() == 2);
    CHECK(eng.snapshot(fin[2]).busy_slot_seconds == Approx(fin[2]));
    CHECK(eng.snapshot(fin[2] + 10).busy_slot_seconds == Approx(fin[2]));
  }
  SECTION("two slots in parallel") {
    sim::engine eng{p};
    eng.submit(1, 100, 50, 1.0);
    eng.submit(2, 100, 80, 1.0);
    auto fin = finish_times(run_until_idle(eng));
    CHECK(eng.snapshot(fin[2]).busy_slot_seconds
          == Approx(fin[1] - 1.0 + fin[2] - 1.0));
  }
}

TEST_CASE("the zero profile completes at the instant of submission") {
  sim::engine eng{named("zero")};
  std::vector<sim::event> evs;
  for (uint64_t id = 0; id < 10'000; ++id) {
    double now = 5.0 + static_cast<double>(id) * 1e-5;
    REQUIRE(eng.submit(id, 300, 400, now) == submit_result::accepted);
    eng.advance(now, evs);
    REQUIRE(evs.size() == 2);
    CHECK(evs[1].kind == event_kind::finished);
    CHECK(evs[1].time == now);
    CHECK(evs[1].tokens == 400);
    evs.clear();
  }
  CHECK(std::isinf(eng.next_event_time()));
  CHECK(eng.size() == 0);
  // A burst larger than the slot count also completes at once.
  for (uint64_t id = 0; id < 10'000; ++id)
    eng.submit(100'000 + id, 10, 10, 9.0);
  eng.advance(9.0, evs);
  CHECK(finish_times(evs).size() == 10'000);
  CHECK(eng.snapshot(9.0).completed_total == 20'000);
}

TEST_CASE("cancel frees the slot and the KV blocks") {
  auto p = named("8b-l4");
  p.max_num_seqs = 1;
  sim::engine eng{p};
  eng.submit(1, 320, 100, 0);
  eng.submit(2, 320, 100, 0);
  eng.submit(3, 320, 100, 0);
  eng.advance(0);
  CHECK(eng.snapshot(0).kv_usage > 0);
  CHECK(eng.cancel(3, 0.01)); // Waiting.
  CHECK(eng.cancel(1, 0.02)); // Running.
  CHECK_FALSE(eng.cancel(1, 0.02));
  CHECK_FALSE(eng.cancel(99, 0.02));
  auto m = eng.snapshot(0.02);
  CHECK(m.running == 0);
  CHECK(m.waiting == 1);
  CHECK(m.kv_usage == 0);
  auto evs = run_until_idle(eng);
  auto fin = finish_times(evs);
  REQUIRE(fin.size() == 1);
  CHECK(fin.count(2) == 1);
  CHECK(eng.snapshot(fin[2]).completed_total == 1);
}

TEST_CASE("progress events come every progress_tokens tokens") {
  sim::engine eng{named("7b-h100"), sim::engine_options{10}};
  eng.submit(1, 50, 35, 0);
  auto evs = run_until_idle(eng);
  std::vector<std::pair<event_kind, uint32_t>> seen;
  for (const auto& e : evs)
    seen.emplace_back(e.kind, e.tokens);
  std::vector<std::pair<event_kind, uint32_t>> want = {
    {event_kind::first_token, 1},
    {event_kind::progress, 10},
    {event_kind::progress, 20},
    {event_kind::progress, 30},
    {event_kind::finished, 35}};
  CHECK(seen == want);
}

TEST_CASE("reconfigure shrinks capacity without losing requests") {
  auto p = named("8b-l4");
  sim::engine eng{p};
  for (uint64_t id = 0; id < 40; ++id)
    eng.submit(id, 200, 100, 0);
  eng.advance(1.0);
  auto small = p;
  small.max_num_seqs = 8;
  small.kv_cache_tokens = 4096;
  std::vector<sim::event> evs;
  eng.reconfigure(small, 1.0, evs);
  CHECK(eng.snapshot(1.0).kv_usage <= 1.0);
  CHECK(eng.snapshot(1.0).preemptions_total > 0);
  auto rest = run_until_idle(eng);
  evs.insert(evs.end(), rest.begin(), rest.end());
  CHECK(finish_times(evs).size() == 40);
}

TEST_CASE("metrics render as vLLM Prometheus text") {
  sim::engine eng{named("8b-l4")};
  eng.submit(1, 100, 10, 0);
  eng.submit(2, 100, 10, 0);
  eng.advance(0.0);
  auto text = sim::render_prometheus(eng.snapshot(0), "m\"x");
  for (auto name : {"vllm:num_requests_running", "vllm:num_requests_waiting",
                    "vllm:kv_cache_usage_perc", "vllm:num_preemptions_total",
                    "vllm:generation_tokens_total", "vllm:prompt_tokens_total",
                    "vllm:request_success_total"}) {
    INFO(name);
    CHECK(text.find(std::string{"# TYPE "} + name) != std::string::npos);
  }
  CHECK(text.find("vllm:num_requests_running{model_name=\"m\\\"x\"} 2\n")
        != std::string::npos);
  CHECK(text.find("vllm:prompt_tokens_total{model_name=\"m\\\"x\"} 200\n")
        != std::string::npos);
}
