// Supervision: an actor of the pipeline that ends while the run is live
// ends the run, named, instead of freezing it. Deterministically on the
// test_coordinator, and end to end on the real scheduler with a stage killed
// mid-run.

#include "actors/supervisor.hpp"
#include "tests/fixtures/actor_system.hpp"
#include "tests/fixtures/sim_pipeline.hpp"

#include <caf/event_based_actor.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

using namespace kpsynth;

namespace {

caf::behavior idle(caf::event_based_actor*) {
  return {[](int) {}};
}

/// Lines in a file.
std::size_t lines_of(const std::filesystem::path& file) {
  std::ifstream in{file};
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);)
    ++n;
  return n;
}

} // namespace

TEST_CASE_METHOD(fixtures::deterministic_actor_system,
                 "the watch names the first actor that ended",
                 "[supervision]") {
  pipeline p;
  p.stages.push_back({"solve-hard", "solve", spawn(idle)});
  p.stages.push_back({"judges", "judge_panel", spawn(idle)});
  pipeline_watch watch{p};
  run();
  CHECK_FALSE(watch.failure());
  self->send_exit(p.stages[1].handle, caf::exit_reason::kill);
  run();
  auto f = watch.failure();
  REQUIRE(f);
  CHECK_THAT(*f, Catch::Contains("stage 'judges' ended"));
  CHECK_THAT(*f, Catch::Contains("kill"));
  // The first death is the one reported.
  self->send_exit(p.stages[0].handle, caf::exit_reason::kill);
  run();
  CHECK_THAT(*watch.failure(), Catch::Contains("'judges'"));
}

TEST_CASE_METHOD(fixtures::deterministic_actor_system,
                 "actors the run stops itself are no failure",
                 "[supervision]") {
  pipeline p;
  p.stages.push_back({"generate", "generate", spawn(idle)});
  pipeline_watch watch{p};
  watch.stopping();
  self->send_exit(p.stages[0].handle, caf::exit_reason::user_shutdown);
  run();
  CHECK_FALSE(watch.failure());
}

TEST_CASE_METHOD(fixtures::sim_pipeline,
                 "a stage killed mid-run ends the run within a second",
                 "[supervision]") {
  auto cfg = make_config(2000);
  // Slow enough that the run is far from done when the stage dies.
  cfg.simulator.overrides = {{"itl_ms", 4.0}, {"ttft_ms", 20.0}};
  use_simulator(cfg);
  auto pack = core::load_prompt_pack(cfg.run.prompts);
  REQUIRE(pack);
  auto out_dir = cfg.run.output_dir;
  auto ctx = std::make_shared<const pipeline_context>(
    pipeline_context{std::move(cfg), std::move(*pack)});
  auto p = spawn_pipeline(actors.sys, ctx, io);
  REQUIRE(p);
  for (auto& x : all_actors(*p))
    actors.actors.keep(x);
  pipeline_watch watch{*p};
  caf::actor solver;
  for (auto& s : p->stages)
    if (s.kind == "solve")
      solver = s.handle;
  REQUIRE(solver);
  std::atomic<bool> stop{false};
  std::chrono::steady_clock::time_point killed;
  run_loop_options opts;
  opts.progress_interval = std::chrono::milliseconds{100};
  opts.interrupted = &stop;
  opts.on_progress = [&](const run_outcome& o) {
    // Kill the solver once items have been written, i.e. mid-run.
    if (!solver || o.status.accepted + o.status.rejected < 5)
      return;
    killed = std::chrono::steady_clock::now();
    caf::anon_send_exit(solver, caf::exit_reason::kill);
    solver = nullptr;
  };
  auto out = run_until_done(actors.sys, *p, watch, opts);
  auto took = std::chrono::steady_clock::now() - killed;
  watch.stopping();
  INFO("the run ended "
       << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
       << " ms after the kill");
  CHECK(out.end == run_end::failed);
  CHECK_THAT(out.failure, Catch::Contains("stage 'solve' ended"));
  CHECK(took < std::chrono::seconds{1});
  CHECK_FALSE(out.status.done);
  // The sink flushed: every item it counted is on disk.
  auto& st = out.status;
  CHECK(lines_of(out_dir / "items.jsonl")
        >= st.accepted + st.rejected + st.failed);
}
