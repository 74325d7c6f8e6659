#include "core/prompt_pack.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using kpsynth::core::load_prompt_pack;
using kpsynth::core::prompt_pack;

namespace {

/// A private temporary directory, removed at the end of the test.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string templ = (fs::temp_directory_path() / "kpsynth_pack_XXXXXX");
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    path = templ;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream out(path / name, std::ios::binary);
    out << content;
  }
};

/// The math pack's kinds with the values its stages provide.
const std::vector<std::pair<std::string, std::vector<std::string>>>&
math_kinds() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>>
    kinds = {
      {"kp_extract", {"problem", "solution", "max_points"}},
      {"kp_quality", {"knowledge_points", "count"}},
      {"kp_synonym", {"kp_a", "kp_b"}},
      {"kp_representative", {"knowledge_points", "count"}},
      {"generate", {"knowledge_points", "count"}},
      {"difficulty", {"problem"}},
      {"solve", {"problem"}},
      {"judge_problem", {"problem"}},
      {"judge_solution", {"problem", "solution"}},
      {"program", {"problem"}},
      {"program_judge", {"problem", "program"}},
      {"same_problem", {"problem_a", "problem_b"}},
    };
  return kinds;
}

/// Writes a minimal valid pack: every math kind with every value the
/// pipeline provides, one placeholder per line.
void write_valid_pack(const temp_dir& dir) {
  std::string manifest = "[pack]\nname = \"mini\"\n";
  for (auto& [kind, values] : math_kinds()) {
    std::string list;
    std::string body = "### Task: " + kind + "\n";
    for (auto& p : values) {
      list += (list.empty() ? "\"" : ", \"") + p + "\"";
      body += "{{" + p + "}}\n";
    }
    manifest += "\n[kinds." + kind + "]\nfile = \"" + kind
                + ".txt\"\nplaceholders = [" + list + "]\n";
    dir.write(kind + ".txt", body);
  }
  dir.write("pack.toml", manifest);
}

/// Replaces the first occurrence of `from` in a file of the pack.
void edit(const temp_dir& dir, const std::string& name, const std::string& from,
          const std::string& to) {
  std::ifstream in(dir.path / name);
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  dir.write(name, text);
}

std::string error_of(const temp_dir& dir) {
  auto pack = load_prompt_pack(dir.path);
  REQUIRE_FALSE(pack);
  return pack.error().to_string();
}

} // namespace

TEST_CASE("the math pack loads and defines every kind") {
  auto pack = load_prompt_pack(KPSYNTH_SOURCE_DIR "/prompts/math");
  INFO((pack ? "" : pack.error().to_string()));
  REQUIRE(pack);
  CHECK(pack->name() == "math");
  for (auto& [kind, values] : math_kinds()) {
    auto* k = pack->find(kind);
    REQUIRE(k != nullptr);
    CHECK(k->text.rfind("### Task: " + kind + "\n", 0) == 0);
    CHECK(k->text.find("### Response format") != std::string::npos);
    CHECK_FALSE(pack->system_message(kind).empty());
  }
  CHECK(pack->kinds().size() == math_kinds().size());
  CHECK(pack->sampling("solve").max_tokens == 2048);
  CHECK(pack->sampling("judge_problem").temperature == 0.0);
  CHECK(pack->sampling("no_such_kind").max_tokens == 1024);
}

TEST_CASE("render inserts values verbatim and never re-expands them") {
  auto pack = load_prompt_pack(KPSYNTH_SOURCE_DIR "/prompts/math");
  REQUIRE(pack);
  std::string problem = "Compute $\\frac{{1}}{2}$ and {{solution}} here.";
  auto text = pack->render("solve", {{"problem", problem}, {"extra", "x"}});
  REQUIRE(text);
  CHECK(text->find(problem) != std::string::npos);
  CHECK(text->rfind("### Task: solve\n", 0) == 0);
  CHECK(text->find("{{problem}}") == std::string::npos);
  // The solve template keeps its own LaTeX braces literally.
  CHECK(text->find("\\boxed{\\frac{3}{4}}") != std::string::npos);
}

TEST_CASE("render reports a missing value with kind and placeholder") {
  auto pack = load_prompt_pack(KPSYNTH_SOURCE_DIR "/prompts/math");
  REQUIRE(pack);
  auto text = pack->render("judge_solution", {{"problem", "p"}});
  REQUIRE_FALSE(text);
  CHECK(text.error().code == "missing_value");
  CHECK(text.error().where == "prompt judge_solution");
  CHECK(text.error().message.find("{{solution}}") != std::string::npos);
  auto unknown = pack->render("nonsense", {});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == "unknown_kind");
}

TEST_CASE("split_template keeps LaTeX braces literal") {
  using kpsynth::core::split_template;
  auto pieces = split_template("a {{ x }} \\frac{{b}+1}{2} {{y}}{{1z}}");
  REQUIRE(pieces.size() == 5);
  CHECK(pieces[0].text == "a ");
  CHECK(pieces[1].is_placeholder);
  CHECK(pieces[1].text == "x");
  CHECK(pieces[2].text == " \\frac{{b}+1}{2} ");
  CHECK(pieces[3].is_placeholder);
  CHECK(pieces[3].text == "y");
  // "{{1z}}" is not a placeholder name, so it stays literal text.
  CHECK_FALSE(pieces[4].is_placeholder);
  CHECK(pieces[4].text == "{{1z}}");
}

TEST_CASE("a minimal generated pack loads") {
  temp_dir dir;
  write_valid_pack(dir);
  auto pack = load_prompt_pack(dir.path);
  INFO((pack ? "" : pack.error().to_string()));
  REQUIRE(pack);
  CHECK(pack->name() == "mini");
  auto text =
    pack->render("same_problem", {{"problem_a", "A"}, {"problem_b", "B"}});
  REQUIRE(text);
  CHECK(*text == "### Task: same_problem\nA\nB\n");
}

TEST_CASE("start-up errors name the file and line") {
  temp_dir dir;
  write_valid_pack(dir);
  auto manifest = (dir.path / "pack.toml").string();

  SECTION("no manifest") {
    fs::remove(dir.path / "pack.toml");
    auto e = error_of(dir);
    CHECK(e.find(manifest) != std::string::npos);
    CHECK(e.find("missing_file") != std::string::npos);
  }
  SECTION("TOML syntax error") {
    edit(dir, "pack.toml", "name = \"mini\"", "name = \"mini");
    auto e = error_of(dir);
    CHECK(e.find(manifest + ":2") != std::string::npos);
    CHECK(e.find("bad_toml") != std::string::npos);
  }
  SECTION("missing template file") {
    fs::remove(dir.path / "solve.txt");
    auto e = error_of(dir);
    CHECK(e.find((dir.path / "solve.txt").string()) != std::string::npos);
    CHECK(e.find("kind 'solve'") != std::string::npos);
  }
  SECTION("template misses a required placeholder") {
    edit(dir, "solve.txt", "{{problem}}", "no placeholder here");
    auto e = error_of(dir);
    CHECK(e.find((dir.path / "solve.txt").string()) != std::string::npos);
    CHECK(e.find("{{problem}}") != std::string::npos);
    CHECK(e.find("missing_placeholder") != std::string::npos);
  }
  SECTION("template uses an undeclared placeholder") {
    edit(dir, "judge_solution.txt", "{{solution}}", "{{solution}}\n{{hint}}");
    auto e = error_of(dir);
    CHECK(e.find((dir.path / "judge_solution.txt").string() + ":4")
          != std::string::npos);
    CHECK(e.find("{{hint}}") != std::string::npos);
  }
  SECTION("template header names another kind") {
    edit(dir, "program.txt", "### Task: program", "### Task: solve");
    auto e = error_of(dir);
    CHECK(e.find((dir.path / "program.txt").string() + ":1")
          != std::string::npos);
  }
  SECTION("unknown key in a kind") {
    edit(dir, "pack.toml", "[kinds.solve]\n",
         "[kinds.solve]\ntemprature = 1\n");
    auto e = error_of(dir);
    CHECK(e.find("temprature") != std::string::npos);
    CHECK(e.find(manifest + ":") != std::string::npos);
  }
  SECTION("out-of-range sampling default") {
    edit(dir, "pack.toml", "[kinds.solve]\n",
         "[kinds.solve]\nmax_tokens = 0\n");
    auto e = error_of(dir);
    CHECK(e.find("max_tokens") != std::string::npos);
  }
}
