#include "control/backoff.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>

using namespace kpsynth::control;

TEST_CASE("splitmix64 is the reference generator") {
  // First outputs for seed 0 of the published splitmix64.
  uint64_t s = 0;
  CHECK(splitmix64(s) == 0xe220a8397b1dcdafull);
  CHECK(splitmix64(s) == 0x6e789e6aa1b965f4ull);
  CHECK(splitmix64(s) == 0x06c45d188009454full);
}

TEST_CASE("the ceiling doubles up to the cap") {
  backoff b{{0.5, 6, 600, 1}};
  CHECK(b.ceiling(0) == 0.5);
  CHECK(b.ceiling(1) == 1);
  CHECK(b.ceiling(3) == 4);
  CHECK(b.ceiling(4) == 6);
  CHECK(b.ceiling(4'000'000'000u) == 6);
}

TEST_CASE("delays are full-jitter, seeded and reproducible") {
  backoff a{{0.5, 6, 600, 7}};
  backoff same{{0.5, 6, 600, 7}};
  backoff other{{0.5, 6, 600, 8}};
  std::set<double> distinct;
  bool differs = false;
  double sum = 0;
  const int n = 20'000;
  for (int i = 0; i < n; ++i) {
    auto d = a.next_delay(3);
    CHECK(d == same.next_delay(3));
    differs = differs || d != other.next_delay(3);
    REQUIRE(d >= 0);
    REQUIRE(d < 4);
    distinct.insert(d);
    sum += d;
  }
  CHECK(differs);
  CHECK(distinct.size() > n * 0.99);
  CHECK(sum / n == Approx(2).epsilon(0.03)); // Uniform on [0, 4).
}

TEST_CASE("a longer Retry-After wins, a shorter one does not") {
  backoff b{{0.1, 1, 30, 3}};
  CHECK(b.next_delay(0, 5) == 5);
  CHECK(b.next_delay(10, 1e6) == 30);
  auto d = b.next_delay(2, 0.0001);
  CHECK(d <= 0.4);
  CHECK(b.next_delay(2, std::nan("")) < 0.4);
  CHECK(b.next_delay(2, -3) < 0.4);
}
