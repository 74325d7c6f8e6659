// The CAF-free credit bookkeeping of actors/flow.hpp: the invariants that
// keep every stage bounded and the inference servers saturated, checked
// without an actor system.

#include "actors/flow.hpp"

#include <catch2/catch.hpp>

#include <numeric>
#include <random>

using kpsynth::flow::inbound_window;
using kpsynth::flow::listener_account;
using kpsynth::flow::outbound_buffer;
using kpsynth::flow::plan_grants;

namespace {

uint64_t sum(const std::vector<uint32_t>& xs) {
  return std::accumulate(xs.begin(), xs.end(), uint64_t{0});
}

uint64_t outstanding(const std::vector<listener_account>& xs) {
  uint64_t n = 0;
  for (auto& x : xs)
    n += x.outstanding;
  return n;
}

} // namespace

// -- plan_grants --------------------------------------------------------------

TEST_CASE("plan_grants serves higher priority first", "[flow]") {
  std::vector<listener_account> xs{{1, 5, 0}, {3, 5, 0}};
  auto g = plan_grants(xs, 0, 4, 0, 0);
  CHECK(g == std::vector<uint32_t>{0, 4});
  CHECK(xs[1].outstanding == 4);
  // Once the higher priority is satisfied, the rest goes further down.
  std::vector<listener_account> ys{{1, 5, 0}, {3, 5, 0}};
  auto h = plan_grants(ys, 0, 8, 0, 0);
  CHECK(h == std::vector<uint32_t>{3, 5});
}

TEST_CASE("plan_grants shares equal priorities round-robin", "[flow]") {
  std::vector<listener_account> xs{{0, 10, 0}, {0, 10, 0}, {0, 10, 0}};
  CHECK(plan_grants(xs, 0, 6, 0, 0) == std::vector<uint32_t>{2, 2, 2});
  // One spare credit per round: the rotation hands it to each in turn, so
  // over three rounds nobody is starved.
  std::vector<uint32_t> total(3, 0);
  for (std::size_t round = 0; round < 3; ++round) {
    std::vector<listener_account> ys{{0, 10, 0}, {0, 10, 0}, {0, 10, 0}};
    auto g = plan_grants(ys, 0, 1, 0, round);
    REQUIRE(sum(g) == 1);
    for (std::size_t i = 0; i < 3; ++i)
      total[i] += g[i];
  }
  CHECK(total == std::vector<uint32_t>{1, 1, 1});
}

TEST_CASE("plan_grants never grants more than wanted", "[flow]") {
  std::vector<listener_account> xs{{0, 2, 0}, {0, 1, 1}, {0, 0, 0}};
  auto g = plan_grants(xs, 0, 100, 10, 0);
  CHECK(g == std::vector<uint32_t>{2, 0, 0});
  CHECK(xs[0].outstanding == 2);
  CHECK(xs[1].outstanding == 1);
}

TEST_CASE("plan_grants counts committed calls and outstanding credit",
          "[flow]") {
  std::vector<listener_account> xs{{0, 20, 3}, {0, 20, 0}};
  // capacity 8 + headroom 2 = 10; 4 committed and 3 outstanding leave 3.
  auto g = plan_grants(xs, 4, 8, 2, 0);
  CHECK(sum(g) == 3);
  CHECK(outstanding(xs) == 6);
  // Nothing is free any more: a second plan grants nothing.
  CHECK(sum(plan_grants(xs, 4, 8, 2, 1)) == 0);
  // Over the limit already (the capacity shrank): still nothing.
  CHECK(sum(plan_grants(xs, 9, 4, 2, 2)) == 0);
  // A listener that gave its credit back frees room for the others: 10
  // minus 4 committed minus the 1 that the second listener still holds.
  REQUIRE(xs[0].outstanding == 5);
  REQUIRE(xs[1].outstanding == 1);
  xs[0].outstanding = 0;
  xs[0].wanted = 0;
  auto h = plan_grants(xs, 4, 8, 2, 3);
  CHECK(h == std::vector<uint32_t>{0, 5});
}

TEST_CASE("plan_grants with no listeners or no capacity", "[flow]") {
  std::vector<listener_account> none;
  CHECK(plan_grants(none, 0, 10, 2, 0).empty());
  std::vector<listener_account> xs{{0, 5, 0}};
  CHECK(plan_grants(xs, 0, 0, 0, 0) == std::vector<uint32_t>{0});
  // Headroom alone lets calls through while the limit is still unknown.
  CHECK(plan_grants(xs, 0, 0, 2, 0) == std::vector<uint32_t>{2});
}

TEST_CASE("plan_grants never exceeds capacity plus headroom (random)",
          "[flow]") {
  std::mt19937 rng{20240601};
  std::uniform_int_distribution<int> prio{0, 3};
  std::uniform_int_distribution<uint32_t> want{0, 40};
  std::uniform_int_distribution<uint64_t> small{0, 30};
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<listener_account> xs(1 + trial % 6);
    for (auto& x : xs) {
      x.priority = prio(rng);
      x.wanted = want(rng);
      x.outstanding = std::min<uint32_t>(x.wanted, want(rng) / 4);
    }
    auto before = xs;
    auto committed = small(rng);
    auto capacity = small(rng);
    auto headroom = small(rng) / 10;
    auto g = plan_grants(xs, committed, capacity, headroom,
                         static_cast<std::size_t>(trial));
    auto limit = capacity + headroom;
    auto held = outstanding(before);
    if (committed + held >= limit) {
      CHECK(sum(g) == 0);
      continue;
    }
    CHECK(committed + outstanding(xs) <= limit);
    CHECK(outstanding(xs) == held + sum(g));
    bool unmet = false;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      CHECK(xs[i].outstanding == before[i].outstanding + g[i]);
      CHECK(xs[i].outstanding <= std::max(xs[i].wanted, before[i].outstanding));
      unmet |= xs[i].wanted > xs[i].outstanding;
    }
    // Work-conserving: credit is only left over when nobody wants more.
    if (committed + outstanding(xs) < limit)
      CHECK_FALSE(unmet);
    // Strict priority: a lower priority got credit only if every higher
    // one is satisfied.
    for (std::size_t i = 0; i < xs.size(); ++i)
      for (std::size_t j = 0; j < xs.size(); ++j)
        if (g[i] > 0 && xs[j].priority > xs[i].priority)
          CHECK(xs[j].wanted <= xs[j].outstanding);
  }
}

// -- inbound_window -----------------------------------------------------------

TEST_CASE("inbound_window pulls the whole bound when empty", "[flow]") {
  inbound_window w;
  w.bound = 64;
  CHECK(w.to_pull(0) == 64);
  CHECK(w.requested == 64);
  // Everything is asked for already.
  CHECK(w.to_pull(0) == 0);
  w.received(10);
  CHECK(w.requested == 54);
  CHECK(w.to_pull(10) == 0);
}

TEST_CASE("inbound_window pulls in batches of a quarter bound", "[flow]") {
  inbound_window w;
  w.bound = 64;
  REQUIRE(w.to_pull(0) == 64);
  w.received(64);
  // 15 free slots: less than a quarter, so no pull yet.
  CHECK(w.to_pull(49) == 0);
  // 16 free slots: one batch of 16.
  CHECK(w.to_pull(48) == 16);
  CHECK(w.requested == 16);
}

TEST_CASE("inbound_window stops after upstream is done", "[flow]") {
  inbound_window w;
  w.bound = 8;
  w.upstream_done = true;
  CHECK(w.to_pull(0) == 0);
}

TEST_CASE("inbound_window tolerates more items than requested", "[flow]") {
  inbound_window w;
  w.bound = 4;
  REQUIRE(w.to_pull(0) == 4);
  w.received(7);
  CHECK(w.requested == 0);
}

TEST_CASE("inbound_window keeps held + requested within the bound (random)",
          "[flow]") {
  std::mt19937 rng{7};
  for (uint32_t bound : {1u, 3u, 4u, 16u, 64u, 100u}) {
    inbound_window w;
    w.bound = bound;
    std::size_t held = 0;
    uint64_t pulled = 0;
    uint64_t delivered = 0;
    for (int step = 0; step < 5000; ++step) {
      pulled += w.to_pull(held);
      REQUIRE(held + w.requested <= bound);
      // Upstream delivers part of what is requested; the stage finishes
      // part of what it holds.
      if (w.requested > 0) {
        auto n = std::uniform_int_distribution<uint32_t>{0, w.requested}(rng);
        w.received(n);
        held += n;
        delivered += n;
      }
      if (held > 0)
        held -= std::uniform_int_distribution<std::size_t>{0, held}(rng);
    }
    CHECK(delivered <= pulled);
    // The window made progress rather than stalling.
    CHECK(delivered > 1000);
  }
}

// -- outbound_buffer ----------------------------------------------------------

TEST_CASE("outbound_buffer sends no more than credit, in order", "[flow]") {
  outbound_buffer<int> out;
  out.ready = {1, 2, 3, 4, 5};
  CHECK(out.take().empty());
  out.credit = 3;
  CHECK(out.take() == std::vector<int>{1, 2, 3});
  CHECK(out.credit == 0);
  CHECK(out.ready == std::vector<int>{4, 5});
  out.credit = 10;
  CHECK(out.take() == std::vector<int>{4, 5});
  CHECK(out.credit == 8);
  CHECK(out.ready.empty());
  out.ready = {6};
  CHECK(out.take() == std::vector<int>{6});
  CHECK(out.credit == 7);
}

TEST_CASE("outbound_buffer never exceeds credit (random)", "[flow]") {
  std::mt19937 rng{99};
  outbound_buffer<uint64_t> out;
  uint64_t granted = 0;
  uint64_t sent = 0;
  uint64_t next = 0;
  for (int step = 0; step < 5000; ++step) {
    auto produce = std::uniform_int_distribution<int>{0, 3}(rng);
    for (int i = 0; i < produce; ++i)
      out.ready.push_back(next++);
    if (std::uniform_int_distribution<int>{0, 2}(rng) == 0) {
      auto n = std::uniform_int_distribution<uint64_t>{0, 8}(rng);
      out.credit += n;
      granted += n;
    }
    auto batch = out.take();
    for (auto x : batch)
      REQUIRE(x == sent++); // In order, none lost or repeated.
    REQUIRE(sent <= granted);
    REQUIRE(sent + out.credit == granted);
    // Whatever is still ready is waiting for credit, never the reverse.
    REQUIRE((out.ready.empty() || out.credit == 0));
  }
}
