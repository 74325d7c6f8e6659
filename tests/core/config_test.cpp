#include "core/config.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace kpsynth;

namespace {

/// A small valid configuration. Each bad-config test edits one spot of it,
/// so a failure can only come from that edit.
const std::string good_text = R"([run]
seeds = "seeds.jsonl"
output_dir = "../out"
prompts = "/abs/prompts"
max_items = 10
accept_threshold = 0.5

[simulator]
port = 0
overrides = { itl_ms = 1.0 }
faults = { http_500 = 0.1 }

[simulator.judges.judge-a]
accuracy = 0.95
bias = -0.1

[models.solver]
endpoints = ["sim", { url = "http://10.0.0.1:8000/v1", api_key_env = "K" }]
max_attempts = 3

[models.judge-a]
endpoints = ["sim"]

[stages.extract]
model = "solver"

[stages.generate]
model = "solver"
queue = 8

[stages.solve]
model = "solver"
samples = 3

[[panel]]
model = "judge-a"
weight = 2.0

[decontam]
enabled = false

[caf]
"scheduler.max-threads" = 2
"scheduler.policy" = "sharing"
)";

/// 1-based line of the first occurrence of `needle` in `text`.
uint32_t line_of(const std::string& text, const std::string& needle) {
  auto at = text.find(needle);
  REQUIRE(at != std::string::npos);
  return 1
         + static_cast<uint32_t>(
           std::count(text.begin(), text.begin() + at, '\n'));
}

/// `text` with the first occurrence of `from` replaced by `to`.
std::string edited(std::string text, const std::string& from,
                   const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

result<config::kpsynth_config> parse(const std::string& text) {
  return config::parse(text, "bad.toml", "/base/dir");
}

/// Parses `text`, which must fail with `code`, and returns the problem.
problem failure_of(const std::string& text, const std::string& code) {
  auto c = parse(text);
  REQUIRE_FALSE(c);
  INFO(c.error().to_string());
  CHECK(c.error().code == code);
  return c.error();
}

/// "bad.toml:<line>", the place every per-key error names.
std::string at_line(uint32_t line) {
  return "bad.toml:" + std::to_string(line);
}

/// A private temporary directory, removed at the end of the test.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string templ = (fs::temp_directory_path() / "kpsynth_cfg_XXXXXX");
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    path = templ;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

} // namespace

TEST_CASE("the example configuration loads with its documented values") {
  auto file = fs::path{KPSYNTH_SOURCE_DIR} / "config/kpsynth.example.toml";
  auto c = config::load(file);
  INFO((c ? "" : c.error().to_string()));
  REQUIRE(c);
  CHECK(c->file == file);
  auto root = fs::path{KPSYNTH_SOURCE_DIR} / "config";
  CHECK(c->run.seeds
        == (root / "../data/seeds/math_train_sample.jsonl").lexically_normal());
  CHECK(c->run.output_dir == (root / "out").lexically_normal());
  CHECK(c->run.prompts == (root / "../prompts/math").lexically_normal());
  CHECK(c->run.accept_threshold == Approx(0.85));
  CHECK(c->run.sync_every == 64);
  REQUIRE(c->models.size() == 2);
  auto& m = c->models.at("math-7b");
  CHECK(m.served_as == "math-7b");
  REQUIRE(m.endpoints.size() == 1);
  CHECK(m.endpoints[0].url == "sim");
  CHECK(m.request_timeout_ms == 600'000);
  CHECK(m.max_500_attempts == 2);
  CHECK(c->models.at("judge-a").served_as == "judge-a");
  for (auto stage : {"extract", "generate", "solve"})
    CHECK(c->stages.at(stage).model == "math-7b");
  REQUIRE(c->panel.size() == 1);
  CHECK(c->panel[0].name == "judge-a");
  CHECK(c->simulator.judges.at("judge-a").first == Approx(0.9));
  CHECK(c->simulator.profile == "7b-h100");
  CHECK(c->caf_int.at("scheduler.max-threads") == 2);
  CHECK(c->run.max_seed_line_bytes == 1048576);
  CHECK(c->run.model_down_timeout_s == 60);
  CHECK(c->control.max_connections == 64);
  CHECK(c->control.read_timeout_ms == 10000);
}

TEST_CASE("the quickstart configuration loads") {
  auto file = fs::path{KPSYNTH_SOURCE_DIR} / "config/quickstart.toml";
  auto c = config::load(file);
  INFO((c ? "" : c.error().to_string()));
  REQUIRE(c);
  CHECK(c->run.max_items == 600);
  CHECK(
    c->run.output_dir
    == (fs::path{KPSYNTH_SOURCE_DIR} / "out/quickstart").lexically_normal());
  // The quickstart runs the 7B-on-H100 profile unchanged.
  CHECK(c->simulator.profile == "7b-h100");
  CHECK(c->simulator.overrides.empty());
  CHECK(c->stages.at("solve").samples == 4);
  CHECK(c->stages.count("program") == 1);
  CHECK(c->decontam.enabled);
  CHECK(c->simulator.judges.at("judge-a").first == Approx(0.92));
  CHECK(c->stages.at("generate").model == "math-7b");
}

TEST_CASE("a valid text is read completely") {
  auto c = parse(good_text);
  INFO((c ? "" : c.error().to_string()));
  REQUIRE(c);
  CHECK(c->run.max_items == 10);
  CHECK(c->run.max_points == 10); // default kept
  auto& solver = c->models.at("solver");
  REQUIRE(solver.endpoints.size() == 2);
  CHECK(solver.endpoints[1].url == "http://10.0.0.1:8000/v1");
  CHECK(solver.endpoints[1].api_key_env == "K");
  CHECK(solver.endpoints[1].scrape_metrics);
  CHECK(solver.max_attempts == 3);
  CHECK(c->stages.at("generate").queue == 8);
  CHECK(c->stages.at("solve").samples == 3);
  CHECK(c->panel.at(0).name == "judge-a"); // defaults to the model
  CHECK(c->panel.at(0).weight == 2.0);
  CHECK(c->simulator.overrides.at("itl_ms") == 1.0);
  CHECK(c->simulator.faults.at("http_500") == Approx(0.1));
  CHECK(c->simulator.judges.at("judge-a").second == Approx(-0.1));
  CHECK(c->caf_int.at("scheduler.max-threads") == 2);
  CHECK(c->caf_string.at("scheduler.policy") == "sharing");
}

TEST_CASE("relative paths are resolved against the file's directory") {
  auto c = parse(good_text);
  REQUIRE(c);
  CHECK(c->run.seeds == fs::path{"/base/dir/seeds.jsonl"});
  CHECK(c->run.output_dir == fs::path{"/base/out"});
  CHECK(c->run.prompts == fs::path{"/abs/prompts"}); // absolute: unchanged

  temp_dir dir;
  fs::create_directories(dir.path / "sub");
  auto file = dir.path / "sub" / "job.toml";
  std::ofstream{file} << good_text;
  auto loaded = config::load(file);
  REQUIRE(loaded);
  CHECK(loaded->run.seeds == dir.path / "sub" / "seeds.jsonl");
  CHECK(loaded->run.output_dir == dir.path / "out");
}

TEST_CASE("a missing configuration file names the file") {
  auto c = config::load("/nonexistent/kpsynth/job.toml");
  REQUIRE_FALSE(c);
  CHECK(c.error().code == "io_error");
  CHECK(c.error().where == "/nonexistent/kpsynth/job.toml");
}

TEST_CASE("a TOML syntax error names file and line") {
  auto text = edited(good_text, "max_items = 10", "max_items = = 10");
  auto p = failure_of(text, "bad_toml");
  CHECK(p.where == at_line(line_of(text, "max_items")));
  CHECK_FALSE(p.message.empty());
}

TEST_CASE("a typo in a key is an error, not a silent default") {
  SECTION("in [run]") {
    auto text = edited(good_text, "max_items = 10", "max_item = 10");
    auto p = failure_of(text, "unknown_key");
    CHECK(p.where == at_line(line_of(text, "max_item")));
    CHECK_THAT(p.message, Catch::Contains("'run.max_item'"));
  }
  SECTION("in a nested table") {
    auto text = edited(good_text, "accuracy = 0.95", "accurracy = 0.95");
    auto p = failure_of(text, "unknown_key");
    CHECK(p.where == at_line(line_of(text, "accurracy")));
    CHECK_THAT(p.message,
               Catch::Contains("'simulator.judges.judge-a.accurracy'"));
  }
  SECTION("in an endpoint table") {
    auto text = edited(good_text, "api_key_env", "api_key_var");
    auto p = failure_of(text, "unknown_key");
    CHECK(p.where == at_line(line_of(text, "api_key_var")));
    CHECK_THAT(p.message,
               Catch::Contains("'models.solver.endpoints[1].api_key_var'"));
  }
  SECTION("a misspelt table") {
    auto text = edited(good_text, "[simulator]", "[simulater]");
    auto p = failure_of(text, "unknown_key");
    CHECK(p.where == at_line(line_of(text, "[simulater]")));
    CHECK_THAT(p.message, Catch::Contains("'simulater'"));
  }
  SECTION("an unknown stage") {
    auto text = good_text + "\n[stages.judge]\nmodel = \"solver\"\n";
    auto p = failure_of(text, "invalid_config");
    CHECK(p.where
          == at_line(line_of(text, "[stages.judge]")) + ": stages.judge");
    CHECK_THAT(p.message, Catch::Contains("unknown stage"));
  }
}

TEST_CASE("a value of the wrong type names the key and its line") {
  /// Replacing `from` by `to` makes `key` wrong on the line of `needle`.
  struct bad_value {
    std::string from, to, needle, key, expected;
  };
  auto v = GENERATE(
    bad_value{"max_items = 10", "max_items = \"ten\"", "max_items",
              "run.max_items", "must be an integer"},
    bad_value{"max_items = 10", "max_items = 10.5", "max_items",
              "run.max_items", "must be an integer"},
    bad_value{"accept_threshold = 0.5", "accept_threshold = \"high\"",
              "accept_threshold", "run.accept_threshold", "must be a number"},
    bad_value{"seeds = \"seeds.jsonl\"", "seeds = 3", "seeds = 3", "run.seeds",
              "must be a string"},
    bad_value{"max_attempts = 3", "stream = \"yes\"", "stream",
              "models.solver.stream", "must be true or false"},
    bad_value{"http_500 = 0.1", "http_500 = \"often\"", "http_500",
              "simulator.faults.http_500", "must be a number"},
    bad_value{"\"scheduler.max-threads\" = 2",
              "\"scheduler.max-threads\" = 2.5", "max-threads",
              "caf.scheduler.max-threads", "must be an integer or string"},
    bad_value{"[simulator.judges.judge-a]",
              "[simulator.judges]\njudge-a = 1\n[simulator.judges.judge-b]",
              "judge-a = 1", "simulator.judges.judge-a", "must be a table"},
    bad_value{"[models.judge-a]\nendpoints = [\"sim\"]\n",
              "[models]\njudge-a = \"sim\"\n", "judge-a = ", "models.judge-a",
              "must be a table"});
  INFO(v.to);
  auto text = edited(good_text, v.from, v.to);
  auto p = failure_of(text, "bad_type");
  CHECK(p.where == at_line(line_of(text, v.needle)));
  CHECK_THAT(p.message, Catch::Contains("'" + v.key + "'"));
  CHECK_THAT(p.message, Catch::Contains(v.expected));
}

TEST_CASE("an integer out of range names the key and its line") {
  auto [from, to, key] = GENERATE(
    std::tuple<std::string, std::string, std::string>{
      "max_items = 10", "max_items = -1", "run.max_items"},
    std::tuple<std::string, std::string, std::string>{
      "port = 0", "port = 70000", "simulator.port"},
    std::tuple<std::string, std::string, std::string>{
      "queue = 8", "queue = 5000000000", "stages.generate.queue"});
  INFO(to);
  auto text = edited(good_text, from, to);
  auto p = failure_of(text, "out_of_range");
  CHECK(p.where == at_line(line_of(text, to)));
  CHECK_THAT(p.message, Catch::Contains("'" + key + "'"));
  CHECK_THAT(p.message, Catch::Contains("out of range"));
}

TEST_CASE("cross-field errors name the key and, where it exists, its line") {
  SECTION("missing stage") {
    auto text = edited(good_text, "[stages.solve]\nmodel = \"solver\"", "");
    text = edited(text, "samples = 3\n", "");
    auto p = failure_of(text, "invalid_config");
    CHECK_THAT(p.where, Catch::StartsWith("bad.toml"));
    CHECK_THAT(p.where, Catch::EndsWith(": stages.solve"));
    CHECK_THAT(p.message, Catch::Contains("not configured"));
  }
  SECTION("unknown model in a stage") {
    auto text = edited(good_text, "model = \"solver\"\nsamples",
                       "model = \"solvr\"\nsamples");
    auto p = failure_of(text, "invalid_config");
    CHECK(p.where
          == at_line(line_of(text, "\"solvr\"")) + ": stages.solve.model");
    CHECK_THAT(p.message, Catch::Contains("unknown model 'solvr'"));
  }
  SECTION("unknown model in the panel") {
    auto text = edited(good_text, "model = \"judge-a\"", "model = \"judge-b\"");
    auto p = failure_of(text, "invalid_config");
    CHECK(p.where == at_line(line_of(text, "judge-b")) + ": panel[0].model");
    CHECK_THAT(p.message, Catch::Contains("unknown model 'judge-b'"));
  }
  SECTION("empty panel") {
    auto text = edited(good_text, "[[panel]]\nmodel = \"judge-a\"\n", "");
    text = edited(text, "weight = 2.0\n", "");
    auto p = failure_of(text, "invalid_config");
    CHECK(p.where == "bad.toml: panel");
    CHECK_THAT(p.message, Catch::Contains("at least one judge"));
  }
  SECTION("non-positive or non-finite judge weight") {
    auto weight = GENERATE(as<std::string>{}, "-1.0", "0.0", "nan", "inf");
    auto text = edited(good_text, "weight = 2.0", "weight = " + weight);
    auto p = failure_of(text, "invalid_config");
    CHECK(p.where == at_line(line_of(text, "weight")) + ": panel[0].weight");
    CHECK_THAT(p.message, Catch::Contains("positive"));
  }
  SECTION("acceptance threshold out of range") {
    auto value = GENERATE(as<std::string>{}, "1.5", "-0.1", "nan");
    auto text = edited(good_text, "accept_threshold = 0.5",
                       "accept_threshold = " + value);
    auto p = failure_of(text, "invalid_config");
    CHECK(p.where
          == at_line(line_of(text, "accept_threshold"))
               + ": run.accept_threshold");
    CHECK_THAT(p.message, Catch::Contains("0..1"));
  }
  SECTION("model without endpoints") {
    auto text =
      edited(good_text, "endpoints = [\"sim\"]\n", "endpoints = []\n");
    auto p = failure_of(text, "invalid_config");
    CHECK(p.where
          == at_line(line_of(text, "endpoints = []"))
               + ": models.judge-a.endpoints");
  }
  SECTION("min_limit above max_limit") {
    auto text =
      edited(good_text, "max_attempts = 3", "min_limit = 9\nmax_limit = 4");
    auto p = failure_of(text, "invalid_config");
    CHECK(p.where
          == at_line(line_of(text, "[models.solver]")) + ": models.solver");
  }
  SECTION("zero samples") {
    auto text = edited(good_text, "samples = 3", "samples = 0");
    auto p = failure_of(text, "invalid_config");
    CHECK(p.where
          == at_line(line_of(text, "samples")) + ": stages.solve.samples");
    CHECK_THAT(p.message, Catch::Contains("at least 1"));
  }
  SECTION("zero seed line limit") {
    auto text = edited(good_text, "max_items = 10",
                       "max_items = 10\nmax_seed_line_bytes = 0");
    auto p = failure_of(text, "invalid_config");
    CHECK(p.where
          == at_line(line_of(text, "max_seed_line_bytes"))
               + ": run.max_seed_line_bytes");
  }
  SECTION("no seed file") {
    auto text = edited(good_text, "seeds = \"seeds.jsonl\"\n", "");
    auto p = failure_of(text, "invalid_config");
    CHECK(p.where == at_line(line_of(text, "[run]")) + ": run.seeds");
  }
}

TEST_CASE("an endpoint without a url names the endpoint and its line") {
  SECTION("table without url") {
    auto text =
      edited(good_text, "{ url = \"http://10.0.0.1:8000/v1\", ", "{ ");
    auto p = failure_of(text, "missing_key");
    CHECK(p.where == at_line(line_of(text, "api_key_env")));
    CHECK_THAT(p.message, Catch::Contains("'models.solver.endpoints[1]'"));
    CHECK_THAT(p.message, Catch::Contains("no url"));
  }
  SECTION("empty url string") {
    auto text =
      edited(good_text, "endpoints = [\"sim\"]\n", "endpoints = [\"\"]\n");
    auto p = failure_of(text, "missing_key");
    CHECK(p.where == at_line(line_of(text, "endpoints = [\"\"]")));
    CHECK_THAT(p.message, Catch::Contains("'models.judge-a.endpoints[0]'"));
  }
  SECTION("neither string nor table") {
    auto text =
      edited(good_text, "endpoints = [\"sim\"]\n", "endpoints = [8000]\n");
    auto p = failure_of(text, "bad_type");
    CHECK(p.where == at_line(line_of(text, "endpoints = [8000]")));
    CHECK_THAT(p.message, Catch::Contains("'models.judge-a.endpoints[0]'"));
  }
}

TEST_CASE("problem::to_string puts the place first") {
  auto text = edited(good_text, "max_items = 10", "max_items = \"x\"");
  auto c = parse(text);
  REQUIRE_FALSE(c);
  CHECK_THAT(c.error().to_string(),
             Catch::StartsWith(at_line(line_of(text, "max_items")) + ": "));
  CHECK_THAT(c.error().to_string(), Catch::EndsWith("[bad_type]"));
}

TEST_CASE("endpoints remember their file:line for later checks") {
  auto c = parse(good_text);
  REQUIRE(c);
  auto& eps = c->models.at("solver").endpoints;
  REQUIRE(eps.size() == 2);
  CHECK(eps[1].origin == at_line(line_of(good_text, "api_key_env")));
  CHECK(c->run.max_seed_line_bytes == 1048576);
  CHECK(c->control.max_connections == 64);
  CHECK(c->control.read_timeout_ms == 10000);
}
