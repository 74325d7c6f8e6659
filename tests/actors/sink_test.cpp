// The sink when the disk refuses a write: items.jsonl is a link to
// /dev/full, so every append fails with ENOSPC as on a full disk.

#include "actors/sink.hpp"
#include "core/prompt_pack.hpp"
#include "tests/fixtures/actor_system.hpp"
#include "tests/fixtures/stage_probes.hpp"
#include "tests/fixtures/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace kpsynth {
namespace {

struct sink_fixture : fixtures::deterministic_actor_system {
  fixtures::temp_dir dir{"sink"};
  context_ptr ctx;
  std::shared_ptr<fixtures::feeder_log> in =
    std::make_shared<fixtures::feeder_log>();

  sink_fixture() {
    auto pack = core::load_prompt_pack(std::filesystem::path{KPSYNTH_SOURCE_DIR}
                                       / "prompts" / "math");
    REQUIRE(pack);
    config::kpsynth_config cfg;
    cfg.run.output_dir = dir.path();
    cfg.run.sync_every = 1;
    ctx = std::make_shared<const pipeline_context>(
      pipeline_context{std::move(cfg), std::move(*pack)});
  }
};

item_record finished(int i) {
  item_record x;
  x.id = "item-" + std::to_string(i);
  x.status = item_status::accepted;
  return x;
}

} // namespace

TEST_CASE_METHOD(sink_fixture, "a failed write stops the sink and is reported",
                 "[sink]") {
  std::filesystem::create_symlink("/dev/full", dir.path() / "items.jsonl");
  auto snk = spawn(sink, ctx, std::unordered_set<std::string>{},
                   std::unordered_set<std::string>{}, pipeline_status{});
  auto source = spawn(fixtures::feeder, consumer_actor<item_record>{snk}, in);
  run();
  auto pulled = in->pulled;
  REQUIRE(pulled > 2);
  self->send(source, atom::push_v,
             std::vector<item_record>{finished(0), finished(1)});
  run();
  auto st = request<pipeline_status>(snk, atom::status_v);
  REQUIRE(st);
  // Nothing counts that is not on disk, and the error says why.
  CHECK(st->accepted == 0);
  CHECK_THAT(st->error, Catch::Contains("items.jsonl"));
  CHECK_THAT(st->error, Catch::Contains("No space left on device"));
  // The job takes no more work: no further credit goes upstream.
  self->send(source, atom::push_v,
             std::vector<item_record>{finished(2), finished(3)});
  run();
  CHECK(in->pulled == pulled);
  // Seed outcomes are not written behind the loss either.
  self->send(snk, atom::outcome_v, seed_outcome{"seed-0", true, 3, {}});
  run();
  st = request<pipeline_status>(snk, atom::status_v);
  REQUIRE(st);
  CHECK(st->seeds_extracted == 0);
  CHECK(std::filesystem::file_size(dir.path() / "seeds.jsonl") == 0);
  auto flushed = request<bool>(snk, atom::flush_v);
  REQUIRE(flushed);
  CHECK_FALSE(*flushed);
}

} // namespace kpsynth
