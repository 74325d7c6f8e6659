#include "control/latency_model.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace kpsynth::control;

namespace {

/// Feeds `n` completions at one load level; returns the last closed window.
std::optional<latency_window> feed(latency_model& m, double& now, int n,
                                   uint32_t inflight, double s_per_token) {
  std::optional<latency_window> last;
  for (int i = 0; i < n; ++i) {
    uint32_t tokens = 50 + 100 * (i % 7); // A mix of lengths.
    if (auto w = m.add(now += 0.25, s_per_token * tokens, tokens, inflight))
      last = w;
  }
  return last;
}

} // namespace

TEST_CASE("a window needs both its duration and its samples") {
  latency_model m{{1.0, 8, 600}};
  double now = 0;
  for (int i = 0; i < 7; ++i)
    CHECK_FALSE(m.add(now += 1, 1, 100, 4));
  auto w = m.add(now += 0.01, 1, 100, 4);
  REQUIRE(w);
  CHECK(w->samples == 8);
  CHECK(w->inflight == 4);
  CHECK(w->s_per_token == Approx(0.01));
  CHECK(w->ratio == 1);
  CHECK(std::isnan(w->elasticity));
  // Bad samples are ignored.
  CHECK_FALSE(m.add(now += 5, std::nan(""), 100, 4));
  CHECK_FALSE(m.add(now += 5, -1, 100, 4));
}

TEST_CASE("latency per token does not mistake long answers for load") {
  latency_model m;
  double now = 0;
  auto w = feed(m, now, 64, 10, 0.02);
  REQUIRE(w);
  CHECK(w->ratio == Approx(1));
  CHECK(m.baseline() == Approx(0.02));
}

TEST_CASE("elasticity tells load-factor growth from queueing") {
  latency_model m;
  double now = 0;
  SECTION("flat-ish latency below the knee") {
    feed(m, now, 40, 40, 0.010);
    auto w = feed(m, now, 40, 60, 0.0105);
    REQUIRE(w);
    CHECK(w->elasticity == Approx(std::log(1.05) / std::log(1.5)));
    CHECK(w->elasticity < 0.2);
  }
  SECTION("latency in proportion to in-flight past it") {
    feed(m, now, 40, 100, 0.010);
    auto w = feed(m, now, 40, 150, 0.015);
    REQUIRE(w);
    CHECK(w->elasticity == Approx(1));
    CHECK(w->ratio == Approx(1.5));
    // Little's law: the knee is at least 150 * 0.010 / 0.015 = 100.
    CHECK(w->knee_floor == Approx(100));
  }
  SECTION("old levels are forgotten") {
    feed(m, now, 40, 100, 0.010);
    now += 601;
    auto w = feed(m, now, 40, 150, 0.015);
    REQUIRE(w);
    CHECK(std::isnan(w->elasticity));
  }
}
