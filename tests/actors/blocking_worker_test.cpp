// Blocking work stays off CAF's shared scheduler. On the real scheduler
// with two threads, two solvers vote on answers that are slow to compare
// symbolically (large powers under a generous budget) while the test times
// round trips to an unrelated actor. Consensus runs on the solvers' detached
// workers, so the round trips stay short; run inline it held both scheduler
// threads for the whole vote.

#include "actors/blocking_worker.hpp"
#include "actors/solver.hpp"
#include "core/prompt_pack.hpp"
#include "tests/fixtures/actor_system.hpp"
#include "tests/fixtures/stage_probes.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

using namespace std::chrono_literals;

namespace kpsynth {
namespace {

using clock_type = std::chrono::steady_clock;
using ms = std::chrono::duration<double, std::milli>;

constexpr std::size_t items_per_solver = 4;

/// Generous: a stalled scheduler shows as the length of a whole vote.
constexpr double latency_bound_ms = 250;

/// Eight answers, each a different power of a four-variable sum with
/// rational coefficients: every pair needs GiNaC to expand 715 terms a side
/// (just within the guards of text/symbolic.hpp).
fixtures::canned_answer hard_answers(const llm_call& call) {
  std::vector<std::string> texts;
  for (uint32_t i = 0; i < call.n; ++i)
    texts.push_back(fmt::format("Expanding gives the result.\n\\boxed{{"
                                "(x/3+y/7+z/11+w/13+{})^9}}",
                                i + 1));
  return texts;
}

/// Answers `run` at once: the "other stage" whose replies must not wait.
caf::behavior echo(caf::event_based_actor*) {
  return {[](atom::run, uint32_t x) { return x; }};
}

struct latency_fixture : fixtures::actor_system {
  context_ptr ctx;
  std::shared_ptr<fixtures::pool_log> plog =
    std::make_shared<fixtures::pool_log>();
  std::vector<std::shared_ptr<fixtures::consumer_log>> outs;

  latency_fixture() {
    auto pack = core::load_prompt_pack(std::filesystem::path{KPSYNTH_SOURCE_DIR}
                                       / "prompts" / "math");
    REQUIRE(pack);
    config::kpsynth_config cfg;
    config::model_config m;
    m.name = m.served_as = "m";
    m.endpoints.push_back({"fake://"});
    cfg.models["m"] = m;
    config::stage_config s;
    s.model = "m";
    s.queue = 4;
    s.samples = 8;
    cfg.stages["solve"] = s;
    cfg.consensus.budget_ms = 150; // Generous: each comparison may use it.
    cfg.decontam.enabled = false;
    ctx = std::make_shared<const pipeline_context>(
      pipeline_context{std::move(cfg), std::move(*pack)});
    plog->answer = hard_answers;
  }

  /// Round-trip times to `e`, one every 2 ms, until `stop()` (asked every
  /// 100 ms) holds.
  template<class Stop>
  std::vector<double> probe_latency(const caf::actor& e, Stop stop) {
    std::vector<double> xs;
    auto give_up = clock_type::now() + 60s;
    auto next_ask = clock_type::now();
    while (clock_type::now() < give_up) {
      if (clock_type::now() >= next_ask) {
        if (stop())
          break;
        next_ask = clock_type::now() + 100ms;
      }
      auto t0 = clock_type::now();
      self->request(e, 10s, atom::run_v, uint32_t{1})
        .receive([](uint32_t) {}, [](caf::error&) {});
      xs.push_back(ms{clock_type::now() - t0}.count());
      std::this_thread::sleep_for(2ms);
    }
    return xs;
  }
};

double max_of(const std::vector<double>& xs) {
  return xs.empty() ? 0 : *std::max_element(xs.begin(), xs.end());
}

} // namespace

TEST_CASE_METHOD(latency_fixture,
                 "a GiNaC-heavy consensus does not delay other actors",
                 "[blocking]") {
  auto e = spawn(echo);
  // Baseline: the scheduler is idle.
  auto idle = 0;
  auto before = probe_latency(e, [&] { return ++idle > 50; });
  auto pool = spawn(fixtures::fake_pool, plog);
  std::vector<fixtures::feeder_actor> sources;
  std::vector<item_stage_actor> solvers;
  for (int i = 0; i < 2; ++i) {
    outs.push_back(std::make_shared<fixtures::consumer_log>());
    auto probe = spawn(fixtures::consumer_probe, outs.back(), uint32_t{8});
    auto sol =
      spawn(solver, ctx,
            stage_spec{"solve", "solve", ctx->cfg.stages.at("solve"), {}, 0},
            pool, consumer_actor<item_record>{probe});
    solvers.push_back(sol);
    auto in = std::make_shared<fixtures::feeder_log>();
    sources.push_back(
      spawn(fixtures::feeder, consumer_actor<item_record>{sol}, in));
  }
  auto t0 = clock_type::now();
  for (auto& src : sources) {
    std::vector<item_record> xs;
    for (std::size_t k = 0; k < items_per_solver; ++k) {
      item_record x;
      x.id = fmt::format("item-{}", k);
      x.problem = "Expand the product.";
      xs.push_back(std::move(x));
    }
    self->send(src, atom::push_v, std::move(xs));
    self->send(src, atom::done_v);
  }
  // Asked by message: the logs belong to the probes' threads until the
  // actors are gone.
  auto finished = [&] {
    for (auto& s : solvers) {
      // A short timeout: a solver busy voting inline must not stall the
      // probes, which would then miss the very delay they measure.
      auto st = request<stage_status>(s, 20ms, atom::status_v);
      if (!st || !st->done)
        return false;
    }
    return true;
  };
  auto during = probe_latency(e, finished);
  auto vote = ms{clock_type::now() - t0}.count();
  REQUIRE(finished());
  shutdown();
  for (auto& o : outs) {
    REQUIRE(o->items.size() == items_per_solver);
    for (auto& x : o->items)
      CHECK(x.solutions.size() == 8);
  }
  WARN(fmt::format("consensus of 8 items took {:.0f} ms; echo round trip "
                   "max {:.2f} ms idle, max {:.2f} ms over {} probes during",
                   vote, max_of(before), max_of(during), during.size()));
  // The vote is slow enough to matter, and it did not hold the scheduler.
  CHECK(vote > latency_bound_ms);
  CHECK(max_of(during) < latency_bound_ms);
}

} // namespace kpsynth
