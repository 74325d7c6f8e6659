// The control API's request parsing: PUT /v1/panel bodies.

#include "actors/control.hpp"

#include <catch2/catch.hpp>

using namespace kpsynth;

namespace {

const std::set<std::string> models{"judge-a", "judge-b"};

problem rejected(std::string_view body) {
  auto r = parse_panel(body, models);
  REQUIRE_FALSE(r);
  return r.error();
}

} // namespace

TEST_CASE("a valid panel body is read with its defaults") {
  auto r = parse_panel(R"({"judges": [{"model": "judge-a"},
                       {"name": "strict", "model": "judge-b", "weight": 2}]})",
                       models);
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].name == "judge-a");
  CHECK((*r)[0].weight == 1.0);
  CHECK((*r)[1].name == "strict");
  CHECK((*r)[1].weight == 2.0);
}

TEST_CASE("a judge name used twice is rejected naming it") {
  auto p = rejected(R"({"judges": [{"model": "judge-a"},
                    {"name": "judge-a", "model": "judge-b"}]})");
  CHECK_THAT(p.message, Catch::Contains("judges[1]"));
  CHECK_THAT(p.message, Catch::Contains("'judge-a' is used twice"));
}

TEST_CASE("unknown fields in a panel body are rejected naming them") {
  SECTION("in a judge") {
    auto p = rejected(R"({"judges": [{"model": "judge-a", "wieght": 3}]})");
    CHECK_THAT(p.message, Catch::Contains("judges[0]"));
    CHECK_THAT(p.message, Catch::Contains("unknown field 'wieght'"));
  }
  SECTION("at the top") {
    auto p = rejected(R"({"judges": [{"model": "judge-a"}], "threshold": 1})");
    CHECK_THAT(p.message, Catch::Contains("unknown field 'threshold'"));
  }
}

TEST_CASE("bad panel bodies name the problem") {
  CHECK_THAT(rejected(R"({"judges": []})").message,
             Catch::Contains("at least one judge"));
  CHECK_THAT(rejected(R"({"judges": [{"model": "nope"}]})").message,
             Catch::Contains("unknown model 'nope'"));
  CHECK_THAT(
    rejected(R"({"judges": [{"model": "judge-a", "weight": 0}]})").message,
    Catch::Contains("positive"));
  CHECK_THAT(rejected(R"({"judges": {}})").message, Catch::Contains("judges"));
  CHECK(rejected("[").code != "");
}
