#include "sim/faults.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>

using namespace kpsynth;
using sim::fault;
using sim::fault_injector;
using sim::fault_rates;

namespace {

constexpr fault every_fault[] = {
  fault::http_500, fault::http_503, fault::http_429,      fault::stall,
  fault::reset,    fault::truncate, fault::malformed_json};

fault_rates parsed(const std::map<std::string, double>& xs) {
  auto r = fault_rates::parse(xs, "simulator.faults");
  INFO((r ? "" : r.error().to_string()));
  REQUIRE(r);
  return *r;
}

/// How often each fault comes up over `n` consecutive requests.
std::map<fault, uint64_t> histogram(const fault_injector& inj, uint64_t n,
                                    uint64_t first = 0) {
  std::map<fault, uint64_t> out;
  for (uint64_t seq = first; seq < first + n; ++seq)
    ++out[inj.pick(seq)];
  return out;
}

/// A binomial count lies within 5 standard deviations of its mean; a wrong
/// rate of the size tested below is far outside.
void check_frequency(uint64_t count, uint64_t n, double p) {
  double mean = static_cast<double>(n) * p;
  double sd = std::sqrt(static_cast<double>(n) * p * (1 - p));
  INFO("count " << count << ", expected " << mean << " +- " << 5 * sd);
  CHECK(std::abs(static_cast<double>(count) - mean) <= 5 * sd + 1);
}

} // namespace

TEST_CASE("every fault has a stable name that parse accepts") {
  for (auto f : every_fault) {
    auto name = std::string{to_string(f)};
    INFO(name);
    auto r = parsed({{name, 0.25}});
    REQUIRE(r.rates.size() == 1);
    CHECK(r.rates.at(f) == 0.25);
  }
  CHECK(to_string(fault::none) == "none");
}

TEST_CASE("fault_rates::parse rejects bad input, naming the key") {
  SECTION("unknown fault name") {
    auto r = fault_rates::parse({{"http_502", 0.1}}, "simulator.faults");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid_config");
    CHECK(r.error().where == "simulator.faults.http_502");
    CHECK_THAT(r.error().message, Catch::Contains("unknown fault 'http_502'"));
    CHECK_THAT(r.error().message, Catch::Contains("malformed_json"));
  }
  SECTION("rate out of range") {
    for (double rate : {-0.1, 1.5}) {
      auto r = fault_rates::parse({{"reset", rate}}, "simulator.faults");
      REQUIRE_FALSE(r);
      CHECK(r.error().where == "simulator.faults.reset");
      CHECK_THAT(r.error().message, Catch::Contains("0..1"));
    }
  }
  SECTION("rates adding up to more than 1") {
    auto r =
      fault_rates::parse({{"reset", 0.6}, {"stall", 0.5}}, "simulator.faults");
    REQUIRE_FALSE(r);
    CHECK(r.error().where == "simulator.faults");
    CHECK_THAT(r.error().message, Catch::Contains("more than 1"));
  }
  SECTION("all plus a named fault adding up to more than 1") {
    auto r =
      fault_rates::parse({{"all", 0.9}, {"http_500", 0.2}}, "simulator.faults");
    REQUIRE_FALSE(r);
  }
}

TEST_CASE("an empty table injects nothing") {
  auto r = parsed({});
  CHECK(r.total() == 0);
  fault_injector inj{r, 7};
  auto h = histogram(inj, 1000);
  CHECK(h.size() == 1);
  CHECK(h[fault::none] == 1000);
}

TEST_CASE("'all' spreads its rate evenly over every fault kind") {
  auto r = parsed({{"all", 0.7}});
  CHECK(r.rates.size() == std::size(every_fault));
  for (auto f : every_fault)
    CHECK(r.rates.at(f) == Approx(0.1));
  CHECK(r.total() == Approx(0.7));

  auto combined = parsed({{"all", 0.35}, {"reset", 0.1}});
  CHECK(combined.rates.at(fault::reset) == Approx(0.15));
  CHECK(combined.rates.at(fault::stall) == Approx(0.05));
  CHECK(combined.total() == Approx(0.45));
}

TEST_CASE("fault_injector::pick frequencies follow the rates") {
  constexpr uint64_t n = 200'000;
  SECTION("named rates") {
    auto r = parsed({{"http_500", 0.02}, {"reset", 0.1}, {"stall", 0.3}});
    fault_injector inj{r, 42};
    auto h = histogram(inj, n);
    check_frequency(h[fault::http_500], n, 0.02);
    check_frequency(h[fault::reset], n, 0.1);
    check_frequency(h[fault::stall], n, 0.3);
    check_frequency(h[fault::none], n, 0.58);
    CHECK(h.size() == 4);
  }
  SECTION("all = 1.0 produces only faults, every kind equally often") {
    fault_injector inj{parsed({{"all", 1.0}}), 3};
    auto h = histogram(inj, n, 1'000'000);
    CHECK(h.count(fault::none) == 0);
    for (auto f : every_fault) {
      INFO(to_string(f));
      check_frequency(h[f], n, 1.0 / std::size(every_fault));
    }
  }
}

TEST_CASE("fault_injector is deterministic for a seed") {
  auto r = parsed({{"all", 0.5}});
  fault_injector a{r, 11};
  fault_injector b{r, 11};
  fault_injector other{r, 12};
  uint64_t differ = 0;
  for (uint64_t seq = 0; seq < 5000; ++seq) {
    REQUIRE(a.pick(seq) == b.pick(seq));
    REQUIRE(a.pick(seq) == a.pick(seq)); // no hidden state
    differ += a.pick(seq) != other.pick(seq);
  }
  CHECK(differ > 1000); // another seed is another sequence
}
