// The LLM CLIENT against the in-process simulator on the real scheduler:
// the adaptive limit finds a capacity it is not told, broken 2xx answers
// become bad_response errors that name the endpoint, a server without
// /metrics still serves, and n choices survive a server that refuses n > 1.

#include "actors/llm_client.hpp"
#include "actors/model_pool.hpp"
#include "net/io_runtime.hpp"
#include "sim/server.hpp"
#include "tests/fixtures/actor_system.hpp"
#include "tests/fixtures/stage_probes.hpp"

#include <caf/after.hpp>

#include <catch2/catch.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>
#include <variant>

using namespace std::chrono_literals;

namespace kpsynth {
namespace {

/// Keeps every credit the pool grants in use, as the pipeline's stages do.
struct saturator_state {
  std::shared_ptr<std::atomic<uint64_t>> completed;
  static inline const char* name = "saturator";
};

credit_listener_actor::behavior_type
saturator(credit_listener_actor::stateful_pointer<saturator_state> self,
          model_pool_actor pool, llm_call call,
          std::shared_ptr<std::atomic<uint64_t>> completed) {
  self->state.completed = completed;
  self->send(pool, atom::attach_v, credit_listener_actor{self}, int32_t{0});
  self->send(pool, atom::demand_v, credit_listener_actor{self},
             uint32_t{1u << 30});
  return {
    [=](atom::credit, const std::string&, uint32_t n) {
      for (uint32_t i = 0; i < n; ++i)
        self->request(pool, caf::infinite, atom::complete_v, call)
          .then([=](llm_reply&) { ++*completed; }, [](caf::error&) {});
    },
  };
}

llm_call solve_call(uint32_t max_tokens) {
  llm_call call;
  call.stage = "solve";
  call.max_tokens = max_tokens;
  call.messages.push_back(
    {"user", "### Task: solve\nSolve the problem.\n\n### Problem\nWhat is "
             "17 times 23?\n\n### Response format\nEnd with \\boxed{}."});
  call.deadline_ms = 20'000;
  return call;
}

struct client_fixture {
  net::io_runtime io{1};
  std::unique_ptr<sim::server> sim;
  fixtures::actor_system actors;

  client_fixture() { spdlog::set_level(spdlog::level::err); }

  ~client_fixture() {
    actors.shutdown();
    if (sim)
      sim->stop();
  }

  /// Starts a simulator with the fast 7b profile, changed by `edit`.
  template<class F>
  void start(F edit) {
    sim::server_options opts;
    auto prof = sim::find_profile("7b-h100");
    REQUIRE(prof);
    opts.prof = *prof;
    opts.prof.itl_ms = 2;
    opts.prof.ttft_ms = 10;
    edit(opts);
    auto srv = sim::server::start(io, std::move(opts));
    REQUIRE(srv);
    sim = std::move(*srv);
  }

  config::model_config model() const {
    config::model_config m;
    m.name = m.served_as = "m";
    m.endpoints.push_back({sim->base_url()});
    m.request_timeout_ms = 10'000;
    m.metrics_interval_ms = 100;
    return m;
  }

  /// One llm_client on endpoint 0 of `m`, reporting to a pool that ignores
  /// its reports.
  llm_client_actor client(config::model_config m) {
    auto log = std::make_shared<fixtures::pool_log>();
    auto pool = actors.spawn(fixtures::fake_pool, log);
    return actors.spawn(llm_client, std::move(m), uint32_t{0}, pool, &io);
  }

  /// Runs one call on `c`: the reply or the decoded error.
  std::variant<llm_reply, error_info> call(const llm_client_actor& c,
                                           llm_call x) {
    std::variant<llm_reply, error_info> result;
    actors.self->request(c, 30s, atom::complete_v, std::move(x))
      .receive([&](llm_reply& r) { result = std::move(r); },
               [&](caf::error& e) { result = decode_error(e); });
    return result;
  }
};

} // namespace

TEST_CASE_METHOD(client_fixture, "the adaptive limit finds a hidden capacity",
                 "[llm_client]") {
  start([](sim::server_options& o) { o.prof.max_num_seqs = 24; });
  auto m = model();
  m.initial_limit = 4;
  auto pool = actors.spawn(model_pool, m, &io);
  auto done = std::make_shared<std::atomic<uint64_t>>(0);
  actors.spawn(saturator, pool, solve_call(96), done);
  std::this_thread::sleep_for(3s);
  auto before = sim->stats().engine;
  auto t0 = std::chrono::steady_clock::now();
  double waiting_sum = 0;
  double waiting_max = 0;
  int samples = 0;
  while (std::chrono::steady_clock::now() - t0 < 3s) {
    std::this_thread::sleep_for(50ms);
    auto w = static_cast<double>(sim->stats().engine.waiting);
    waiting_sum += w;
    waiting_max = std::max(waiting_max, w);
    ++samples;
  }
  auto after = sim->stats().engine;
  auto elapsed =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
  auto running = (after.busy_slot_seconds - before.busy_slot_seconds) / elapsed;
  auto status =
    actors.request<std::vector<endpoint_status>>(pool, 5s, atom::status_v);
  REQUIRE(status);
  REQUIRE(status->size() == 1);
  INFO("mean running " << running << ", waiting mean " << waiting_sum / samples
                       << " max " << waiting_max << ", limit "
                       << status->front().limit << ", completed "
                       << done->load());
  CHECK(running >= 0.9 * 24);
  // Saturated through a short queue, not a flood of the whole backlog.
  CHECK(waiting_sum / samples <= 8);
  CHECK(waiting_max <= 24);
  CHECK(status->front().limit <= 2 * 24);
  CHECK(status->front().server_running >= 0);
  CHECK(after.rejected_total == 0);
}

TEST_CASE_METHOD(client_fixture, "malformed JSON is a bad_response",
                 "[llm_client]") {
  start([](sim::server_options& o) {
    o.faults.rates[sim::fault::malformed_json] = 1.0;
  });
  auto c = client(model());
  auto r = call(c, solve_call(32));
  REQUIRE(std::holds_alternative<error_info>(r));
  auto& e = std::get<error_info>(r);
  CHECK(e.code == ec::bad_response);
  CHECK_THAT(e.message, Catch::Contains(sim->base_url()));
}

TEST_CASE_METHOD(client_fixture, "a truncated response is a bad_response",
                 "[llm_client]") {
  start(
    [](sim::server_options& o) { o.faults.rates[sim::fault::truncate] = 1.0; });
  auto c = client(model());
  auto r = call(c, solve_call(32));
  REQUIRE(std::holds_alternative<error_info>(r));
  auto& e = std::get<error_info>(r);
  CHECK(e.code == ec::bad_response);
  CHECK_THAT(e.message, Catch::Contains(sim->base_url()));
}

TEST_CASE_METHOD(client_fixture, "a server without /metrics still serves",
                 "[llm_client]") {
  start([](sim::server_options& o) { o.metrics = false; });
  auto c = client(model());
  // Several rounds, so that scrapes (404) and latency windows happen.
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 12; ++i)
      actors.self->send(c, atom::complete_v, solve_call(32));
    int answers = 0;
    int failures = 0;
    actors.self->receive_for(answers, 12)(
      [](llm_reply& r) { CHECK_FALSE(r.texts.at(0).empty()); },
      [&](caf::error&) { ++failures; },
      caf::after(30s) >> [] { FAIL("no answer within 30 s"); });
    CHECK(failures == 0);
  }
  auto st = actors.request<endpoint_status>(c, 5s, atom::status_v);
  REQUIRE(st);
  CHECK(st->completed == 36);
  CHECK(st->failed == 0);
  CHECK(st->healthy);
  CHECK(st->limit >= 1);
  CHECK(st->server_running < 0); // No gauges: latency mode.
}

TEST_CASE_METHOD(client_fixture, "n choices from a server that refuses n > 1",
                 "[llm_client]") {
  start([](sim::server_options& o) { o.refuse_n = true; });
  auto x = solve_call(32);
  x.n = 3;
  x.has_seed = true;
  x.seed = 11;
  // Configured for a server without n: one request per choice.
  auto m = model();
  m.supports_n = false;
  auto r = call(client(m), x);
  REQUIRE(std::holds_alternative<llm_reply>(r));
  auto& reply = std::get<llm_reply>(r);
  CHECK(reply.texts.size() == 3);
  CHECK(reply.usage.completion_tokens > 0);
  CHECK(reply.endpoint == sim->base_url());
  CHECK(sim->stats().requests == 3);
  // Not told: the refusal (HTTP 500 naming the choices) splits the call.
  auto learned = call(client(model()), x);
  REQUIRE(std::holds_alternative<llm_reply>(learned));
  CHECK(std::get<llm_reply>(learned).texts.size() == 3);
  CHECK(sim->stats().requests == 6);
}

} // namespace kpsynth
