#include "control/circuit_breaker.hpp"

#include <catch2/catch.hpp>

using namespace kpsynth::control;

TEST_CASE("consecutive failures open the breaker; successes reset them") {
  circuit_breaker b;
  for (int i = 0; i < 4; ++i)
    b.on_failure(1);
  b.on_success(1);
  CHECK(b.consecutive_failures() == 0);
  for (int i = 0; i < 4; ++i)
    b.on_failure(2);
  CHECK(b.state_at(2) == breaker_state::closed);
  CHECK(b.try_acquire(2));
  b.on_failure(2);
  CHECK(b.state_at(2) == breaker_state::open);
  CHECK_FALSE(b.allows(2));
  CHECK_FALSE(b.try_acquire(2.5));
  CHECK(b.trips() == 1);
  CHECK(b.open_until() == 3);
}

TEST_CASE("half-open admits exactly one probe") {
  circuit_breaker b;
  for (int i = 0; i < 5; ++i)
    b.on_failure(0);
  CHECK(b.state_at(0.999) == breaker_state::open);
  CHECK(b.state_at(1) == breaker_state::half_open);
  CHECK_FALSE(b.allows(1));
  CHECK(b.try_acquire(1));
  CHECK_FALSE(b.try_acquire(1.1));
  CHECK_FALSE(b.try_acquire(5));
  SECTION("a successful completion closes it") {
    b.on_success(1.5);
    CHECK(b.state_at(1.5) == breaker_state::closed);
    CHECK(b.try_acquire(1.5));
    CHECK(b.try_acquire(1.5));
  }
  SECTION("a neutral answer frees the probe slot only") {
    b.on_neutral(1.5);
    CHECK(b.state_at(1.5) == breaker_state::half_open);
    CHECK(b.try_acquire(1.6));
    CHECK_FALSE(b.try_acquire(1.7));
  }
  SECTION("a failed probe opens it for twice as long") {
    b.on_failure(1.5);
    CHECK(b.state_at(1.5) == breaker_state::open);
    CHECK(b.open_until() == Approx(3.5));
    CHECK(b.trips() == 2);
  }
}

TEST_CASE("only a completion closes: an open breaker ignores late results") {
  circuit_breaker b;
  for (int i = 0; i < 5; ++i)
    b.on_failure(0);
  b.on_success(0.5); // A request sent before the trip.
  CHECK(b.state_at(0.5) == breaker_state::open);
  b.on_failure(0.6); // Neither does a late failure extend the cool-down.
  CHECK(b.open_until() == 1);
}

TEST_CASE("the cool-down grows to its cap and resets on close") {
  breaker_options o;
  o.consecutive_failures = 1;
  o.open_base_s = 1;
  o.open_growth = 3;
  o.open_max_s = 5;
  circuit_breaker b{o};
  double now = 0;
  b.on_failure(now);
  std::vector<double> cooldowns;
  for (int i = 0; i < 4; ++i) {
    cooldowns.push_back(b.open_until() - now);
    now = b.open_until();
    REQUIRE(b.try_acquire(now));
    b.on_failure(now);
  }
  CHECK(cooldowns == std::vector<double>{1, 3, 5, 5});
  now = b.open_until();
  REQUIRE(b.try_acquire(now));
  b.on_success(now);
  b.on_failure(now + 1);
  CHECK(b.open_until() - (now + 1) == 1);
}

TEST_CASE("a high failure rate opens the breaker without a streak") {
  breaker_options o;
  o.rate_window = 10;
  o.failure_rate = 0.5;
  circuit_breaker b{o};
  for (int i = 0; i < 9; ++i) {
    if (i % 2 == 0)
      b.on_failure(i);
    else
      b.on_success(i);
  }
  CHECK(b.state_at(9) == breaker_state::closed);
  b.on_success(9); // Window full: 5 failures of 10.
  CHECK(b.state_at(9) == breaker_state::closed);
  b.on_failure(10); // 5 of the last 10 again, now trips on rate.
  CHECK(b.state_at(10) == breaker_state::open);
  CHECK(b.consecutive_failures() == 1);
  o.rate_window = 0; // Disabled: only streaks count.
  circuit_breaker streak_only{o};
  for (int i = 0; i < 40; ++i) {
    streak_only.on_failure(i);
    streak_only.on_success(i);
  }
  CHECK(streak_only.state_at(40) == breaker_state::closed);
  CHECK(to_string(breaker_state::half_open) == "half_open");
}
