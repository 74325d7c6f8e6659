// Property test of pool credit: the pool's ledger (flow::credit_ledger) and
// the stages' side (flow::credit_account) exchange demand, grants, calls and
// releases as messages delivered in random orders -- stale demand included,
// since a demand can overtake or trail the grants and calls around it. Every
// step checks the two promises of the protocol: the pool never grants beyond
// its endpoints' limits plus headroom, and no credit is ever lost.

#include "actors/flow.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <variant>
#include <vector>

namespace kpsynth::flow {
namespace {

struct demand_msg {
  uint32_t wanted;
};
struct release_msg {
  uint32_t n;
};
struct call_msg {}; ///< A `complete` that spends one credit.
using to_pool = std::variant<demand_msg, release_msg, call_msg>;

/// One stage: its account and the messages in flight to and from the pool.
struct stage_sim {
  credit_account credit;
  uint32_t startable = 0;
  std::vector<to_pool> out;     ///< To the pool, not yet delivered.
  std::vector<uint32_t> grants; ///< From the pool, not yet delivered.
  uint64_t calls = 0;
};

/// The pool's ledger, its load and its endpoints' capacity.
struct world {
  std::mt19937_64 rng;
  credit_ledger ledger;
  std::vector<stage_sim> stages;
  uint64_t capacity = 0;
  uint64_t committed = 0; ///< Calls queued or running in the pool.

  explicit world(uint64_t seed) : rng{seed} {}

  uint64_t pick(uint64_t n) {
    return std::uniform_int_distribution<uint64_t>{0, n - 1}(rng);
  }

  static uint64_t headroom(uint64_t cap) {
    return std::max<uint64_t>(2, cap / 16);
  }

  /// The pool hands out credit; checks it stays within the limit.
  void grant() {
    auto limit = capacity + headroom(capacity);
    auto before = ledger.outstanding() + committed;
    auto free = before >= limit ? 0 : limit - before;
    auto grants = ledger.grant(committed, capacity, headroom(capacity));
    uint64_t sum = 0;
    for (std::size_t i = 0; i < grants.size(); ++i) {
      sum += grants[i];
      if (grants[i] > 0)
        stages[i].grants.push_back(grants[i]);
    }
    REQUIRE(sum <= free);
    if (sum > 0)
      REQUIRE(ledger.outstanding() + committed <= limit);
  }

  /// A stage starts what its credit allows and reports (report_demand).
  void pump(std::size_t i) {
    auto& s = stages[i];
    while (s.startable > 0 && s.credit.take()) {
      --s.startable;
      ++s.calls;
      s.out.push_back(call_msg{});
    }
    auto r = s.credit.settle(s.startable);
    if (r.send_demand)
      s.out.push_back(demand_msg{r.wanted});
    if (r.release > 0)
      s.out.push_back(release_msg{r.release});
  }

  /// Takes one message of `xs`: mostly the oldest, sometimes any.
  template<class T>
  T take_one(std::vector<T>& xs) {
    auto k = pick(4) == 0 ? pick(xs.size()) : 0;
    auto x = xs[k];
    xs.erase(xs.begin() + static_cast<std::ptrdiff_t>(k));
    return x;
  }

  void deliver_to_pool(std::size_t i) {
    auto m = take_one(stages[i].out);
    if (auto* d = std::get_if<demand_msg>(&m)) {
      ledger.demand(i, d->wanted);
    } else if (auto* r = std::get_if<release_msg>(&m)) {
      ledger.release(i, r->n);
    } else {
      ledger.use(i);
      ++committed;
    }
    grant();
  }

  void deliver_to_stage(std::size_t i) {
    stages[i].credit.granted(take_one(stages[i].grants));
    pump(i);
  }

  /// Credit in the system, wherever it is: the pool's books must match.
  void check_conservation() {
    REQUIRE(ledger.unbacked == 0);
    REQUIRE(ledger.granted
            == ledger.used + ledger.released + ledger.outstanding());
    uint64_t held = 0;
    for (auto& s : stages) {
      held += s.credit.held;
      for (auto g : s.grants)
        held += g;
      for (auto& m : s.out) {
        if (std::holds_alternative<call_msg>(m))
          held += 1;
        else if (auto* r = std::get_if<release_msg>(&m))
          held += r->n;
      }
    }
    REQUIRE(held == ledger.outstanding());
  }

  /// One random event.
  void step() {
    auto i = pick(stages.size());
    switch (pick(7)) {
    case 0: // The stage's queue changed.
      stages[i].startable = static_cast<uint32_t>(pick(12));
      pump(i);
      break;
    case 1: // A stale demand: an old figure arrives late.
      stages[i].out.push_back(demand_msg{static_cast<uint32_t>(pick(12))});
      break;
    case 2: // An endpoint's limit or health changed.
      capacity = pick(24);
      grant();
      break;
    case 3: // A call finished.
      if (committed > 0) {
        --committed;
        grant();
      }
      break;
    case 4:
    case 5:
      if (!stages[i].out.empty())
        deliver_to_pool(i);
      break;
    default:
      if (!stages[i].grants.empty())
        deliver_to_stage(i);
    }
    check_conservation();
  }

  /// Stages stop wanting; everything in flight lands. No credit may remain.
  void drain() {
    for (std::size_t i = 0; i < stages.size(); ++i) {
      stages[i].startable = 0;
      pump(i);
    }
    bool moved = true;
    while (moved) {
      moved = false;
      for (std::size_t i = 0; i < stages.size(); ++i) {
        while (!stages[i].out.empty() || !stages[i].grants.empty()) {
          moved = true;
          if (!stages[i].out.empty())
            deliver_to_pool(i);
          if (!stages[i].grants.empty())
            deliver_to_stage(i);
          check_conservation();
        }
      }
    }
  }
};

} // namespace

TEST_CASE("pool credit survives any message order", "[flow][property]") {
  for (uint64_t seed = 1; seed <= 10'000; ++seed) {
    world w{seed};
    auto n = 1 + w.pick(4);
    for (std::size_t i = 0; i < n; ++i) {
      w.ledger.attach(static_cast<int32_t>(w.pick(3)));
      w.stages.emplace_back();
    }
    w.capacity = 1 + w.pick(16);
    auto steps = 50 + w.pick(150);
    for (uint64_t k = 0; k < steps; ++k)
      w.step();
    w.drain();
    INFO("seed " << seed);
    // Stale demand may leave grants to stages that no longer want them;
    // they come back, so when all lands nothing is outstanding.
    REQUIRE(w.ledger.outstanding() == 0);
    for (auto& s : w.stages)
      REQUIRE(s.credit.held == 0);
    REQUIRE(w.ledger.granted == w.ledger.used + w.ledger.released);
  }
}

} // namespace kpsynth::flow
