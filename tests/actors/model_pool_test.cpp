// The MODEL POOL on CAF's test_coordinator: fake endpoint clients (real
// llm_client_actor handles that answer at once, fail with kpsynth errors or
// hold calls until told) and stand-in stages that draw credit. Virtual time
// replaces every wait, so backoff and Retry-After are checked exactly.

#include "actors/model_pool.hpp"
#include "protocols/errors.hpp"
#include "tests/fixtures/actor_system.hpp"
#include "tests/fixtures/pool_probes.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <catch2/catch.hpp>

#include <deque>
#include <memory>

using namespace std::chrono_literals;

namespace kpsynth {
namespace {

using fixtures::endpoint_script;
using fixtures::fake_client;
using fixtures::log_ptr;
using fixtures::script_ptr;
using fixtures::stage_log;
using fixtures::stage_probe;
using fixtures::stage_probe_actor;

// -- the fixture --------------------------------------------------------------

struct pool_fixture : fixtures::deterministic_actor_system {
  std::vector<script_ptr> scripts;
  model_pool_actor pool;

  /// A pool named "m" over `n` fake endpoints.
  config::model_config make_config(std::size_t n) {
    config::model_config cfg;
    cfg.name = "m";
    cfg.served_as = "m";
    cfg.initial_limit = 8;
    cfg.max_attempts = 3;
    cfg.max_500_attempts = 2;
    cfg.backoff_base_ms = 100;
    cfg.backoff_cap_ms = 20'000;
    for (std::size_t i = 0; i < n; ++i) {
      cfg.endpoints.push_back({"http://fake-" + std::to_string(i) + "/v1"});
      if (scripts.size() <= i)
        scripts.push_back(std::make_shared<endpoint_script>());
    }
    return cfg;
  }

  void start(config::model_config cfg) {
    auto xs = scripts;
    client_factory factory =
      [xs](model_pool_actor::stateful_pointer<model_pool_state> self,
           uint32_t i) -> llm_client_actor {
      return self->spawn(fake_client, i, model_pool_actor{self}, xs.at(i));
    };
    pool = spawn(model_pool_with, std::move(cfg), std::move(factory));
    run(); // The endpoints report their capacity.
  }

  /// A stand-in stage attached to the pool, with its log.
  std::pair<stage_probe_actor, log_ptr> probe(bool auto_spend,
                                              int32_t priority = 0) {
    auto log = std::make_shared<stage_log>();
    log->auto_spend = auto_spend;
    auto p = spawn(stage_probe, pool, log, priority);
    run();
    return {p, log};
  }

  void demand(const stage_probe_actor& p, uint32_t wanted) {
    self->send(pool, atom::demand_v, credit_listener_actor{p}, wanted);
    run();
  }

  /// Stage `p` hands `n` unused credits back.
  void give_back(const stage_probe_actor& p, uint32_t n) {
    self->send(pool, atom::release_v, credit_listener_actor{p}, n);
    run();
  }

  void spend(const stage_probe_actor& p, uint32_t n) {
    self->send(p, atom::pull_v, n);
    run();
  }

  /// Releases the calls that endpoint `i` holds.
  void release(std::size_t i) {
    self->send(scripts.at(i)->handle, atom::tick_v);
    run();
  }

  ~pool_fixture() {
    // The fakes' handles in the scripts would keep them alive.
    for (auto& s : scripts)
      s->handle = nullptr;
  }
};

caf::error http_error(ec code, std::string msg, double retry_after = -1) {
  return make_error(code, "http://fake-0/v1: " + std::move(msg), retry_after);
}

} // namespace

// -- credit -------------------------------------------------------------------

TEST_CASE_METHOD(pool_fixture, "credit never exceeds limit plus headroom",
                 "[model_pool]") {
  start(make_config(1));
  scripts[0]->hold = true;
  auto [p, log] = probe(true);
  demand(p, 1000);
  // Limit 8 and a headroom of 2: ten calls, eight on the endpoint.
  CHECK(log->granted == 10);
  CHECK(log->spent == 10);
  CHECK(scripts[0]->calls == 8);
  CHECK(scripts[0]->max_inflight == 8);
  // Asking again changes nothing while everything is committed.
  demand(p, 1000);
  CHECK(log->granted == 10);
  // Each release completes the held calls; the pool refills the endpoint
  // and re-grants, never letting more than ten be out at once.
  for (int round = 0; round < 4; ++round) {
    release(0);
    CHECK(log->max_unsettled <= 10);
    CHECK(scripts[0]->max_inflight <= 8);
  }
  CHECK(log->replies.size() >= 32);
  CHECK(log->errors.empty());
  CHECK(log->granted == log->spent);
  // A smaller limit (the client's controller backed off) takes effect on
  // the next dispatches: at most four held, at most six out.
  self->send(pool, atom::capacity_v, uint32_t{0}, uint32_t{4}, uint32_t{0},
             true);
  run();
  release(0);
  scripts[0]->max_inflight = 0;
  auto before = log->spent;
  release(0);
  release(0);
  CHECK(scripts[0]->max_inflight <= 4);
  CHECK(log->spent > before);
  CHECK(log->unsettled() <= 6);
}

TEST_CASE_METHOD(pool_fixture, "a stage that stops wanting gives credit back",
                 "[model_pool]") {
  start(make_config(1));
  auto [a, log_a] = probe(false);
  auto [b, log_b] = probe(false);
  demand(a, 100);
  CHECK(log_a->granted == 10);
  demand(b, 100);
  CHECK(log_b->granted == 0);
  // A's queue ran dry: it hands its ten back and wants nothing.
  demand(a, 0);
  give_back(a, 10);
  CHECK(log_b->granted == 10);
  CHECK(log_a->granted == 10);
  // B holds all ten; A asking again gets nothing until B gives some back.
  demand(a, 5);
  CHECK(log_a->granted == 10);
  // B gives six back and keeps four: A gets the five it asked for.
  demand(b, 4);
  give_back(b, 6);
  CHECK(log_a->granted == 15);
}

TEST_CASE_METHOD(pool_fixture, "higher priority stages are served first",
                 "[model_pool]") {
  start(make_config(1));
  scripts[0]->hold = true;
  auto [filler, log_filler] = probe(true);
  auto [low, log_low] = probe(false, 0);
  auto [high, log_high] = probe(false, 3);
  // The filler takes all ten credits; the others then ask for more.
  demand(filler, 10);
  REQUIRE(log_filler->spent == 10);
  demand(low, 100);
  demand(high, 100);
  CHECK(log_low->granted == 0);
  CHECK(log_high->granted == 0);
  // Eight calls finish; the two waiting ones start; eight credits are free
  // and all go to the later (higher-priority) stage, as the judges get them
  // before the generator.
  release(0);
  CHECK(log_high->granted == 8);
  CHECK(log_low->granted == 0);
  // Once it gives them back, the lower priority gets its turn.
  demand(high, 0);
  give_back(high, 8);
  CHECK(log_low->granted == 8);
}

// -- routing ------------------------------------------------------------------

TEST_CASE_METHOD(pool_fixture, "calls go to the endpoint with most room",
                 "[model_pool]") {
  auto cfg = make_config(2);
  scripts[0]->limit = 2;
  scripts[1]->limit = 6;
  scripts[0]->hold = scripts[1]->hold = true;
  start(std::move(cfg));
  auto [p, log] = probe(false);
  demand(p, 100);
  REQUIRE(log->granted == 10);
  spend(p, 4);
  // Six free beat two free four times over.
  CHECK(scripts[0]->calls == 0);
  CHECK(scripts[1]->calls == 4);
  spend(p, 4);
  CHECK(scripts[0]->calls == 2);
  CHECK(scripts[1]->calls == 6);
  // No room anywhere: the next two wait in the pool.
  spend(p, 2);
  CHECK(scripts[0]->calls + scripts[1]->calls == 8);
  release(0);
  CHECK(scripts[0]->calls == 4);
  CHECK(scripts[1]->calls == 6);
  CHECK(log->replies.size() == 2);
}

TEST_CASE_METHOD(pool_fixture, "an endpoint with an open breaker gets nothing",
                 "[model_pool]") {
  auto cfg = make_config(2);
  scripts[0]->limit = 0;
  scripts[0]->healthy = false;
  scripts[1]->limit = 4;
  scripts[0]->hold = scripts[1]->hold = true;
  start(std::move(cfg));
  auto [p, log] = probe(true);
  demand(p, 100);
  // Only healthy capacity counts: 4 + headroom 2.
  CHECK(log->granted == 6);
  CHECK(scripts[0]->calls == 0);
  CHECK(scripts[1]->calls == 4);
  release(1);
  release(1);
  CHECK(scripts[0]->calls == 0);
  CHECK(scripts[1]->calls >= 8);
  // Half-open: one probe call goes through, no more.
  self->send(pool, atom::capacity_v, uint32_t{0}, uint32_t{1}, uint32_t{0},
             false);
  run();
  CHECK(scripts[0]->calls == 1);
  // Closed again: it takes its share of the waiting calls.
  self->send(pool, atom::capacity_v, uint32_t{0}, uint32_t{4}, uint32_t{0},
             true);
  run();
  release(1);
  CHECK(scripts[0]->calls > 1);
}

// -- retries ------------------------------------------------------------------

TEST_CASE_METHOD(pool_fixture, "retryable errors are retried with backoff",
                 "[model_pool]") {
  start(make_config(1));
  for (int i = 0; i < 3; ++i)
    scripts[0]->failures.push_back(
      http_error(ec::retryable, "HTTP 502 bad gateway"));
  auto [p, log] = probe(false);
  demand(p, 1);
  spend(p, 1);
  CHECK(scripts[0]->calls == 1);
  // Draining the mailboxes does not retry: the retry waits for its timer.
  run();
  CHECK(scripts[0]->calls == 1);
  CHECK(log->errors.empty());
  // Attempt 1 backs off at most backoff_base_ms (100 ms, full jitter).
  advance(100ms);
  CHECK(scripts[0]->calls == 2);
  // Attempt 2 at most twice that.
  advance(200ms);
  CHECK(scripts[0]->calls == 3);
  // max_attempts = 3: the third failure is final.
  REQUIRE(log->errors.size() == 1);
  CHECK(log->errors[0].code == ec::retryable);
  CHECK_THAT(log->errors[0].message, Catch::Contains("after 3 attempt(s)")
                                       && Catch::Contains("HTTP 502"));
  advance(60'000ms);
  CHECK(scripts[0]->calls == 3);
}

TEST_CASE_METHOD(pool_fixture, "a retry that succeeds counts its attempts",
                 "[model_pool]") {
  start(make_config(1));
  scripts[0]->failures.push_back(http_error(ec::retryable, "reset"));
  scripts[0]->failures.push_back(http_error(ec::bad_response, "truncated"));
  auto [p, log] = probe(false);
  demand(p, 1);
  spend(p, 1);
  // Whatever the jitter drew, firing every pending timer starts the next
  // attempt; nothing else does.
  for (uint32_t attempt = 2; attempt <= 3; ++attempt) {
    CHECK(scripts[0]->calls == attempt - 1);
    CHECK(sched.has_pending_timeout());
    sched.trigger_timeouts();
    run();
    CHECK(scripts[0]->calls == attempt);
  }
  REQUIRE(log->replies.size() == 1);
  CHECK(log->replies[0].attempts == 3);
  CHECK(log->replies[0].model == "m");
  CHECK(log->errors.empty());
}

TEST_CASE_METHOD(pool_fixture, "Retry-After sets the earliest retry",
                 "[model_pool]") {
  start(make_config(1));
  scripts[0]->failures.push_back(
    http_error(ec::overloaded, "HTTP 429 rate limited", 2.0));
  auto [p, log] = probe(false);
  demand(p, 1);
  spend(p, 1);
  advance(1'000ms);
  CHECK(scripts[0]->calls == 1);
  advance(1'001ms);
  CHECK(scripts[0]->calls == 2);
  CHECK(log->replies.size() == 1);
}

TEST_CASE_METHOD(pool_fixture, "fatal errors are not retried", "[model_pool]") {
  start(make_config(1));
  scripts[0]->failures.push_back(http_error(ec::fatal, "HTTP 400 bad request"));
  auto [p, log] = probe(false);
  demand(p, 1);
  spend(p, 1);
  REQUIRE(log->errors.size() == 1);
  CHECK(log->errors[0].code == ec::fatal);
  CHECK_THAT(log->errors[0].message, Catch::Contains("HTTP 400"));
  advance(60'000ms);
  CHECK(scripts[0]->calls == 1);
}

TEST_CASE_METHOD(pool_fixture, "HTTP 500 is retried at most max_500_attempts",
                 "[model_pool]") {
  auto cfg = make_config(1);
  cfg.max_attempts = 5;
  for (int i = 0; i < 5; ++i)
    scripts[0]->failures.push_back(
      http_error(ec::retryable, "HTTP 500 server_error"));
  start(std::move(cfg));
  auto [p, log] = probe(false);
  demand(p, 1);
  spend(p, 1);
  for (int i = 0; i < 5; ++i)
    advance(20'000ms);
  CHECK(scripts[0]->calls == 2);
  REQUIRE(log->errors.size() == 1);
  CHECK_THAT(log->errors[0].message, Catch::Contains("after 2 attempt(s)"));
}

TEST_CASE_METHOD(pool_fixture, "the call's deadline ends its retries",
                 "[model_pool]") {
  start(make_config(1));
  // The server asks for a 5 s pause; the call has 1 s in all.
  scripts[0]->failures.push_back(
    http_error(ec::overloaded, "HTTP 503 loading", 5.0));
  auto [p, log] = probe(false);
  log->deadline_ms = 1'000;
  demand(p, 1);
  spend(p, 1);
  REQUIRE(log->errors.size() == 1);
  CHECK(log->errors[0].code == ec::deadline);
  CHECK_THAT(log->errors[0].message,
             Catch::Contains("deadline") && Catch::Contains("HTTP 503"));
  advance(60'000ms);
  CHECK(scripts[0]->calls == 1);
}

} // namespace kpsynth
