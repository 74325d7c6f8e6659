// The stage registry and the configured topology: kinds resolved from TOML,
// bad topologies named by file and line, the prompt pack checked against
// the prompts the configured stages send, and kinds added by a domain.

#include "actors/stage_registry.hpp"
#include "core/config.hpp"
#include "tests/fixtures/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

using namespace kpsynth;
using kpsynth::fixtures::temp_dir;

namespace {

const std::string models = R"(
[run]
seeds = "seeds.jsonl"
prompts = "pack"

[models.small]
endpoints = ["sim"]

[models.big]
endpoints = ["sim"]

[decontam]
enabled = false

[[panel]]
name = "judge-a"
model = "small"
)";

/// A pipeline of `stages` (TOML entries) after the common tables.
result<topology> resolve(const std::string& stages) {
  auto cfg = config::parse(models + stages, "job.toml", ".");
  if (!cfg)
    return cfg.error();
  return resolve_topology(*cfg, stage_registry::with_builtins());
}

/// The line of the first `[[pipeline.stages]]` of `"\n" + stages`.
std::string first_stage_line(int offset = 0) {
  auto n = std::count(models.begin(), models.end(), '\n') + 2 + offset;
  return "job.toml:" + std::to_string(n);
}

std::string error_of(const std::string& stages) {
  auto t = resolve(stages);
  REQUIRE_FALSE(t);
  return t.error().to_string();
}

const std::string gsdp = R"(
[[pipeline.stages]]
kind = "extract"
model = "small"

[[pipeline.stages]]
kind = "plan"

[[pipeline.stages]]
kind = "generate"
model = "small"

[[pipeline.stages]]
name = "solve-big"
kind = "solve"
model = "big"
samples = 3
queue = 8

[[pipeline.stages]]
kind = "judge_panel"
)";

/// Copies the math pack into `dir` so that a test can break one file.
std::filesystem::path copy_pack(const temp_dir& dir) {
  auto to = dir.path() / "pack";
  std::filesystem::copy(
    std::filesystem::path{KPSYNTH_SOURCE_DIR} / "prompts" / "math", to);
  return to;
}

void replace_in(const std::filesystem::path& file, const std::string& from,
                const std::string& to) {
  std::ifstream in{file};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  std::ofstream{file} << text;
}

} // namespace

TEST_CASE("a configured pipeline resolves in order with priorities") {
  auto t = resolve(gsdp);
  INFO((t ? "" : t.error().to_string()));
  REQUIRE(t);
  REQUIRE(t->stages.size() == 5);
  CHECK(t->stages[0].spec.name == "extract");
  CHECK(t->stages[3].spec.name == "solve-big");
  CHECK(t->stages[3].spec.kind == "solve");
  CHECK(t->stages[3].spec.settings.model == "big");
  CHECK(t->stages[3].spec.settings.samples == 3);
  CHECK(t->stages[3].spec.settings.queue == 8);
  for (std::size_t i = 0; i < t->stages.size(); ++i)
    CHECK(t->stages[i].spec.priority == static_cast<int32_t>(i));
  // The panel asks program_judge only when a program stage runs.
  auto& panel = t->stages[4].prompts;
  CHECK(panel.size() == 2);
}

TEST_CASE("legacy [stages] tables resolve to the fixed chain") {
  auto cfg = config::parse(models + R"(
[stages.extract]
model = "small"
[stages.generate]
model = "small"
queue = 16
[stages.solve]
model = "big"
[stages.program]
model = "big"
)",
                           "job.toml", ".");
  REQUIRE(cfg);
  auto t = resolve_topology(*cfg, stage_registry::with_builtins());
  REQUIRE(t);
  std::vector<std::string> kinds;
  for (auto& s : t->stages)
    kinds.push_back(s.spec.kind);
  CHECK(kinds
        == std::vector<std::string>{"extract", "plan", "generate", "solve",
                                    "program", "verify", "judge_panel"});
  CHECK(t->stages[1].spec.settings.queue == 16);
  CHECK(t->stages.back().prompts.size() == 3);
}

TEST_CASE("bad topologies are errors naming the file, line and stage") {
  SECTION("unknown kind") {
    auto e = error_of("\n[[pipeline.stages]]\nkind = \"solver\"\n");
    CHECK_THAT(e, Catch::Contains(first_stage_line()));
    CHECK_THAT(e, Catch::Contains("unknown kind 'solver'"));
    CHECK_THAT(e, Catch::Contains("judge_panel"));
  }
  SECTION("a kind's unknown setting") {
    auto e = error_of(gsdp + "samplez = 2\n");
    CHECK_THAT(e, Catch::Contains("stage 'judge_panel'"));
    CHECK_THAT(e, Catch::Contains("no setting 'samplez'"));
  }
  SECTION("consumes what the stage before does not produce") {
    auto e = error_of(R"(
[[pipeline.stages]]
kind = "plan"
)");
    CHECK_THAT(e, Catch::Contains("consumes knowledge_points"));
    CHECK_THAT(e, Catch::Contains("the seed source"));
  }
  SECTION("the last stage must produce items") {
    auto e = error_of(R"(
[[pipeline.stages]]
kind = "extract"
model = "small"
)");
    CHECK_THAT(e, Catch::Contains("the sink takes items"));
  }
  SECTION("a model-calling kind without a model") {
    auto e = error_of("\n[[pipeline.stages]]\nkind = \"extract\"\n");
    CHECK_THAT(e, Catch::Contains("set 'model'"));
  }
  SECTION("names are unique and models exist") {
    auto e = error_of(gsdp + "\n[[pipeline.stages]]\nkind = \"judge_panel\"\n");
    CHECK_THAT(e, Catch::Contains("'judge_panel' is used twice"));
    auto f =
      error_of("\n[[pipeline.stages]]\nkind = \"extract\"\nmodel = \"huge\"\n");
    CHECK_THAT(f, Catch::Contains("unknown model 'huge'"));
    CHECK_THAT(f, Catch::Contains(first_stage_line(2)));
  }
  SECTION("legacy tables and a configured pipeline together") {
    auto e = error_of(gsdp + "\n[stages.extract]\nmodel = \"small\"\n");
    CHECK_THAT(e, Catch::Contains("not both"));
  }
}

TEST_CASE("the prompt pack is checked against the configured stages") {
  temp_dir dir{"registry"};
  auto pack_dir = copy_pack(dir);
  auto t = resolve(gsdp);
  REQUIRE(t);
  SECTION("kinds no stage sends are not required") {
    // Keep only the kinds this pipeline sends: no program, no difficulty,
    // no KP clustering prompts.
    std::ifstream in{pack_dir / "pack.toml"};
    std::string text{std::istreambuf_iterator<char>{in}, {}};
    in.close();
    std::string kept;
    std::size_t at = 0;
    for (auto next = text.find("\n[kinds."); at != std::string::npos;
         next = text.find("\n[kinds.", at + 1)) {
      auto block = text.substr(at, next == std::string::npos ? std::string::npos
                                                             : next - at);
      bool needed = at == 0;
      for (auto kind : {"kp_extract", "generate", "solve", "judge_problem",
                        "judge_solution"})
        needed |=
          block.find(std::string{"[kinds."} + kind + "]") != std::string::npos;
      if (needed)
        kept += block;
      at = next;
    }
    std::ofstream{pack_dir / "pack.toml"} << kept;
    auto pack = core::load_prompt_pack(pack_dir);
    INFO((pack ? "" : pack.error().to_string()));
    REQUIRE(pack);
    CHECK(pack->kinds().size() == 5);
    CHECK_FALSE(check_prompts(*t, *pack));
  }
  SECTION("a kind a stage sends must exist") {
    auto pack = core::load_prompt_pack(pack_dir);
    REQUIRE(pack);
    auto cfg = config::parse(models + gsdp, "job.toml", ".");
    REQUIRE(cfg);
    cfg->pipeline.insert(cfg->pipeline.begin() + 4,
                         config::pipeline_stage{"judge-2", "nonexistent"});
    CHECK_FALSE(resolve_topology(*cfg, stage_registry::with_builtins()));
    auto copy = *t;
    copy.stages[2].prompts[0].kind = "generate_v2";
    auto err = check_prompts(copy, *pack);
    REQUIRE(err);
    CHECK_THAT(err->to_string(), Catch::Contains("'generate_v2'"));
    CHECK_THAT(err->to_string(), Catch::Contains("pack.toml"));
  }
  SECTION("a placeholder the stage does not provide, at file:line") {
    replace_in(pack_dir / "solve.txt", "{{problem}}", "{{problem}}\n{{hint}}");
    replace_in(pack_dir / "pack.toml",
               "file = \"solve.txt\"\nplaceholders = [\"problem\"]",
               "file = \"solve.txt\"\nplaceholders = [\"problem\", \"hint\"]");
    auto pack = core::load_prompt_pack(pack_dir);
    INFO((pack ? "" : pack.error().to_string()));
    REQUIRE(pack);
    auto err = check_prompts(*t, *pack);
    REQUIRE(err);
    CHECK_THAT(err->to_string(), Catch::Contains("{{hint}}"));
    CHECK_THAT(err->to_string(), Catch::Contains("stage 'solve-big'"));
    auto text = (pack_dir / "solve.txt").string() + ":";
    CHECK_THAT(err->where, Catch::StartsWith(text));
    CHECK(err->where != text + "1");
  }
  SECTION("a required value the template never uses") {
    auto copy = *t;
    copy.stages[3].prompts[0].requires_.push_back("solution");
    copy.stages[3].prompts[0].provides.push_back("solution");
    auto pack = core::load_prompt_pack(pack_dir);
    REQUIRE(pack);
    auto err = check_prompts(copy, *pack);
    REQUIRE(err);
    CHECK(err->code == "missing_placeholder");
    CHECK_THAT(err->where, Catch::Contains("solve.txt:1"));
  }
}

namespace {

/// A domain's kind, registered the way a domain library does it.
const bool registered = stage_registry::add_domain([](stage_registry& r) {
  stage_kind k;
  k.name = "test_domain_echo";
  k.doc = "passes items on";
  k.spawn = [](stage_env& env) -> result<caf::actor> { return env.downstream; };
  r.add(std::move(k));
});

} // namespace

TEST_CASE("a domain adds kinds without editing the core") {
  CHECK(registered);
  auto r = stage_registry::with_builtins();
  CHECK(r.find("test_domain_echo") != nullptr);
  CHECK(r.find("solve") != nullptr);
  auto t = resolve(R"(
[[pipeline.stages]]
kind = "extract"
model = "small"
[[pipeline.stages]]
kind = "plan"
[[pipeline.stages]]
kind = "test_domain_echo"
)");
  REQUIRE(t);
  CHECK(t->stages.back().spec.kind == "test_domain_echo");
  stage_registry twice;
  stage_kind k;
  k.name = "x";
  k.spawn = [](stage_env& env) -> result<caf::actor> { return env.downstream; };
  CHECK_FALSE(twice.add(k));
  CHECK(twice.add(k));
}

TEST_CASE("the explicit pipeline example runs the quickstart's chain") {
  auto dir = std::filesystem::path{KPSYNTH_SOURCE_DIR} / "config";
  auto legacy = config::load(dir / "quickstart.toml");
  auto explicit_ = config::load(dir / "pipeline.toml");
  REQUIRE(legacy);
  REQUIRE(explicit_);
  auto r = stage_registry::with_builtins();
  auto a = resolve_topology(*legacy, r);
  auto b = resolve_topology(*explicit_, r);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(a->stages.size() == b->stages.size());
  for (std::size_t i = 0; i < a->stages.size(); ++i) {
    auto& x = a->stages[i].spec;
    auto& y = b->stages[i].spec;
    CHECK(x.name == y.name);
    CHECK(x.kind == y.kind);
    CHECK(x.priority == y.priority);
    CHECK(x.settings.model == y.settings.model);
    CHECK(x.settings.samples == y.settings.samples);
    CHECK(a->stages[i].prompts.size() == b->stages[i].prompts.size());
  }
}

// -- lanes --------------------------------------------------------------------

namespace {

/// generate -> rate -> route (hard: solve-big, rest: solve-small) -> merge
/// -> panel, with `lanes` and the stages between route and merge given.
std::string routed(const std::string& lanes, const std::string& between) {
  return R"(
[[pipeline.stages]]
kind = "extract"
model = "small"

[[pipeline.stages]]
kind = "plan"

[[pipeline.stages]]
kind = "generate"
model = "small"

[[pipeline.stages]]
kind = "rate"
model = "small"

[[pipeline.stages]]
name = "by-difficulty"
kind = "route"
lanes = ")"
         + lanes + R"("
)" + between
         + R"(
[[pipeline.stages]]
name = "join"
kind = "merge"

[[pipeline.stages]]
kind = "judge_panel"
)";
}

const std::string two_solvers = R"(
[[pipeline.stages]]
name = "solve-big"
kind = "solve"
model = "big"

[[pipeline.stages]]
name = "solve-small"
kind = "solve"
model = "small"

[[pipeline.stages]]
name = "check-small"
kind = "verify"
)";

} // namespace

TEST_CASE("a route's lanes run from their first stage to the merge") {
  auto t = resolve(routed("hard=solve-big; *=solve-small", two_solvers));
  INFO((t ? "" : t.error().to_string()));
  REQUIRE(t);
  REQUIRE(t->stages.size() == 10);
  auto& route = t->stages[4];
  CHECK(route.field->name == "difficulty");
  REQUIRE(route.lanes.size() == 2);
  CHECK(route.lanes[0].spec.value == "hard");
  CHECK(route.lanes[0].first == 5);
  CHECK(route.lanes[0].last == 5);
  CHECK(route.lanes[1].spec.value == "*");
  CHECK(route.lanes[1].first == 6);
  CHECK(route.lanes[1].last == 7);
  // Lane ends feed the merge; inside a lane, stages feed the next one.
  CHECK(t->stages[5].next == 8);
  CHECK(t->stages[6].next == 7);
  CHECK(t->stages[7].next == 8);
  CHECK(t->stages[8].joins == 2);
  CHECK(t->stages[8].next == 9);
  CHECK(t->stages[6].lane == "by-difficulty/*");
  auto cfg =
    config::parse(models + routed("hard=solve-big; *=solve-small", two_solvers),
                  "job.toml", ".");
  REQUIRE(cfg);
  auto text = describe(*t, *cfg);
  CHECK_THAT(text, Catch::Contains("lane difficulty = hard -> solve-big .. "
                                   "solve-big"));
  CHECK_THAT(text, Catch::Contains("lane difficulty = * -> solve-small .. "
                                   "check-small"));
  CHECK_THAT(text, Catch::Contains("lane by-difficulty/hard"));
}

TEST_CASE("a lane may be empty and go straight to the merge") {
  auto one = R"(
[[pipeline.stages]]
name = "solve-big"
kind = "solve"
model = "big"
)";
  auto t = resolve(routed("hard=solve-big; *=join", one));
  INFO((t ? "" : t.error().to_string()));
  REQUIRE(t);
  auto& route = t->stages[4];
  REQUIRE(route.lanes.size() == 2);
  CHECK(route.lanes[1].first == 6); // the merge
  CHECK(route.lanes[1].last == 4);  // the route
  CHECK(t->stages[6].joins == 2);
}

TEST_CASE("bad lanes are errors naming the file, line and stage") {
  // The route is the fifth entry: 4 entries of 2-4 lines before it.
  auto route_line = first_stage_line(15);
  SECTION("a lane names a stage that is not between route and merge") {
    auto e = error_of(routed("hard=solve-huge; *=solve-small", two_solvers));
    CHECK_THAT(e, Catch::Contains(route_line));
    CHECK_THAT(e, Catch::Contains("stage 'solve-huge'"));
    CHECK_THAT(e, Catch::Contains("unknown_lane_target"));
    auto f = error_of(routed("hard=generate; *=solve-small", two_solvers));
    CHECK_THAT(f, Catch::Contains("stage 'generate', which is not a stage "
                                  "between route 'by-difficulty' and merge "
                                  "'join'"));
  }
  SECTION("a value no lane takes, or one the field cannot have") {
    auto e = error_of(routed("hard=solve-big; easy=solve-small", two_solvers));
    CHECK_THAT(e, Catch::Contains("no lane takes difficulty 'unknown'"));
    CHECK_THAT(e, Catch::Contains(route_line));
    auto f = error_of(routed("tough=solve-big; *=solve-small", two_solvers));
    CHECK_THAT(f, Catch::Contains("'tough' is not a value of difficulty"));
    CHECK_THAT(error_of(routed("hard=solve-big", two_solvers)),
               Catch::Contains("at least two lanes"));
    CHECK_THAT(error_of(routed("hard solve-big; *=x", two_solvers)),
               Catch::Contains("not 'value=stage'"));
  }
  SECTION("stages after the route that start no lane") {
    auto e = error_of(routed("hard=solve-small; *=check-small", two_solvers));
    CHECK_THAT(e, Catch::Contains("stage 'solve-big' follows route "
                                  "'by-difficulty' but starts no lane"));
  }
  SECTION("a route without a merge, a merge without a route") {
    auto no_merge = routed("hard=solve-big; *=solve-small", two_solvers);
    no_merge.replace(no_merge.find("kind = \"merge\""), 14,
                     "kind = \"verify\"");
    CHECK_THAT(error_of(no_merge), Catch::Contains("has no merge stage"));
    CHECK_THAT(error_of(gsdp + "\n[[pipeline.stages]]\nkind = \"merge\"\n"),
               Catch::Contains("closes no route's lanes"));
  }
  SECTION("an unknown field") {
    auto text = routed("hard=solve-big; *=solve-small", two_solvers);
    text.insert(text.find("lanes ="), "by = \"colour\"\n");
    auto e = error_of(text);
    CHECK_THAT(e, Catch::Contains("'by = \"colour\"' is not a field"));
    CHECK_THAT(e, Catch::Contains("combination"));
  }
  SECTION("a lane whose stages do not take items") {
    auto bad = R"(
[[pipeline.stages]]
name = "solve-big"
kind = "plan"

[[pipeline.stages]]
name = "solve-small"
kind = "solve"
model = "small"
)";
    auto e = error_of(routed("hard=solve-big; *=solve-small", bad));
    CHECK_THAT(e, Catch::Contains("kind 'plan' consumes knowledge_points, but "
                                  "stage 'by-difficulty' before it produces "
                                  "items"));
  }
}
