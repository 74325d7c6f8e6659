// ROUTE and MERGE on CAF's test_coordinator: a feeder plays the upstream and
// consumer probes the lanes, so that every pull, push and done happens in a
// known order. The properties: no item lost, pull credit per lane (a lane
// that never pulls does not stop the others), end-of-stream only when every
// input is done.

#include "actors/router.hpp"
#include "tests/fixtures/actor_system.hpp"
#include "tests/fixtures/stage_probes.hpp"

#include <catch2/catch.hpp>

#include <set>

namespace kpsynth {
namespace {

using fixtures::consumer_log;
using fixtures::consumer_probe;
using fixtures::feeder;
using fixtures::feeder_log;

item_record rated(int i, difficulty level) {
  item_record x;
  x.id = "item-" + std::to_string(i);
  x.level = level;
  return x;
}

/// `n` items alternating hard and easy, hard first.
std::vector<item_record> alternating(int from, int n) {
  std::vector<item_record> xs;
  for (int i = from; i < from + n; ++i)
    xs.push_back(rated(i, i % 2 == 0 ? difficulty::hard : difficulty::easy));
  return xs;
}

stage_spec spec_of(const char* name, const char* kind, uint32_t queue) {
  stage_spec s;
  s.name = name;
  s.kind = kind;
  s.settings.queue = queue;
  return s;
}

std::set<std::string> ids(const std::vector<item_record>& xs) {
  std::set<std::string> result;
  for (auto& x : xs)
    result.insert(x.id);
  return result;
}

struct route_fixture : fixtures::deterministic_actor_system {
  std::shared_ptr<feeder_log> in = std::make_shared<feeder_log>();
  std::shared_ptr<consumer_log> hard = std::make_shared<consumer_log>();
  std::shared_ptr<consumer_log> rest = std::make_shared<consumer_log>();
  fixtures::consumer_probe_actor hard_probe;
  fixtures::consumer_probe_actor rest_probe;
  route_actor route;
  fixtures::feeder_actor source;

  /// feeder -> route (hard: hard_probe, *: rest_probe); the probes pull
  /// `hard_pull` and `rest_pull` when attached.
  route_fixture(uint32_t queue, uint32_t hard_pull, uint32_t rest_pull) {
    hard_probe = spawn(consumer_probe, hard, hard_pull);
    rest_probe = spawn(consumer_probe, rest, rest_pull);
    std::vector<lane_spec> lanes{{"hard", "hard"}, {"*", "rest"}};
    route = spawn(router, spec_of("route", "route", queue),
                  find_route_field("difficulty"), lanes,
                  std::vector<consumer_actor<item_record>>{
                    consumer_actor<item_record>{hard_probe},
                    consumer_actor<item_record>{rest_probe}});
    source = spawn(feeder, consumer_actor<item_record>{route}, in);
    run();
  }

  void feed(std::vector<item_record> xs, bool last = false) {
    self->send(source, atom::push_v, std::move(xs));
    if (last)
      self->send(source, atom::done_v);
    run();
  }

  stage_status status() {
    auto s = request<stage_status>(route, atom::status_v);
    REQUIRE(s);
    return *s;
  }
};

} // namespace

TEST_CASE("a route sends each item to the lane of its field") {
  route_fixture f{8, 100, 100};
  auto xs = alternating(0, 10);
  xs.push_back(rated(10, difficulty::unknown));
  f.feed(std::move(xs), true);
  REQUIRE(f.hard->items.size() == 5);
  REQUIRE(f.rest->items.size() == 6);
  for (auto& x : f.hard->items)
    CHECK(x.level == difficulty::hard);
  for (auto& x : f.rest->items)
    CHECK(x.level != difficulty::hard);
  CHECK(f.hard->dones == 1);
  CHECK(f.rest->dones == 1);
  CHECK_FALSE(f.hard->over_delivered);
  CHECK_FALSE(f.rest->over_delivered);
  auto s = f.status();
  CHECK(s.in == 11);
  CHECK(s.out == 11);
  CHECK(s.done);
}

TEST_CASE("a lane that never pulls does not stop the other lane") {
  route_fixture f{8, 0, 100};
  // 16 items offered: the hard lane's items fill its buffer up to the
  // route's bound, while every easy item the route took reaches its lane
  // although hard ones came first.
  f.feed(alternating(0, 16));
  CHECK(f.hard->items.empty());
  auto s = f.status();
  CHECK(s.ready > 0);
  CHECK(s.ready <= 8);
  CHECK(f.rest->items.size() == s.in - s.ready);
  CHECK(f.rest->items.size() >= 7);
  // With the hard lane full, the route pulls no more: bounded, no loss.
  CHECK(f.in->pulled == s.in);
  // Each lane reports its own numbers, through a view as its own stage.
  auto view = f.spawn(lane_view, f.route, uint32_t{0});
  auto hard = f.request<stage_status>(view, atom::status_v);
  REQUIRE(hard);
  CHECK(hard->name == "route/hard");
  CHECK(hard->ready == s.ready);
  CHECK(hard->credit == 0);
  CHECK(hard->out == 0);
  auto rest = f.request<stage_status>(f.route, atom::status_v, uint32_t{1});
  REQUIRE(rest);
  CHECK(rest->out == f.rest->items.size());
  CHECK(rest->credit == 100 - rest->out);
  auto before = f.rest->items.size();
  f.feed(alternating(16, 4), true);
  CHECK(f.rest->items.size() == before);
  CHECK(f.rest->dones == 0);
  // The hard lane pulls at last: everything arrives, then both are done.
  f.self->send(f.hard_probe, atom::pull_v, uint32_t{100});
  f.run();
  CHECK(f.hard->items.size() == 10);
  CHECK(f.rest->items.size() == 10);
  CHECK(f.hard->dones == 1);
  CHECK(f.rest->dones == 1);
  auto all = ids(f.hard->items);
  for (auto& id : ids(f.rest->items))
    CHECK(all.insert(id).second);
  CHECK(all.size() == 20);
  CHECK_FALSE(f.hard->over_delivered);
}

TEST_CASE("a route ends a lane's stream only once that lane is drained") {
  route_fixture f{8, 0, 100};
  f.feed(alternating(0, 4), true);
  CHECK(f.rest->dones == 1);
  CHECK(f.rest->items_at_done == 2);
  CHECK(f.hard->dones == 0);
  f.self->send(f.hard_probe, atom::pull_v, uint32_t{1});
  f.run();
  CHECK(f.hard->items.size() == 1);
  CHECK(f.hard->dones == 0);
  f.self->send(f.hard_probe, atom::pull_v, uint32_t{1});
  f.run();
  CHECK(f.hard->dones == 1);
  CHECK(f.hard->items_at_done == 2);
}

namespace {

struct merge_fixture : fixtures::deterministic_actor_system {
  std::shared_ptr<feeder_log> a_log = std::make_shared<feeder_log>();
  std::shared_ptr<feeder_log> b_log = std::make_shared<feeder_log>();
  std::shared_ptr<consumer_log> out = std::make_shared<consumer_log>();
  fixtures::consumer_probe_actor probe;
  lane_actor merge;
  fixtures::feeder_actor a;
  fixtures::feeder_actor b;

  merge_fixture(uint32_t queue, uint32_t pull) {
    probe = spawn(consumer_probe, out, pull);
    merge = spawn(merger, spec_of("join", "merge", queue), uint32_t{2},
                  consumer_actor<item_record>{probe});
    a = spawn(feeder, consumer_actor<item_record>{merge}, a_log);
    b = spawn(feeder, consumer_actor<item_record>{merge}, b_log);
    run();
  }

  void feed(fixtures::feeder_actor& to, std::vector<item_record> xs,
            bool last) {
    self->send(to, atom::push_v, std::move(xs));
    if (last)
      self->send(to, atom::done_v);
    run();
  }
};

} // namespace

TEST_CASE("a merge joins every lane and ends when all lanes are done") {
  merge_fixture f{4, 100};
  f.feed(f.a, alternating(0, 10), true);
  CHECK(f.out->items.size() == 10);
  CHECK(f.out->dones == 0); // lane b is still open
  f.feed(f.b, alternating(10, 7), false);
  CHECK(f.out->items.size() == 17);
  CHECK(f.out->dones == 0);
  f.feed(f.b, {}, true);
  CHECK(f.out->dones == 1);
  CHECK(ids(f.out->items).size() == 17);
  CHECK_FALSE(f.out->over_delivered);
  auto s = f.request<stage_status>(f.merge, atom::status_v);
  REQUIRE(s);
  CHECK(s->in == 17);
  CHECK(s->out == 17);
  CHECK(s->done);
}

TEST_CASE("a merge pulls from every lane it has room for") {
  merge_fixture f{4, 0};
  f.feed(f.a, alternating(0, 10), false);
  f.feed(f.b, alternating(10, 10), false);
  // Each lane has its own window of `queue` items: a full lane a does not
  // keep lane b out.
  CHECK(f.a_log->pulled == 4);
  CHECK(f.b_log->pulled == 4);
  CHECK(f.out->items.empty());
  f.self->send(f.probe, atom::pull_v, uint32_t{100});
  f.run();
  CHECK(f.out->items.size() == 20);
  CHECK(ids(f.out->items).size() == 20);
}

} // namespace kpsynth
