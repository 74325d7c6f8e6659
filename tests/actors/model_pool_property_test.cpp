// The credit property through the real MODEL POOL actor on CAF's
// test_coordinator: stages that keep their side with flow::credit_account
// and report_demand (as every stage does), stale demand sent behind their
// backs, endpoints that hold and release calls, capacity changes, and the
// scheduler stepped a few messages at a time so that the interleavings
// vary. The CAF-free twin with 10,000 cases is credit_property_test.cpp.

#include "actors/model_pool.hpp"
#include "actors/stage.hpp"
#include "tests/fixtures/actor_system.hpp"
#include "tests/fixtures/pool_probes.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <catch2/catch.hpp>

#include <random>
#include <utility>

namespace kpsynth {
namespace {

using fixtures::stage_probe_actor;

struct credit_stage_log {
  uint32_t held = 0; ///< Mirror of the stage's account after each turn.
  uint64_t calls = 0;
};

struct credit_stage_state {
  flow::credit_account credit;
  uint32_t startable = 0;
  std::shared_ptr<credit_stage_log> log;
  static inline const char* name = "credit_stage";
};

/// A stage reduced to its credit: `pull n` says n calls could start now.
stage_probe_actor::behavior_type
credit_stage(stage_probe_actor::stateful_pointer<credit_stage_state> self,
             model_pool_actor pool, int32_t priority,
             std::shared_ptr<credit_stage_log> log) {
  self->state.log = std::move(log);
  self->send(pool, atom::attach_v, credit_listener_actor{self}, priority);
  auto pump = [self, pool] {
    auto& st = self->state;
    while (st.startable > 0 && st.credit.take()) {
      --st.startable;
      ++st.log->calls;
      llm_call call;
      call.stage = "probe";
      call.deadline_ms = 3'600'000;
      self->request(pool, caf::infinite, atom::complete_v, std::move(call))
        .then([](llm_reply&) {}, [](caf::error&) {});
    }
    report_demand(self, pool, st.credit, st.startable);
    st.log->held = st.credit.held;
  };
  return {
    [=](atom::credit, const std::string&, uint32_t n) {
      self->state.credit.granted(n);
      pump();
    },
    [=](atom::pull, uint32_t n) {
      self->state.startable = n;
      pump();
    },
  };
}

using pool_impl = caf::stateful_actor<model_pool_state, model_pool_actor::base>;

struct property_fixture : fixtures::deterministic_actor_system {
  std::vector<fixtures::script_ptr> scripts;
  model_pool_actor pool;

  ~property_fixture() {
    for (auto& s : scripts)
      s->handle = nullptr;
  }

  const model_pool_state& state() {
    auto* ptr = caf::actor_cast<caf::abstract_actor*>(pool);
    return dynamic_cast<pool_impl&>(*ptr).state;
  }

  uint64_t last_granted = 0;

  /// Checks the books after one message; when it made the pool grant,
  /// also that credit out plus calls committed stay within the endpoints'
  /// limits plus headroom.
  void check() {
    auto& st = state();
    auto& c = st.credit;
    REQUIRE(c.unbacked == 0);
    REQUIRE(c.granted == c.used + c.released + c.outstanding());
    if (c.granted == std::exchange(last_granted, c.granted))
      return;
    uint64_t cap = 0;
    uint64_t load = st.queue.size();
    for (auto& ep : st.endpoints) {
      cap += ep.healthy ? ep.limit : 0;
      load += ep.inflight;
    }
    auto limit = cap + std::max<uint64_t>(2, cap / 16);
    REQUIRE(c.outstanding() + load <= limit);
  }
};

} // namespace

TEST_CASE_METHOD(property_fixture,
                 "the pool actor keeps credit under random interleavings",
                 "[model_pool][property]") {
  auto seed = GENERATE(range(1, 201));
  std::mt19937_64 rng{static_cast<uint64_t>(seed)};
  auto pick = [&](uint64_t n) {
    return std::uniform_int_distribution<uint64_t>{0, n - 1}(rng);
  };
  config::model_config cfg;
  cfg.name = cfg.served_as = "m";
  cfg.max_attempts = 1;
  auto n_ep = 1 + pick(2);
  for (std::size_t i = 0; i < n_ep; ++i) {
    cfg.endpoints.push_back({"http://fake-" + std::to_string(i) + "/v1"});
    scripts.push_back(std::make_shared<fixtures::endpoint_script>());
    scripts.back()->limit = static_cast<uint32_t>(1 + pick(8));
    scripts.back()->hold = true;
  }
  auto xs = scripts;
  client_factory factory = [xs](pool_impl* self, uint32_t i) {
    return self->spawn(fixtures::fake_client, i, model_pool_actor{self},
                       xs.at(i));
  };
  pool = spawn(model_pool_with, cfg, std::move(factory));
  run();
  std::vector<stage_probe_actor> stages;
  std::vector<std::shared_ptr<credit_stage_log>> logs;
  for (std::size_t i = 0, n = 1 + pick(3); i < n; ++i) {
    logs.push_back(std::make_shared<credit_stage_log>());
    stages.push_back(
      spawn(credit_stage, pool, static_cast<int32_t>(pick(3)), logs.back()));
  }
  run();
  INFO("seed " << seed);
  for (int step = 0; step < 150; ++step) {
    auto i = pick(stages.size());
    switch (pick(5)) {
    case 0:
      self->send(stages[i], atom::pull_v, static_cast<uint32_t>(pick(12)));
      break;
    case 1: // Stale demand: a figure from the past arrives now.
      self->send(pool, atom::demand_v, credit_listener_actor{stages[i]},
                 static_cast<uint32_t>(pick(12)));
      break;
    case 2: { // Calls finish on an endpoint.
      auto e = pick(scripts.size());
      self->send(scripts[e]->handle, atom::tick_v);
      break;
    }
    case 3: { // An endpoint's limit or health changed.
      auto e = static_cast<uint32_t>(pick(scripts.size()));
      self->send(pool, atom::capacity_v, e, static_cast<uint32_t>(pick(10)),
                 uint32_t{0}, pick(4) != 0);
      break;
    }
    default:
      break;
    }
    // A few messages at a time, so that actions overlap in flight.
    for (auto k = pick(6); k > 0 && sched.try_run_once(); --k)
      check();
  }
  // Everyone stops wanting; all calls finish; no credit may remain.
  for (auto& s : stages)
    self->send(s, atom::pull_v, uint32_t{0});
  for (int round = 0; round < 50; ++round) {
    run();
    for (auto& s : scripts)
      self->send(s->handle, atom::tick_v);
  }
  run();
  check();
  auto& c = state().credit;
  CHECK(c.outstanding() == 0);
  CHECK(c.granted == c.used + c.released);
  for (auto& lg : logs)
    CHECK(lg->held == 0);
}

} // namespace kpsynth
