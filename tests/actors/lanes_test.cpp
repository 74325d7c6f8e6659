// The fields a route switches on and the `lanes` option's syntax.

#include "actors/lanes.hpp"

#include <catch2/catch.hpp>

using namespace kpsynth;

namespace {

const route_field& field(const char* name) {
  auto* f = find_route_field(name);
  REQUIRE(f != nullptr);
  return *f;
}

} // namespace

TEST_CASE("route fields read the item") {
  item_record x;
  CHECK(field("difficulty").of(x) == "unknown");
  x.level = difficulty::hard;
  CHECK(field("difficulty").of(x) == "hard");
  x.status = item_status::rejected;
  CHECK(field("status").of(x) == "rejected");
  x.origin.kind = combination_kind::community;
  CHECK(field("combination").of(x) == "community");
  CHECK(find_route_field("colour") == nullptr);
}

TEST_CASE("lanes parse and pick a lane per value") {
  auto lanes = parse_lanes(" hard = big ;*=small;", field("difficulty"));
  REQUIRE(lanes);
  REQUIRE(lanes->size() == 2);
  CHECK((*lanes)[0].value == "hard");
  CHECK((*lanes)[0].first == "big");
  CHECK((*lanes)[1].value == "*");
  CHECK(lane_for(*lanes, "hard") == 0);
  CHECK(lane_for(*lanes, "easy") == 1);
  CHECK(lane_for(*lanes, "unknown") == 1);
  // Without '*', every value needs a lane of its own.
  auto all =
    parse_lanes("unknown=a; easy=a2; medium=b; hard=c", field("difficulty"));
  REQUIRE(all);
  CHECK(lane_for(*all, "medium") == 2);
}

TEST_CASE("bad lanes are rejected with the reason") {
  auto error = [](const char* text) {
    auto r = parse_lanes(text, field("difficulty"));
    REQUIRE_FALSE(r);
    return r.error().message;
  };
  CHECK_THAT(error("hard=a; hard=b; *=c"),
             Catch::Contains("'hard' has two lanes"));
  CHECK_THAT(error("hard=a; *=a"), Catch::Contains("'a' starts two lanes"));
  CHECK_THAT(error("hard=; *=a"), Catch::Contains("names no stage"));
  CHECK_THAT(error("easy=a; hard=b"),
             Catch::Contains("no lane takes difficulty 'unknown'"));
  CHECK_THAT(error(""), Catch::Contains("at least two lanes"));
}
