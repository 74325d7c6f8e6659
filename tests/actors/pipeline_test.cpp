// The whole pipeline on the real scheduler against the in-process
// simulator: a clean run, a run with 10% injected faults of every kind, and
// a restart in the same output directory. The output files are the
// contract: every seed and every item must be accounted for exactly once.

#include "tests/fixtures/sim_pipeline.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>

namespace kpsynth {
namespace {

using fixtures::field;
using fixtures::jsonl_file;

/// Checks seeds.jsonl: one line per seed, the malformed lines reported with
/// file:line. Returns how many seeds failed extraction.
std::size_t check_seeds(const std::filesystem::path& out) {
  jsonl_file seeds{out / "seeds.jsonl"};
  std::map<std::string, int> count;
  std::size_t failed = 0;
  for (auto& d : seeds.docs) {
    auto id = field(d, "seed_id");
    ++count[id];
    auto status = field(d, "status");
    CHECK((status == "extracted" || status == "failed"));
    if (status == "failed" && id.rfind("seed-", 0) == 0) {
      ++failed;
      CHECK_FALSE(field(d, "why/reason").empty());
      CHECK(field(d, "why/stage") == "extract");
    }
  }
  for (auto& id : fixtures::seed_ids())
    CHECK(count[id] == 1);
  for (auto line : fixtures::bad_seed_lines()) {
    auto suffix = "seeds.jsonl:" + std::to_string(line);
    auto i = std::find_if(count.begin(), count.end(), [&](auto& kv) {
      return kv.first.size() >= suffix.size()
             && kv.first.compare(kv.first.size() - suffix.size(), suffix.size(),
                                 suffix)
                  == 0;
    });
    REQUIRE(i != count.end());
    CHECK(i->second == 1);
    for (auto& d : seeds.docs) {
      if (field(d, "seed_id") != i->first)
        continue;
      CHECK(field(d, "status") == "failed");
      CHECK(field(d, "why/stage") == "read");
      CHECK_THAT(field(d, "why/reason"), Catch::Contains(suffix));
    }
  }
  CHECK(seeds.docs.size() == 22);
  return failed;
}

/// Checks items.jsonl: unique ids, a final status, provenance. Returns the
/// number of items per status.
std::map<std::string, std::size_t> check_items(const std::filesystem::path& out,
                                               std::size_t expected) {
  jsonl_file items{out / "items.jsonl"};
  CHECK(items.docs.size() == expected);
  std::set<std::string> ids;
  auto known = fixtures::seed_ids();
  std::set<std::string> seeds(known.begin(), known.end());
  std::map<std::string, std::size_t> by_status;
  for (auto& d : items.docs) {
    auto id = field(d, "id");
    CHECK(ids.insert(id).second);
    auto status = field(d, "status");
    ++by_status[status];
    CHECK((status == "accepted" || status == "rejected" || status == "failed"));
    if (status != "accepted") {
      CHECK_FALSE(field(d, "why/stage").empty());
      CHECK_FALSE(field(d, "why/reason").empty());
    }
    // Provenance: where the knowledge points came from and who wrote what.
    // Each kind of combination has its own number of points.
    static const std::map<std::string, std::size_t> points_of_kind{
      {"one_hop", 2},
      {"two_hop", 3},
      {"three_hop", 4},
      {"community", 3},
      {"cooccurrence", 0}};
    auto kind = field(d, "combination/kind");
    REQUIRE(points_of_kind.count(kind) == 1);
    simdjson::dom::array kps;
    REQUIRE(d["combination"]["knowledge_points"].get(kps) == simdjson::SUCCESS);
    if (points_of_kind.at(kind) > 0)
      CHECK(kps.size() == points_of_kind.at(kind));
    CHECK(kps.size() >= 2);
    simdjson::dom::array from;
    REQUIRE(d["combination"]["seed_ids"].get(from) == simdjson::SUCCESS);
    CHECK(from.size() >= 1);
    for (auto s : from)
      CHECK(seeds.count(std::string{s.get_string().value()}) == 1);
    simdjson::dom::array trace;
    REQUIRE(d["trace"].get(trace) == simdjson::SUCCESS);
    std::set<std::string> steps;
    for (auto t : trace) {
      auto stage = field(t, "stage");
      steps.insert(stage);
      CHECK(field(t, "model")
            == (stage == "judge:judge-a" ? "judge-a" : "math"));
      CHECK_FALSE(field(t, "endpoint").empty());
      uint64_t tokens = 0;
      CHECK(t["completion_tokens"].get(tokens) == simdjson::SUCCESS);
      CHECK(tokens > 0);
    }
    if (status != "failed") {
      // Judged items went through every LLM stage.
      CHECK(steps
            == std::set<std::string>{"generate", "solve", "judge:judge-a"});
      CHECK_FALSE(field(d, "problem").empty());
    }
    uint64_t total = 0;
    CHECK(d["usage"]["prompt_tokens"].get(total) == simdjson::SUCCESS);
    if (!steps.empty())
      CHECK(total > 0);
  }
  return by_status;
}

using pipeline_fixture = fixtures::sim_pipeline;

} // namespace

TEST_CASE_METHOD(pipeline_fixture, "a clean run accounts for every seed",
                 "[pipeline]") {
  auto cfg = make_config(40);
  auto out = cfg.run.output_dir;
  auto r = run(std::move(cfg), std::chrono::seconds{40});
  REQUIRE(r.finished);
  CHECK(r.dead == 0);
  CHECK(check_seeds(out) == 0);
  auto by_status = check_items(out, 40);
  // Without faults nothing fails; the simulated judge rejects some.
  CHECK(by_status["failed"] == 0);
  CHECK(by_status["accepted"] > 0);
  auto& st = r.status;
  CHECK(st.seeds_extracted == 20);
  CHECK(st.seeds_bad == 2);
  CHECK(st.accepted + st.rejected + st.failed == 40);
  CHECK(st.accepted == by_status["accepted"]);
  CHECK(st.completion_tokens > 0);
}

TEST_CASE_METHOD(pipeline_fixture, "a run with 10% faults of every kind",
                 "[pipeline]") {
  auto cfg = make_config(40);
  cfg.simulator.faults = {{"all", 0.10}};
  cfg.simulator.seed = 7;
  for (auto& [name, m] : cfg.models)
    m.request_timeout_ms = 3'000; // Stalls resolve in seconds.
  auto out = cfg.run.output_dir;
  auto r = run(std::move(cfg), std::chrono::seconds{60});
  REQUIRE(r.finished);
  CHECK(r.dead == 0);
  auto failed_seeds = check_seeds(out);
  CHECK(failed_seeds < 20);
  auto by_status = check_items(out, 40);
  CHECK(r.status.accepted + r.status.rejected + r.status.failed == 40);
  CHECK(r.status.seeds_extracted + r.status.seeds_failed == 20);
  // The faults really happened, of many kinds.
  auto stats = sim->stats();
  uint64_t faults = 0;
  std::string kinds;
  for (auto& [kind, n] : stats.faults) {
    faults += n;
    kinds += " " + kind + "=" + std::to_string(n);
  }
  INFO("faults injected:" << kinds << " over " << stats.requests
                          << " requests; items failed: "
                          << by_status["failed"]);
  CHECK(faults >= 10);
  CHECK(stats.faults.size() >= 5);
  CHECK(by_status["accepted"] + by_status["rejected"] > 0);
}

TEST_CASE_METHOD(pipeline_fixture, "a restart resumes without duplicates",
                 "[pipeline]") {
  auto first = make_config(20);
  auto out = first.run.output_dir;
  auto second = first;
  second.run.max_items = 40;
  auto r1 = run(std::move(first), std::chrono::seconds{40});
  REQUIRE(r1.finished);
  check_items(out, 20);
  auto r2 = run(std::move(second), std::chrono::seconds{40});
  REQUIRE(r2.finished);
  CHECK(r2.dead == 0);
  // Forty unique ids in all: the second run added exactly the missing 20.
  check_items(out, 40);
  check_seeds(out);
  // The counters cover the whole job, the earlier run included.
  auto& st = r2.status;
  CHECK(st.accepted + st.rejected + st.failed == 40);
  CHECK(st.seeds_extracted == 20);
  CHECK(st.seeds_bad == 2);
}

TEST_CASE_METHOD(pipeline_fixture,
                 "a routed run sends hard problems to the big model",
                 "[pipeline][route]") {
  auto cfg = make_config(40);
  auto big = cfg.models.at("math");
  big.name = big.served_as = "math-big";
  cfg.models["math-big"] = big;
  auto stage = [&](std::string name, std::string kind, std::string model,
                   std::map<std::string, std::string> options = {}) {
    config::stage_config s;
    s.model = std::move(model);
    s.queue = 16;
    cfg.pipeline.push_back(config::pipeline_stage{
      std::move(name), std::move(kind), s, std::move(options), "test"});
  };
  cfg.stages.clear();
  stage("extract", "extract", "math");
  stage("plan", "plan", "");
  stage("generate", "generate", "math");
  stage("rate", "rate", "math");
  stage("route", "route", "",
        {{"by", "difficulty"}, {"lanes", "hard=solve-big; *=solve"}});
  stage("solve-big", "solve", "math-big");
  stage("solve", "solve", "math");
  stage("join", "merge", "");
  stage("judge_panel", "judge_panel", "");
  auto out = cfg.run.output_dir;
  auto r = run(std::move(cfg), std::chrono::seconds{40});
  REQUIRE(r.finished);
  CHECK(r.dead == 0);
  jsonl_file items{out / "items.jsonl"};
  CHECK(items.docs.size() == 40);
  std::map<std::string, std::size_t> by_level;
  std::set<std::string> ids;
  for (auto& d : items.docs) {
    CHECK(ids.insert(field(d, "id")).second);
    auto level = field(d, "difficulty");
    ++by_level[level];
    if (field(d, "status") == "failed")
      continue;
    CHECK(level != "unknown");
    simdjson::dom::array trace;
    REQUIRE(d["trace"].get(trace) == simdjson::SUCCESS);
    std::map<std::string, std::string> model_of;
    for (auto t : trace)
      model_of[field(t, "stage")] = field(t, "model");
    CHECK(model_of.count("rate") == 1);
    if (level == "hard") {
      CHECK(model_of["solve-big"] == "math-big");
      CHECK(model_of.count("solve") == 0);
    } else {
      CHECK(model_of["solve"] == "math");
      CHECK(model_of.count("solve-big") == 0);
    }
  }
  // The simulator rates by the problem's family: both lanes carry items.
  CHECK(by_level["hard"] > 0);
  CHECK(by_level["hard"] < 40);
  CHECK(r.status.accepted + r.status.rejected + r.status.failed == 40);
}

} // namespace kpsynth
