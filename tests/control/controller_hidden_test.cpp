// What real servers do to the controller that the OpenAI spec does not say:
// llama.cpp queues connections in front of its HTTP threads where no gauge
// counts them, answers /metrics from the same threads (so a flooded server
// does not answer at all), and never runs more than its `-np` slots.

#include "control/concurrency_controller.hpp"

#include <catch2/catch.hpp>

using namespace kpsynth::control;

namespace {

server_metrics llamacpp(double processing, double deferred) {
  server_metrics m;
  m.has_running = m.has_waiting = m.has_kv_usage = true;
  m.running = processing;
  m.waiting = deferred;
  m.kv_usage = 0.1;
  return m;
}

} // namespace

TEST_CASE("gauges: our requests the server does not count are a queue") {
  // As seen against llama-server -np 8: hundreds in flight, 8 processing,
  // requests_deferred 0 -- the rest wait for one of its 10 HTTP threads.
  controller_options o;
  o.initial_limit = 512;
  concurrency_controller c{o};
  double now = 0;
  c.on_send(now, 512);
  c.on_metrics(now += 0.5, llamacpp(8, 0), 512);
  CHECK(c.limit() <= 8 + 2);
  CHECK(c.snapshot().hidden_queue > 400);
  CHECK(c.snapshot().phase == controller_phase::steady);
  CHECK(c.reason() == "queue the server's gauges do not count");
  // The same counts with a matching in-flight figure are no queue: a
  // client in slow start keeps doubling.
  concurrency_controller d;
  d.on_send(0, 8);
  d.on_metrics(0.5, llamacpp(8, 0), 8);
  CHECK(d.limit() == 16);
  // A server that has seen none of ours yet (just started, or the requests
  // are in transit) has no queue either.
  concurrency_controller e;
  e.on_send(0, 8);
  e.on_metrics(0.1, llamacpp(0, 0), 8);
  CHECK(e.snapshot().hidden_queue == 0);
  // Nor room to grow into: nothing is known to run, so no slot cap either
  // (this doubled 8 to 16 against -np 2 before it was checked).
  CHECK(e.limit() == 8);
}

TEST_CASE("gauges: slow start stops at four times the slots seen running") {
  concurrency_controller c;
  double now = 0;
  for (int i = 0; i < 20; ++i) {
    c.on_send(now, c.limit());
    // In flight unknown: only the slot cap can stop the doubling.
    c.on_metrics(now += 0.5, llamacpp(8, 0));
  }
  CHECK(c.limit() == 32);
  CHECK(c.snapshot().slot_cap == 32);
}

TEST_CASE("a failed scrape while requests are in flight cuts, never grows") {
  concurrency_controller c;
  double now = 0;
  for (int i = 0; i < 2; ++i) {
    c.on_send(now, c.limit());
    c.on_metrics(now += 0.5, llamacpp(c.limit(), 0), c.limit());
  }
  REQUIRE(c.limit() == 32);
  c.on_metrics_failure(now += 2, 32);
  CHECK(c.limit() == static_cast<uint32_t>(32 * 0.7));
  CHECK(c.snapshot().phase == controller_phase::steady);
  // One cut per hold-off, and never below what the server ran.
  c.on_metrics_failure(now += 0.1, 22);
  CHECK(c.limit() == 22);
  for (int i = 0; i < 20; ++i)
    c.on_metrics_failure(now += 2, 22);
  CHECK(c.limit() == 16);
  // An idle client learns nothing from a failed scrape.
  concurrency_controller idle;
  idle.on_metrics_failure(1, 0);
  CHECK(idle.limit() == 8);
}

TEST_CASE("falling throughput cuts and vetoes growth the gauges want") {
  // Against llama-server on 2 CPU cores each extra stream slowed all:
  // latency grew faster than in-flight, while requests_deferred read 0.
  controller_options o;
  o.latency.window_min_samples = 4;
  o.initial_limit = 12;
  concurrency_controller c{o};
  double now = 0;
  c.on_metrics(now, llamacpp(12, 0), 12); // Gauge mode from here.
  auto window = [&](uint32_t inflight, double s_per_token) {
    // Five samples 0.3 s apart: each call closes one 1 s window.
    for (int i = 0; i < 5; ++i)
      c.on_success(now += 0.3, s_per_token * 64, 64, inflight);
  };
  window(8, 0.01);
  window(12, 0.045); // 1.5 x in flight, 4.5 x latency: throughput falls.
  REQUIRE(c.snapshot().elasticity > o.goodput_elasticity);
  // Back to the Little's-law floor of the knee (at least half the level).
  CHECK(c.limit() == 6);
  CHECK(c.reason() == "throughput falls as in-flight grows");
  auto held = c.limit();
  for (int i = 0; i < 5; ++i) {
    c.on_send(now, c.limit());
    c.on_metrics(now += 0.5, llamacpp(6, 0), c.limit());
  }
  CHECK(c.limit() == held); // The gauges' empty queue does not outvote it.
  // Latency back to normal at that level: the gauges lead again.
  window(12, 0.01);
  window(12, 0.01);
  window(12, 0.01);
  c.on_send(now, c.limit());
  c.on_metrics(now += 0.5, llamacpp(6, 0), c.limit());
  CHECK(c.limit() > held);
}
