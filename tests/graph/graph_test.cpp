#include "graph/graph_file.hpp"
#include "graph/hashing.hpp"
#include "graph/kp_graph.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <vector>

using namespace kpsynth::graph;

namespace {

std::vector<std::vector<kp_id>> tiny_seeds() {
  // Seed 0 repeats KP 2 and carries a no_kp hole; seed 4 is a lone KP.
  return {{3, 1, 2, 2}, {1, 2}, {3, 4, no_kp}, {4, 5}, {6}};
}

template<class T>
std::vector<T> vec(std::span<const T> s) {
  return {s.begin(), s.end()};
}

std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path()
             / ("kpsynth_graph_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

} // namespace

TEST_CASE("build: nodes, weighted edges and provenance", "[graph][build]") {
  auto seeds = tiny_seeds();
  auto g = kp_graph::build(seeds);
  REQUIRE(g);
  CHECK(g->node_count() == 6);
  CHECK(g->seed_count() == 5);
  CHECK(vec<kp_id>(g->parts().node_kps)
        == std::vector<kp_id>{1, 2, 3, 4, 5, 6});
  const auto n1 = *g->node_of(1), n2 = *g->node_of(2), n3 = *g->node_of(3),
             n4 = *g->node_of(4), n6 = *g->node_of(6);
  CHECK_FALSE(g->node_of(7));
  CHECK(vec(g->neighbours(n3)) == std::vector<node_index>{n1, n2, n4});
  CHECK(vec(g->weights(n1)) == std::vector<std::uint32_t>{2, 1});
  auto pos = g->find_edge(n2, n1);
  REQUIRE(pos);
  CHECK(vec(g->edge_seeds(n2, *pos)) == std::vector<seed_index>{0, 1});
  CHECK(vec(g->node_seeds(n4)) == std::vector<seed_index>{2, 3});
  CHECK(g->adjacent(n3, n4));
  CHECK_FALSE(g->adjacent(n1, n4));
  CHECK(g->degree(n6) == 0);
  CHECK(g->edge_count() == 5);
  CHECK(g->total_weight() == 6);
  CHECK(g->triangle_count() == 1);

  auto s = g->stats();
  CHECK(s.nodes == 6);
  CHECK(s.edges == 5);
  CHECK(s.total_weight == 6);
  CHECK(s.seeds == 5);
  CHECK(s.components == 2);
  CHECK(s.isolated_nodes == 1);
  CHECK(s.max_degree == 3);
}

TEST_CASE("core nodes by degree, then weighted degree", "[graph][build]") {
  auto seeds = tiny_seeds();
  auto g = kp_graph::build(seeds);
  REQUIRE(g);
  // Degrees: 1:2 (strength 3), 2:2 (3), 3:3, 4:2 (2), 5:1, 6:0.
  CHECK(g->core_nodes({0.01, 0}) == std::vector<node_index>{2});
  CHECK(g->core_nodes({0.0, 3}) == std::vector<node_index>{2, 0, 1});
  CHECK(g->core_nodes({0.5, 0}) == std::vector<node_index>{2, 0, 1});
  CHECK(g->core_nodes({0.0, 100}).size() == 6);
}

TEST_CASE("build rejects a seed with absurdly many KPs", "[graph][build]") {
  std::vector<std::vector<kp_id>> seeds(3);
  for (kp_id i = 0; i < kp_graph::max_kps_per_seed + 1; ++i)
    seeds[2].push_back(i);
  auto g = kp_graph::build(seeds);
  REQUIRE_FALSE(g);
  CHECK(g.error().code == "too_many_kps");
  CHECK(g.error().where == "seed index 2");
}

TEST_CASE("the empty graph is valid", "[graph][build]") {
  std::vector<std::vector<kp_id>> none;
  auto g = kp_graph::build(none);
  REQUIRE(g);
  CHECK(g->node_count() == 0);
  CHECK(g->stats().components == 0);
  CHECK(g->core_nodes({}).empty());
  CHECK(g->fingerprint() == kp_graph{}.fingerprint());
}

TEST_CASE("from_parts rejects inconsistent arrays", "[graph][build]") {
  auto seeds = tiny_seeds();
  auto g = kp_graph::build(seeds);
  REQUIRE(g);
  SECTION("asymmetric weight") {
    auto p = g->parts();
    p.weights[0] += 1;
    p.edge_seeds.insert(p.edge_seeds.begin()
                          + static_cast<std::ptrdiff_t>(p.edge_seed_offsets[1]),
                        4);
    for (std::size_t i = 1; i < p.edge_seed_offsets.size(); ++i)
      p.edge_seed_offsets[i] += 1;
    auto r = kp_graph::from_parts(std::move(p), "x.kpg");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("not symmetric") != std::string::npos);
    CHECK(r.error().where == "x.kpg");
  }
  SECTION("neighbour out of range") {
    auto p = g->parts();
    p.adjacency[0] = 99;
    CHECK_FALSE(kp_graph::from_parts(std::move(p), "x.kpg"));
  }
  SECTION("seed out of range") {
    auto p = g->parts();
    p.seed_count = 2;
    CHECK_FALSE(kp_graph::from_parts(std::move(p), "x.kpg"));
  }
  SECTION("unchanged parts are accepted") {
    auto r = kp_graph::from_parts(g->parts(), "x.kpg");
    REQUIRE(r);
    CHECK(r->fingerprint() == g->fingerprint());
  }
}

namespace {

struct sample_bundle {
  kp_registry registry;
  std::vector<kp_id> reps;
  kp_graph graph;
};

sample_bundle make_bundle() {
  sample_bundle b;
  const char* texts[][3] = {
    {"Pythagorean theorem", "Area of a triangle", "pythagorean  Theorem."},
    {"Similar triangles", "Area of a triangle", ""},
    {"Law of sines", "Similar triangles", "Pythagoras' theorem"}};
  for (int s = 0; s < 3; ++s) {
    auto seed =
      b.registry.add_seed("train/geometry/" + std::to_string(s) + ".json");
    for (auto t : texts[s])
      if (*t != '\0')
        REQUIRE(b.registry.add_mention(seed, t));
  }
  // "Pythagoras' theorem" (4) is a synonym of "Pythagorean theorem" (0).
  b.reps = {0, 1, 2, 3, 0};
  std::vector<std::vector<kp_id>> seed_kps;
  for (seed_index s = 0; s < b.registry.seed_count(); ++s) {
    seed_kps.emplace_back();
    for (auto kp : b.registry.kps_of_seed(s))
      seed_kps.back().push_back(b.reps[kp]);
  }
  auto g = kp_graph::build(seed_kps);
  REQUIRE(g);
  b.graph = std::move(*g);
  return b;
}

} // namespace

TEST_CASE("bundle round trip keeps registry, synonyms and graph",
          "[graph][file]") {
  auto b = make_bundle();
  const auto bytes = encode_bundle(b.registry, b.reps, b.graph);
  auto back = decode_bundle(bytes, "mem");
  REQUIRE(back);
  CHECK(back->graph.fingerprint() == b.graph.fingerprint());
  CHECK(back->representative_of == b.reps);
  REQUIRE(back->registry.size() == b.registry.size());
  for (kp_id i = 0; i < b.registry.size(); ++i)
    CHECK(back->registry.display(i) == b.registry.display(i));
  REQUIRE(back->registry.seed_count() == 3);
  CHECK(back->registry.seed_name(2) == "train/geometry/2.json");
  CHECK(vec(back->registry.kps_of_seed(2)) == vec(b.registry.kps_of_seed(2)));
  CHECK(back->registry.frequency(1) == 2);
  CHECK(back->registry.mention_count() == b.registry.mention_count());
}

TEST_CASE("every truncation of a bundle is detected", "[graph][file]") {
  auto b = make_bundle();
  const auto bytes = encode_bundle(b.registry, b.reps, b.graph);
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    auto r = decode_bundle(std::string_view{bytes}.substr(0, len), "g.kpg");
    REQUIRE_FALSE(r);
    CHECK(r.error().where.rfind("g.kpg: byte ", 0) == 0);
  }
}

TEST_CASE("corrupted bytes and trailing junk are detected", "[graph][file]") {
  auto b = make_bundle();
  const auto bytes = encode_bundle(b.registry, b.reps, b.graph);
  for (std::size_t at = 0; at < bytes.size(); at += 7) {
    auto bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ 0x5A);
    CHECK_FALSE(decode_bundle(bad, "g.kpg"));
  }
  auto junk = decode_bundle(bytes + "x", "g.kpg");
  REQUIRE_FALSE(junk);
  CHECK(junk.error().message.find("after the END") != std::string::npos);
  auto magic = decode_bundle("KPSGRAPX" + bytes.substr(8), "g.kpg");
  REQUIRE_FALSE(magic);
  CHECK(magic.error().message.find("magic") != std::string::npos);
}

TEST_CASE("save and load through a file", "[graph][file]") {
  auto b = make_bundle();
  const auto path = temp_path("bundle.kpg");
  auto written = save_bundle(path, b.registry, b.reps, b.graph);
  REQUIRE(written);
  CHECK(*written == std::filesystem::file_size(path));
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  auto back = load_bundle(path);
  REQUIRE(back);
  CHECK(back->graph.fingerprint() == b.graph.fingerprint());
  // Cut the file as a crash during a non-atomic copy would.
  std::filesystem::resize_file(path, *written - 5);
  auto cut = load_bundle(path);
  REQUIRE_FALSE(cut);
  CHECK(cut.error().message.find("truncated") != std::string::npos);
  CHECK(cut.error().where.find(path) == 0);
  auto missing = load_bundle(path + ".missing");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == "io_error");
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

namespace {

/// Splits an encoded bundle into its sections (header and END excluded).
std::vector<std::string> sections_of(const std::string& bytes) {
  std::vector<std::string> out;
  std::size_t pos = 12;
  while (pos < bytes.size()) {
    std::uint64_t len = 0;
    std::memcpy(&len, bytes.data() + pos + 4, 8);
    out.push_back(bytes.substr(pos, 12 + len + 8));
    pos += 12 + len + 8;
  }
  out.pop_back(); // END
  return out;
}

/// Reassembles sections with a correct END section.
std::string assemble(const std::string& header,
                     const std::vector<std::string>& sections) {
  std::string out = header;
  for (const auto& s : sections)
    out += s;
  std::string end = "END!";
  const std::uint64_t len = 8, count = sections.size();
  end.append(reinterpret_cast<const char*>(&len), 8);
  std::string payload(reinterpret_cast<const char*>(&count), 8);
  end += payload;
  const std::uint64_t sum = hash_string(payload);
  end.append(reinterpret_cast<const char*>(&sum), 8);
  return out + end;
}

} // namespace

TEST_CASE("sections must each appear exactly once", "[graph][file]") {
  auto b = make_bundle();
  const auto bytes = encode_bundle(b.registry, b.reps, b.graph);
  const auto header = bytes.substr(0, 12);
  auto sections = sections_of(bytes);
  REQUIRE(sections.size() == 5);
  // Reassembling unchanged sections reproduces the file exactly.
  REQUIRE(assemble(header, sections) == bytes);
  auto twice = sections;
  twice.push_back(sections[3]); // REPR again
  auto r = decode_bundle(assemble(header, twice), "g.kpg");
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "section REPR appears twice");
  auto missing = sections;
  missing.erase(missing.begin() + 3);
  auto m = decode_bundle(assemble(header, missing), "g.kpg");
  REQUIRE_FALSE(m);
  CHECK(m.error().message == "file has no REPR section");
}
