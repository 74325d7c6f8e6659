// The item stages (generator, solver), the judge panel and the sink on
// CAF's test_coordinator. A fake model pool answers with canned LLM text,
// a feeder plays the upstream and a probe the downstream, so that every
// message of the pull/push/credit protocols happens in a known order.

#include "actors/generator.hpp"
#include "actors/judge.hpp"
#include "actors/panel.hpp"
#include "actors/rater.hpp"
#include "actors/sink.hpp"
#include "actors/solver.hpp"
#include "core/prompt_pack.hpp"
#include "protocols/records.hpp"
#include "tests/fixtures/actor_system.hpp"
#include "tests/fixtures/stage_probes.hpp"
#include "tests/fixtures/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <set>

namespace kpsynth {
namespace {

using fixtures::consumer_log;
using fixtures::consumer_probe;
using fixtures::feeder;
using fixtures::feeder_log;
using fixtures::pool_log;
using fixtures::prompt_kind;

constexpr auto good_problem =
  "A rectangle has sides 2 and 3. What is its area?";

/// Answers like a well-behaved model, except that a generate prompt
/// mentioning "malformed" gets prose without the "Problem:" line, and an
/// "unsolvable" problem makes the solve call fail.
fixtures::canned_answer well_behaved(const llm_call& call) {
  auto kind = prompt_kind(call);
  auto& user = call.messages.back().content;
  if (kind == "generate") {
    if (user.find("malformed") != std::string::npos)
      return std::vector<std::string>{"I would rather not write that one."};
    if (user.find("unsolvable") != std::string::npos)
      return std::vector<std::string>{
        "Problem: This unsolvable one asks for the area of a 2 by 3 box."};
    return std::vector<std::string>{std::string{"Problem: "} + good_problem};
  }
  if (kind == "solve") {
    if (user.find("unsolvable") != std::string::npos)
      return make_error(ec::fatal, "fake: HTTP 400 prompt too long");
    return std::vector<std::string>{"The area is 2 * 3 = 6.\n\\boxed{6}"};
  }
  if (kind == "judge_problem")
    return std::vector<std::string>{"Complete and clear.\nScore: 0.9"};
  if (kind == "judge_solution")
    return std::vector<std::string>{"Checked each step.\nVerdict: True"};
  return make_error(ec::fatal, "fake: unexpected prompt kind '" + kind + "'");
}

item_record make_item(int i, std::string point = "Area of a rectangle") {
  item_record x;
  x.id = "item-" + std::to_string(i);
  x.origin.id = x.id;
  x.origin.points = {std::move(point), "Multiplication of integers"};
  x.origin.seed_ids = {"seed-1", "seed-2"};
  return x;
}

struct stage_fixture : fixtures::deterministic_actor_system {
  fixtures::temp_dir dir{"stages"};
  context_ptr ctx;
  std::shared_ptr<pool_log> plog = std::make_shared<pool_log>();
  model_pool_actor pool;
  std::shared_ptr<consumer_log> out = std::make_shared<consumer_log>();
  std::shared_ptr<feeder_log> in = std::make_shared<feeder_log>();
  fixtures::feeder_actor source;
  fixtures::consumer_probe_actor probe;

  explicit stage_fixture(uint32_t queue = 4) {
    auto pack = core::load_prompt_pack(std::filesystem::path{KPSYNTH_SOURCE_DIR}
                                       / "prompts" / "math");
    REQUIRE(pack);
    config::kpsynth_config cfg;
    for (auto name : {"m", "judge-a", "judge-b"}) {
      config::model_config m;
      m.name = m.served_as = name;
      m.endpoints.push_back({"fake://"});
      cfg.models[name] = m;
    }
    for (auto name : {"extract", "generate", "solve"}) {
      config::stage_config s;
      s.model = "m";
      s.queue = queue;
      cfg.stages[name] = s;
    }
    cfg.stages["solve"].samples = 2;
    cfg.run.output_dir = dir.path();
    cfg.run.accept_threshold = 0.85;
    cfg.decontam.enabled = false;
    ctx = std::make_shared<const pipeline_context>(
      pipeline_context{std::move(cfg), std::move(*pack)});
    plog->answer = well_behaved;
    pool = spawn(fixtures::fake_pool, plog);
  }

  /// The spec of stage `name` as the legacy [stages] tables give it.
  stage_spec spec(const char* name, int32_t priority) const {
    auto i = ctx->cfg.stages.find(name);
    auto settings =
      i == ctx->cfg.stages.end() ? config::stage_config{} : i->second;
    return stage_spec{name, name, settings, {}, priority};
  }

  /// feeder -> generator -> solver -> probe that pulls `pull` at first.
  void wire_generate_solve(uint32_t pull) {
    probe = spawn(consumer_probe, out, pull);
    auto sol = spawn(solver, ctx, spec("solve", 2), pool,
                     consumer_actor<item_record>{probe});
    auto gen = spawn(generator, ctx, spec("generate", 1), pool,
                     consumer_actor<item_record>{sol});
    source = spawn(feeder, consumer_actor<item_record>{gen}, in);
    run();
  }

  void feed(std::vector<item_record> xs, bool last) {
    self->send(source, atom::push_v, std::move(xs));
    if (last)
      self->send(source, atom::done_v);
    run();
  }

  const item_record& item(const std::string& id) const {
    for (auto& x : out->items)
      if (x.id == id)
        return x;
    FAIL("no item " << id);
    return out->items.front();
  }
};

/// An item ready for judging.
item_record judged_item(int i) {
  auto x = make_item(i);
  x.problem = good_problem;
  x.solutions.push_back({"The area is 2 * 3 = 6.\n\\boxed{6}", "6", "m"});
  return x;
}

verdict vote(std::string judge, double weight, double score, bool ok,
             bool abstained = false) {
  verdict v;
  v.judge = std::move(judge);
  v.weight = weight;
  v.problem_score = score;
  v.solution_ok = ok;
  v.abstained = abstained;
  return v;
}

std::vector<std::string> read_lines(const std::filesystem::path& file) {
  std::ifstream in{file};
  std::vector<std::string> result;
  for (std::string line; std::getline(in, line);)
    result.push_back(line);
  return result;
}

std::vector<std::string> stages_of(const item_record& x) {
  std::vector<std::string> result;
  for (auto& t : x.trace)
    result.push_back(t.stage);
  return result;
}

} // namespace

// -- generator and solver -----------------------------------------------------

TEST_CASE_METHOD(stage_fixture, "items pass through generator and solver",
                 "[stages]") {
  wire_generate_solve(100);
  std::vector<item_record> xs;
  for (int i = 0; i < 6; ++i)
    xs.push_back(make_item(i));
  feed(std::move(xs), true);
  REQUIRE(out->items.size() == 6);
  for (auto& x : out->items) {
    CHECK(x.status == item_status::in_flight);
    CHECK(x.problem == good_problem);
    REQUIRE(x.solutions.size() == 2);
    CHECK(x.solutions[0].answer == "6");
    CHECK(x.solutions[0].model == "m");
    CHECK(stages_of(x) == std::vector<std::string>{"generate", "solve"});
    CHECK(x.trace[0].model == "fake-pool");
    CHECK(x.trace[1].usage.completion_tokens == 20);
    CHECK(x.origin.seed_ids.size() == 2);
  }
  CHECK(plog->calls["generate"] == 6);
  CHECK(plog->calls["solve"] == 6);
  CHECK(out->dones == 1);
  CHECK(out->items_at_done == 6);
}

TEST_CASE_METHOD(stage_fixture, "malformed LLM output fails only its item",
                 "[stages]") {
  wire_generate_solve(100);
  std::vector<item_record> xs;
  for (int i = 0; i < 6; ++i)
    xs.push_back(make_item(i, i == 1 || i == 4 ? "A malformed point"
                              : i == 2         ? "An unsolvable point"
                                               : "Area of a rectangle"));
  feed(std::move(xs), true);
  REQUIRE(out->items.size() == 6);
  for (auto id : {"item-1", "item-4"}) {
    auto& x = item(id);
    CHECK(x.status == item_status::failed);
    CHECK(x.why.stage == "generate");
    CHECK(x.why.code == "bad_output");
    CHECK_THAT(x.why.reason,
               Catch::Contains("generate") && Catch::Contains("Problem:"));
    // The solver let it through untouched.
    CHECK(x.solutions.empty());
    CHECK(stages_of(x) == std::vector<std::string>{"generate"});
  }
  // An error from the pool fails the item at the stage that called.
  auto& y = item("item-2");
  CHECK(y.status == item_status::failed);
  CHECK(y.why.stage == "solve");
  CHECK(y.why.code == "fatal");
  CHECK_THAT(y.why.reason, Catch::Contains("HTTP 400"));
  for (auto id : {"item-0", "item-3", "item-5"})
    CHECK(item(id).solutions.size() == 2);
  CHECK(plog->calls["generate"] == 6);
  CHECK(plog->calls["solve"] == 4);
  CHECK(out->dones == 1);
}

TEST_CASE_METHOD(stage_fixture, "done follows only after everything drained",
                 "[stages]") {
  plog->hold = true;
  wire_generate_solve(100);
  feed({make_item(0), make_item(1), make_item(2)}, true);
  // The feeder is done, but three generate calls are out.
  CHECK(plog->held == 3);
  CHECK(out->dones == 0);
  self->send(pool, atom::retry_v, uint64_t{0});
  run();
  // Generated; now the solve calls are out.
  CHECK(plog->calls["solve"] == 3);
  CHECK(out->items.empty());
  CHECK(out->dones == 0);
  self->send(pool, atom::retry_v, uint64_t{0});
  run();
  CHECK(out->items.size() == 3);
  CHECK(out->dones == 1);
  CHECK(out->items_at_done == 3);
}

TEST_CASE_METHOD(stage_fixture, "a consumer never receives more than it pulled",
                 "[stages]") {
  wire_generate_solve(3);
  std::vector<item_record> xs;
  for (int i = 0; i < 20; ++i)
    xs.push_back(make_item(i));
  feed(std::move(xs), true);
  CHECK(out->items.size() == 3);
  // Backpressure reached the source: two stages of 4 plus the 3 delivered.
  CHECK(in->sent <= 11);
  CHECK(in->sent - out->items.size() <= 8);
  self->send(probe, atom::pull_v, uint32_t{5});
  run();
  CHECK(out->items.size() == 8);
  CHECK(in->sent <= 16);
  self->send(probe, atom::pull_v, uint32_t{100});
  run();
  CHECK(out->items.size() == 20);
  CHECK_FALSE(out->over_delivered);
  CHECK(out->dones == 1);
  std::set<std::string> ids;
  for (auto& x : out->items)
    ids.insert(x.id);
  CHECK(ids.size() == 20);
}

// -- rater --------------------------------------------------------------------

TEST_CASE("a difficulty reply maps to the item's level", "[rater]") {
  auto level = [](std::string_view text) {
    auto r = rating_of(text);
    return r ? *r : difficulty::unknown;
  };
  CHECK(level("Difficulty: hard\n") == difficulty::hard);
  CHECK(level("Difficulty: Easy") == difficulty::easy);
  CHECK(level("Difficulty: 5/10") == difficulty::medium);
  auto bad = rating_of("It depends on the student.");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().to_string(), Catch::Contains("difficulty"));
}

TEST_CASE_METHOD(stage_fixture, "the rater sets each item's difficulty",
                 "[rater]") {
  plog->answer = [](const llm_call& call) -> fixtures::canned_answer {
    REQUIRE(prompt_kind(call) == "difficulty");
    auto& user = call.messages.back().content;
    if (user.find("olympiad") != std::string::npos)
      return std::vector<std::string>{"Difficulty: hard"};
    if (user.find("vague") != std::string::npos)
      return std::vector<std::string>{"Hard to say."};
    if (user.find("offline") != std::string::npos)
      return make_error(ec::fatal, "fake: HTTP 500");
    return std::vector<std::string>{"Difficulty: easy"};
  };
  probe = spawn(consumer_probe, out, 100);
  auto rate = spawn(rater, ctx, stage_spec{"rate", "rate", {}, {}, 1}, pool,
                    consumer_actor<item_record>{probe});
  source = spawn(feeder, consumer_actor<item_record>{rate}, in);
  run();
  std::vector<item_record> xs;
  for (auto text : {"An olympiad problem.", "Add 2 and 3.", "A vague one.",
                    "An offline one."}) {
    xs.push_back(make_item(static_cast<int>(xs.size())));
    xs.back().problem = text;
  }
  xs.push_back(make_item(9));
  xs.back().status = item_status::rejected; // passes through, unrated
  feed(std::move(xs), true);
  REQUIRE(out->items.size() == 5);
  CHECK(out->dones == 1);
  CHECK(item("item-0").level == difficulty::hard);
  CHECK(item("item-1").level == difficulty::easy);
  // Unreadable or failed ratings leave the item going on, unrated.
  CHECK(item("item-2").level == difficulty::unknown);
  CHECK(item("item-2").status == item_status::in_flight);
  CHECK(stages_of(item("item-2")) == std::vector<std::string>{"rate"});
  CHECK(item("item-3").level == difficulty::unknown);
  CHECK(item("item-3").status == item_status::in_flight);
  CHECK(item("item-9").level == difficulty::unknown);
  CHECK(plog->calls["difficulty"] == 4);
}

// -- panel --------------------------------------------------------------------

TEST_CASE("decide: the weighted mean must reach the threshold", "[panel]") {
  panel_rule rule{0.75};
  item_record x;
  x.verdicts = {vote("a", 1, 0.5, true), vote("b", 1, 1.0, true)};
  decide(x, rule);
  CHECK(x.status == item_status::accepted);
  CHECK(x.problem_score == Approx(0.75));
  // The heavier judge is less convinced: (3 * 0.5 + 1.0) / 4 = 0.625.
  item_record y;
  y.verdicts = {vote("a", 3, 0.5, true), vote("b", 1, 1.0, true)};
  decide(y, rule);
  CHECK(y.status == item_status::rejected);
  CHECK(y.problem_score == Approx(0.625));
  CHECK(y.why.code == "low_score");
  CHECK_THAT(y.why.reason, Catch::Contains("0.625"));
}

TEST_CASE("decide: one vote against the solution vetoes it", "[panel]") {
  item_record x;
  x.verdicts = {vote("a", 1, 0.95, true), vote("b", 1, 0.95, false),
                vote("c", 1, 0.95, true)};
  decide(x, panel_rule{0.85});
  CHECK(x.status == item_status::rejected);
  CHECK(x.why.code == "solution_veto");
  CHECK_THAT(x.why.reason, Catch::Contains("'b'"));
}

TEST_CASE("decide: abstentions do not vote", "[panel]") {
  item_record x;
  x.verdicts = {vote("a", 1, 0.9, true), vote("b", 5, 0.0, false, true)};
  decide(x, panel_rule{0.85});
  CHECK(x.status == item_status::accepted);
  CHECK(x.problem_score == Approx(0.9));
  // Nobody could vote: the item fails instead of passing by default.
  item_record y;
  y.verdicts = {vote("a", 1, 0.9, true, true), vote("b", 1, 0.9, true, true)};
  decide(y, panel_rule{0.85});
  CHECK(y.status == item_status::failed);
  CHECK(y.why.code == "no_vote");
  item_record z;
  decide(z, panel_rule{0.85});
  CHECK(z.status == item_status::failed);
}

TEST_CASE_METHOD(stage_fixture, "the panel changes while items are judged",
                 "[panel]") {
  // Judge A's pool holds its calls; judge B's answers at once.
  plog->hold = true;
  auto blog = std::make_shared<pool_log>();
  blog->name = "fake-b";
  blog->answer = well_behaved;
  auto pool_b = spawn(fixtures::fake_pool, blog);
  auto a = spawn(judge, ctx, config::judge_config{"judge-a", "judge-a", 1.0},
                 pool, int32_t{3});
  auto b = spawn(judge, ctx, config::judge_config{"judge-b", "judge-b", 1.0},
                 pool_b, int32_t{3});
  probe = spawn(consumer_probe, out, 100);
  auto pan = spawn(panel, ctx, spec("judge_panel", 3),
                   std::vector<panel_member>{{"judge-a", a, 1.0}},
                   consumer_actor<item_record>{probe});
  source = spawn(feeder, consumer_actor<item_record>{pan}, in);
  run();
  feed({judged_item(0), judged_item(1)}, false);
  CHECK(plog->held == 4); // Two prompts per item.
  auto size = request<uint32_t>(pan, atom::panel_v,
                                std::vector<panel_member>{{"judge-b", b, 1.0}});
  REQUIRE(size);
  CHECK(*size == 1);
  feed({judged_item(2), judged_item(3)}, true);
  // The new items were judged by the new panel alone.
  REQUIRE(out->items.size() == 2);
  for (auto& x : out->items) {
    REQUIRE(x.verdicts.size() == 1);
    CHECK(x.verdicts[0].judge == "judge-b");
    CHECK(x.status == item_status::accepted);
  }
  CHECK(out->dones == 0);
  // The items already out finish with the panel they started with.
  self->send(pool, atom::retry_v, uint64_t{0});
  run();
  REQUIRE(out->items.size() == 4);
  for (auto id : {"item-0", "item-1"}) {
    auto& x = item(id);
    REQUIRE(x.verdicts.size() == 1);
    CHECK(x.verdicts[0].judge == "judge-a");
    CHECK(x.status == item_status::accepted);
    CHECK(x.problem_score == Approx(0.9));
  }
  CHECK(out->dones == 1);
  CHECK(blog->calls["judge_problem"] == 2);
  CHECK(plog->calls["judge_problem"] == 2);
}

// -- sink ---------------------------------------------------------------------

TEST_CASE_METHOD(stage_fixture, "the sink drops duplicate ids and counts",
                 "[sink]") {
  pipeline_status earlier;
  earlier.accepted = 1;
  auto snk = spawn(sink, ctx, std::unordered_set<std::string>{"item-0"},
                   std::unordered_set<std::string>{"seed-0"}, earlier);
  source = spawn(feeder, consumer_actor<item_record>{snk}, in);
  run();
  auto with = [](int i, item_status s) {
    auto x = judged_item(i);
    x.status = s;
    if (s != item_status::accepted)
      x.why = {"judge", "low_score", "weighted problem score 0.5 < 0.85"};
    x.trace.push_back({"generate", "m", "fake://", {100, 20}, 5, 1});
    return x;
  };
  // item-0 was written by an earlier run; item-1 arrives twice.
  feed({with(0, item_status::accepted), with(1, item_status::accepted),
        with(2, item_status::rejected), with(3, item_status::failed),
        with(4, item_status::in_flight), with(1, item_status::accepted)},
       false);
  for (auto& o :
       {seed_outcome{"seed-0", true, 3, {}},
        seed_outcome{"seed-1", true, 4, {}},
        seed_outcome{"seed-2", false, 0, {"extract", "deadline", "timed out"}},
        seed_outcome{"seeds.jsonl:7",
                     false,
                     0,
                     {"read", "bad_seed", "seeds.jsonl:7: bad"}},
        seed_outcome{"seed-1", true, 4, {}}})
    self->send(snk, atom::outcome_v, o);
  run();
  feed({}, true);
  auto st = request<pipeline_status>(snk, atom::status_v);
  REQUIRE(st);
  CHECK(st->accepted == 2);
  CHECK(st->rejected == 1);
  CHECK(st->failed == 2); // Still in flight at the sink counts as failed.
  CHECK(st->seeds_extracted == 1);
  CHECK(st->knowledge_points == 4);
  CHECK(st->seeds_failed == 1);
  CHECK(st->seeds_bad == 1);
  CHECK(st->prompt_tokens == 400);
  CHECK(st->completion_tokens == 80);
  CHECK(st->done);
  auto flushed = request<bool>(snk, atom::flush_v);
  REQUIRE(flushed);
  auto items = read_lines(dir.path() / "items.jsonl");
  REQUIRE(items.size() == 4);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto x = parse_item_line(items[i], "items.jsonl:" + std::to_string(i + 1));
    REQUIRE(x);
    ids.insert(x->id);
    if (x->id == "item-4")
      CHECK(x->status == item_status::failed);
  }
  CHECK(ids == std::set<std::string>{"item-1", "item-2", "item-3", "item-4"});
  CHECK(read_lines(dir.path() / "seeds.jsonl").size() == 3);
}

} // namespace kpsynth
