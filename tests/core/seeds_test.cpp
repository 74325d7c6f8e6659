#include "core/seeds.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace kpsynth;

namespace {

/// A seed file in a private temporary directory, removed at the end.
struct seed_file {
  fs::path dir;
  fs::path path;
  explicit seed_file(const std::string& content) {
    std::string templ = (fs::temp_directory_path() / "kpsynth_seeds_XXXXXX");
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    dir = templ;
    path = dir / "seeds.jsonl";
    std::ofstream out(path, std::ios::binary);
    out << content;
  }
  ~seed_file() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string at(int line) const {
    return path.string() + ":" + std::to_string(line);
  }
};

/// Every outcome of a reader, in order.
std::vector<result<seed_problem>> read_all(const fs::path& file) {
  auto r = seed_reader::open(file);
  REQUIRE(r);
  std::vector<result<seed_problem>> out;
  while (auto x = r->next())
    out.push_back(std::move(*x));
  CHECK_FALSE(r->next()); // stays at the end
  return out;
}

/// Parses one line, which must fail; returns the problem.
problem bad_line(std::string_view line) {
  auto s = parse_seed_line(line, "f.jsonl:9");
  REQUIRE_FALSE(s);
  CHECK(s.error().code == "bad_seed");
  CHECK(s.error().where == "f.jsonl:9");
  return s.error();
}

} // namespace

TEST_CASE("good seed lines are read with their fields") {
  seed_file f{R"({"id": "s1", "problem": "What is 2+2?", "solution": "4"})"
              "\n"
              R"({"problem": "Solve x\n= 1", "solution": "x = \"1\"",)"
              R"( "extra": [1, 2]})"
              "\n"};
  auto xs = read_all(f.path);
  REQUIRE(xs.size() == 2);
  REQUIRE(xs[0]);
  CHECK(xs[0]->id == "s1");
  CHECK(xs[0]->problem == "What is 2+2?");
  CHECK(xs[0]->solution == "4");
  CHECK(xs[0]->origin == f.at(1));
  REQUIRE(xs[1]);
  CHECK(xs[1]->problem == "Solve x\n= 1"); // escapes decoded
  CHECK(xs[1]->solution == "x = \"1\"");
  // Without an id, the place stands for it: unique and stable across runs.
  CHECK(xs[1]->id == f.at(2));
}

TEST_CASE("numeric ids are accepted as their decimal text") {
  auto s =
    parse_seed_line(R"({"id": 1234, "problem": "p", "solution": "s"})", "f:1");
  REQUIRE(s);
  CHECK(s->id == "1234");
  auto neg =
    parse_seed_line(R"({"id": -7, "problem": "p", "solution": "s"})", "f:1");
  REQUIRE(neg);
  CHECK(neg->id == "-7");
  auto frac =
    parse_seed_line(R"({"id": 1.5, "problem": "p", "solution": "s"})", "f:1");
  REQUIRE_FALSE(frac);
  CHECK_THAT(frac.error().message, Catch::Contains("'id'"));
}

TEST_CASE("blank lines are skipped but counted, CRLF endings are accepted") {
  seed_file f{"\n"
              "   \t \r\n"
              "{\"id\": \"a\", \"problem\": \"p1\", \"solution\": \"s1\"}\r\n"
              "\r\n"
              "{\"id\": \"b\", \"problem\": \"p2\", \"solution\": \"s2\"}"};
  auto r = seed_reader::open(f.path);
  REQUIRE(r);
  auto a = r->next();
  REQUIRE(a);
  REQUIRE(*a);
  CHECK((*a)->id == "a");
  CHECK((*a)->solution == "s1"); // no trailing \r
  CHECK(r->line() == 3);
  CHECK((*a)->origin == f.at(3));
  auto b = r->next(); // last line has no newline at all
  REQUIRE(b);
  REQUIRE(*b);
  CHECK((*b)->id == "b");
  CHECK((*b)->solution == "s2");
  CHECK(r->line() == 5);
  CHECK_FALSE(r->next());
}

TEST_CASE("malformed lines are reported with file:line") {
  SECTION("invalid JSON") {
    auto p = bad_line(R"({"problem": "p", "solution": )");
    CHECK_THAT(p.message, Catch::Contains("not valid JSON"));
  }
  SECTION("trailing garbage") {
    bad_line(R"({"problem": "p", "solution": "s"} extra)");
  }
  SECTION("invalid UTF-8") {
    bad_line("{\"problem\": \"p\xff\", \"solution\": \"s\"}");
  }
  SECTION("not an object") {
    for (auto line : {R"(["p", "s"])", R"("p")", "42", "null"}) {
      INFO(line);
      auto p = bad_line(line);
      CHECK_THAT(p.message, Catch::Contains("not a JSON object"));
    }
  }
  SECTION("missing problem") {
    auto p = bad_line(R"({"solution": "s"})");
    CHECK_THAT(p.message, Catch::Contains("'problem'"));
  }
  SECTION("empty problem") {
    auto p = bad_line(R"({"problem": "", "solution": "s"})");
    CHECK_THAT(p.message, Catch::Contains("'problem'"));
  }
  SECTION("missing solution") {
    auto p = bad_line(R"({"problem": "p"})");
    CHECK_THAT(p.message, Catch::Contains("'solution'"));
  }
  SECTION("non-string fields") {
    auto p = bad_line(R"({"problem": 5, "solution": "s"})");
    CHECK_THAT(p.message, Catch::Contains("field 'problem' must be a string"));
    auto q = bad_line(R"({"problem": "p", "solution": ["s"]})");
    CHECK_THAT(q.message, Catch::Contains("field 'solution' must be a string"));
    auto r = bad_line(R"({"id": {"n": 1}, "problem": "p", "solution": "s"})");
    CHECK_THAT(r.message, Catch::Contains("field 'id' must be a string"));
    auto t = bad_line(R"({"id": true, "problem": "p", "solution": "s"})");
    CHECK_THAT(t.message, Catch::Contains("'id'"));
  }
}

TEST_CASE("the reader continues after a bad line") {
  seed_file f{"{\"id\": \"ok1\", \"problem\": \"p\", \"solution\": \"s\"}\n"
              "{not json\n"
              "[1]\n"
              "{\"id\": \"x\", \"problem\": \"p\"}\n"
              "{\"id\": \"x\", \"problem\": 3, \"solution\": \"s\"}\n"
              "\n"
              "{\"id\": \"ok2\", \"problem\": \"p\", \"solution\": \"s\"}\n"};
  auto xs = read_all(f.path);
  REQUIRE(xs.size() == 6);
  CHECK(xs[0]);
  for (int i = 1; i <= 4; ++i) {
    INFO("outcome " << i);
    REQUIRE_FALSE(xs[i]);
    CHECK(xs[i].error().where == f.at(i + 1));
  }
  REQUIRE(xs[5]);
  CHECK(xs[5]->id == "ok2");
  CHECK(xs[5]->origin == f.at(7));
}

TEST_CASE("an unreadable seed file is an error naming it") {
  auto r = seed_reader::open("/nonexistent/kpsynth/seeds.jsonl");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "io_error");
  CHECK(r.error().where == "/nonexistent/kpsynth/seeds.jsonl");
}

TEST_CASE("a moved reader keeps its position") {
  seed_file f{"{\"problem\": \"p1\", \"solution\": \"s\"}\n"
              "{\"problem\": \"p2\", \"solution\": \"s\"}\n"};
  auto r = seed_reader::open(f.path);
  REQUIRE(r);
  auto first = r->next();
  REQUIRE(first);
  seed_reader moved = std::move(*r);
  auto second = moved.next();
  REQUIRE(second);
  REQUIRE(*second);
  CHECK((*second)->problem == "p2");
  CHECK(moved.line() == 2);
}

TEST_CASE("a seed line over the limit is reported with file:line and "
          "skipped") {
  std::string huge(5000, 'x');
  seed_file f{"{\"problem\": \"p1\", \"solution\": \"s\"}\n"
              "{\"problem\": \""
              + huge
              + "\", \"solution\": \"s\"}\n"
                "{\"problem\": \"p3\", \"solution\": \"s\"}\n"};
  auto r = seed_reader::open(f.path, 1000);
  REQUIRE(r);
  std::vector<result<seed_problem>> xs;
  while (auto x = r->next())
    xs.push_back(std::move(*x));
  REQUIRE(xs.size() == 3);
  CHECK(xs[0]);
  REQUIRE_FALSE(xs[1]);
  CHECK(xs[1].error().code == "line_too_long");
  CHECK(xs[1].error().where == f.at(2));
  CHECK_THAT(xs[1].error().message, Catch::Contains("1000 bytes"));
  REQUIRE(xs[2]);
  CHECK(xs[2]->problem == "p3");
  CHECK(xs[2]->origin == f.at(3));
  // The default limit (1 MiB) takes the same line.
  auto all = read_all(f.path);
  CHECK(all[1]);
}

TEST_CASE("duplicate seed ids: a repeat is skipped, a conflict is reported") {
  seed_file f{"{\"id\": \"a\", \"problem\": \"p1\", \"solution\": \"s\"}\n"
              "{\"id\": \"b\", \"problem\": \"p2\", \"solution\": \"s\"}\n"
              "{\"id\": \"a\", \"problem\": \"p1\", \"solution\": \"s\"}\n"
              "{\"id\": \"a\", \"problem\": \"other\", \"solution\": \"s\"}\n"
              "{\"id\": \"c\", \"problem\": \"p3\", \"solution\": \"s\"}\n"};
  auto xs = read_all(f.path);
  // Line 3 repeats line 1 word for word: skipped (with a warning).
  REQUIRE(xs.size() == 4);
  CHECK(xs[0]->id == "a");
  CHECK(xs[1]->id == "b");
  REQUIRE_FALSE(xs[2]);
  CHECK(xs[2].error().code == "duplicate_id");
  CHECK(xs[2].error().where == f.at(4));
  CHECK_THAT(xs[2].error().message, Catch::Contains(f.at(1)));
  CHECK(xs[3]->id == "c");
  // Without the check every line comes through.
  auto r = seed_reader::open(f.path, default_max_seed_line_bytes, false);
  REQUIRE(r);
  size_t n = 0;
  while (auto x = r->next())
    n += *x ? 1 : 0;
  CHECK(n == 5);
}

TEST_CASE("a seed file without a usable seed fails the check, naming it") {
  SECTION("empty") {
    seed_file f{""};
    auto p = check_seed_file(f.path);
    REQUIRE(p);
    CHECK(p->code == "no_seeds");
    CHECK(p->where == f.path.string());
  }
  SECTION("all malformed") {
    seed_file f{"garbage\n\n{\"problem\": 3}\n"};
    auto p = check_seed_file(f.path);
    REQUIRE(p);
    CHECK(p->code == "no_seeds");
    CHECK_THAT(p->message, Catch::Contains("all 2 non-blank"));
    CHECK_THAT(p->message, Catch::Contains(f.at(1)));
  }
  SECTION("a directory") {
    seed_file f{""};
    auto p = check_seed_file(f.dir);
    REQUIRE(p);
    CHECK(p->code == "io_error");
    CHECK_THAT(p->message, Catch::Contains("directory"));
  }
  SECTION("one good line after bad ones passes") {
    seed_file f{"garbage\n{\"problem\": \"p\", \"solution\": \"s\"}\n"};
    CHECK_FALSE(check_seed_file(f.path));
  }
}
