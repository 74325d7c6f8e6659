#include "control/concurrency_controller.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace kpsynth::control;

namespace {

server_metrics gauges(double running, double waiting, double kv = 0.5,
                      double preemptions = 0) {
  server_metrics m;
  m.has_running = m.has_waiting = m.has_kv_usage = m.has_preemptions = true;
  m.running = running;
  m.waiting = waiting;
  m.kv_usage = kv;
  m.preemptions_total = preemptions;
  return m;
}

/// Drives the controller as a client that always fills the limit, against
/// a server with `slots` slots, one scrape per call.
void scrape_saturated(concurrency_controller& c, double now, double slots) {
  double inflight = c.limit();
  c.on_send(now, c.limit());
  c.on_metrics(
    now, gauges(std::min(inflight, slots), std::max(0.0, inflight - slots)));
}

} // namespace

TEST_CASE("gauges: slow start doubles only while the limit binds") {
  concurrency_controller c;
  CHECK(c.limit() == 8);
  CHECK(c.snapshot().phase == controller_phase::slow_start);
  c.on_send(0.1, 8);
  c.on_metrics(0.5, gauges(8, 0));
  CHECK(c.limit() == 16);
  // Nobody used the new limit: no evidence that it binds, no growth.
  c.on_send(0.6, 5);
  c.on_metrics(1.0, gauges(5, 0));
  CHECK(c.limit() == 16);
  c.on_send(1.1, 16);
  c.on_metrics(1.5, gauges(16, 0));
  CHECK(c.limit() == 32);
  CHECK(c.snapshot().gauge_mode);
}

TEST_CASE("gauges: a long queue cuts to running plus target, no windup") {
  concurrency_controller c;
  double now = 0;
  while (c.limit() < 512) // Slow start against a server with room.
    scrape_saturated(c, now += 0.5, 1000);
  REQUIRE(c.limit() == 512);
  // The server holds 256 and queues the rest.
  c.on_metrics(now += 0.5, gauges(256, 256));
  double target = 0.03 * 256;
  CHECK(c.limit() == static_cast<uint32_t>(256 + target));
  CHECK(c.snapshot().phase == controller_phase::steady);
  CHECK(c.snapshot().waiting_target == Approx(target));
  // The queue drains slowly (requests cannot be recalled): the same
  // reading again must not cut further.
  auto after_cut = c.limit();
  c.on_metrics(now += 0.5, gauges(256, 250));
  CHECK(c.limit() == after_cut);
  // In the band between the target and twice it: hold.
  c.on_send(now, after_cut);
  c.on_metrics(now += 0.5, gauges(256, 10));
  CHECK(c.limit() == after_cut);
}

TEST_CASE("gauges: an empty queue after a drop grows ever faster") {
  controller_options o;
  o.initial_limit = 64;
  concurrency_controller c{o};
  double now = 0;
  c.on_send(now, 64);
  c.on_metrics(now += 0.5, gauges(60, 40)); // Leaves slow start.
  REQUIRE(c.snapshot().phase == controller_phase::steady);
  auto start = c.limit();
  std::vector<uint32_t> steps;
  for (int i = 0; i < 6; ++i) {
    auto before = c.limit();
    scrape_saturated(c, now += 0.5, 10'000);
    steps.push_back(c.limit() - before);
  }
  CHECK(steps.back() > 4 * steps.front());
  CHECK(c.limit() > start + 30);
}

TEST_CASE("gauges: preemption and a full KV cache cut, then probe slowly") {
  controller_options o;
  o.initial_limit = 200;
  concurrency_controller c{o};
  double now = 10;
  c.on_send(now, 200);
  c.on_metrics(now, gauges(128, 5, 0.9, 5));
  CHECK(c.limit() == 200); // First reading: no increase seen yet.
  // New preemptions: down to what runs plus the queue target -- the KV
  // cache, not the slots, binds, and it must stay full to serve most.
  c.on_metrics(now += 0.5, gauges(128, 5, 0.9, 9));
  CHECK(c.limit() == static_cast<uint32_t>(128 + 0.03 * 128));
  // Within the hold-off another preemption does not cut again.
  c.on_metrics(now += 0.5, gauges(120, 5, 0.99, 12));
  CHECK(c.limit() == 131);
  // KV usage alone above 0.97 counts as trouble too.
  now += o.kv_holdoff_s;
  c.on_metrics(now, gauges(110, 0, 0.985, 12));
  CHECK(c.limit() == static_cast<uint32_t>(110 + 0.03 * 110));
  // Room again: growth past the trouble spot is one request per interval.
  auto ceiling = c.limit();
  for (int i = 0; i < 8; ++i) {
    c.on_send(now, c.limit());
    c.on_metrics(now += 0.5, gauges(c.limit(), 0, 0.8, 12));
  }
  CHECK(c.limit() <= ceiling + 2);
  CHECK(c.limit() > ceiling);
}

TEST_CASE("429 honours Retry-After and cuts once per burst") {
  controller_options o;
  o.initial_limit = 100;
  concurrency_controller c{o};
  c.on_overload(10, 2.5);
  CHECK(c.limit() == 70);
  CHECK(c.paused_until() == 12.5);
  c.on_overload(10.3, 0); // Same burst.
  CHECK(c.limit() == 70);
  CHECK(c.paused_until() == 12.5);
  c.on_overload(11.5, 1e9); // A silly Retry-After is capped.
  CHECK(c.limit() == 49);
  CHECK(c.paused_until() == 11.5 + o.max_pause_s);
  c.on_overload(13, std::nan(""));
  CHECK(c.paused_until() == 11.5 + o.max_pause_s);
}

TEST_CASE("timeouts cut mildly; the limit stays within its bounds") {
  controller_options o;
  o.initial_limit = 100;
  o.min_limit = 3;
  o.max_limit = 120;
  concurrency_controller c{o};
  c.on_failure(1);
  CHECK(c.limit() == 90);
  for (int i = 0; i < 100; ++i)
    c.on_overload(2 + 2 * i, 0);
  CHECK(c.limit() == 3);
  concurrency_controller d{o};
  double now = 0;
  for (int i = 0; i < 10; ++i)
    scrape_saturated(d, now += 0.5, 10'000);
  CHECK(d.limit() == 120);
}

TEST_CASE("without gauges latency drives slow start; fresh gauges win") {
  controller_options o;
  o.latency.window_s = 1;
  o.latency.window_min_samples = 4;
  concurrency_controller c{o};
  double now = 0;
  auto complete_window = [&](uint32_t inflight, double s_per_token) {
    for (int i = 0; i < 4; ++i)
      c.on_success(now += 0.4, s_per_token * 100, 100, inflight);
  };
  complete_window(8, 0.01);
  CHECK(c.limit() == 16);
  complete_window(16, 0.0101);
  CHECK(c.limit() == 32);
  // Gauges arrive: latency windows no longer move the limit...
  c.on_metrics(now, gauges(32, 4));
  auto held = c.limit();
  complete_window(32, 0.0102);
  CHECK(c.limit() == held);
  // ...until they go stale.
  now += o.metrics_stale_s + 1;
  complete_window(32, 0.0102);
  CHECK(c.limit() > held);
}

TEST_CASE("an app-limited client does not inflate its limit") {
  concurrency_controller c;
  double now = 0;
  for (int i = 0; i < 200; ++i) {
    c.on_success(now += 0.1, 1.0, 100, 2);
    c.on_metrics(now, gauges(2, 0));
  }
  CHECK(c.limit() == 8);
}

TEST_CASE("latency mode backs off when latency grows like a queue") {
  controller_options o;
  o.initial_limit = 64;
  o.latency.window_min_samples = 4;
  concurrency_controller c{o};
  double now = 0;
  // Below the knee latency barely moves with load; past 100 in flight it
  // grows in proportion (a queue).
  auto s_per_token = [](double inflight) {
    return inflight <= 100 ? 0.01 * (1 + 0.3 * inflight / 100)
                           : 0.013 * inflight / 100;
  };
  for (int round = 0; round < 300; ++round) {
    double level = c.limit();
    for (int i = 0; i < 4; ++i)
      c.on_success(now += 0.3, s_per_token(level) * 100, 100,
                   static_cast<uint32_t>(level));
  }
  auto s = c.snapshot();
  CHECK(s.phase == controller_phase::steady);
  CHECK(s.limit >= 90);
  CHECK(s.limit <= 125);
  CHECK(s.baseline_s_per_token == Approx(0.01 * 1.192).epsilon(0.01));
  CHECK(to_string(s.phase) == "steady");
}
