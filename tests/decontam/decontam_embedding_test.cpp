// The embedding layer of decontamination: the benchmark corpus, exact
// top-k cosine search and the embedding cache.

#include "decontam/decontam_embedding.hpp"
#include "tests/fixtures/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <random>

namespace q = kpsynth::quality;

namespace {

/// Deterministic pseudo-random vectors, so that brute force has something
/// to sort through.
std::vector<std::vector<float>> random_vectors(std::size_t n, std::size_t dims,
                                               unsigned seed) {
  std::mt19937 gen{seed};
  std::normal_distribution<float> dist;
  std::vector<std::vector<float>> out(n, std::vector<float>(dims));
  for (auto& v : out)
    for (auto& x : v)
      x = dist(gen);
  return out;
}

double reference_cosine(const std::vector<float>& a,
                        const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += double{a[i]} * b[i];
    aa += double{a[i]} * a[i];
    bb += double{b[i]} * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

q::embedding_index make_index(const std::vector<std::vector<float>>& rows) {
  auto index = q::embedding_index::create(rows.front().size());
  REQUIRE(index);
  for (auto& r : rows)
    REQUIRE(index->add(r, "test"));
  return std::move(*index);
}

} // namespace

TEST_CASE("search finds the exact top-k by cosine", "[embedding]") {
  // 300 rows: several row blocks, and a last block that is not full.
  auto rows = random_vectors(300, 37, 1);
  auto index = make_index(rows);
  REQUIRE(index.size() == 300);
  auto queries = random_vectors(5, 37, 2);
  auto found = index.search_many(queries, 4, -1.0f);
  REQUIRE(found.size() == 5);
  for (std::size_t qi = 0; qi < queries.size(); ++qi) {
    std::vector<std::pair<double, std::uint32_t>> all;
    for (std::uint32_t r = 0; r < rows.size(); ++r)
      all.emplace_back(reference_cosine(queries[qi], rows[r]), r);
    std::sort(all.rbegin(), all.rend());
    REQUIRE(found[qi].size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
      CHECK(found[qi][i].row == all[i].second);
      CHECK(found[qi][i].cosine == Approx(all[i].first).margin(1e-5));
    }
    // A single search agrees with the batch.
    auto one = index.search(queries[qi], 4, -1.0f);
    REQUIRE(one.size() == 4);
    CHECK(one.front().row == found[qi].front().row);
  }
}

TEST_CASE("a row finds itself with cosine 1 whatever its scale",
          "[embedding]") {
  auto rows = random_vectors(50, 16, 3);
  auto index = make_index(rows);
  auto query = rows[17];
  for (auto& x : query)
    x *= 42.0f;
  auto found = index.search(query, 1, 0.99f);
  REQUIRE(found.size() == 1);
  CHECK(found.front().row == 17);
  CHECK(found.front().cosine == Approx(1.0).margin(1e-5));
}

TEST_CASE("the threshold and k bound the neighbours", "[embedding]") {
  auto index = make_index({{1, 0, 0}, {0.8f, 0.6f, 0}, {0, 1, 0}, {-1, 0, 0}});
  auto found = index.search(std::vector<float>{1, 0, 0}, 10, 0.5f);
  REQUIRE(found.size() == 2);
  CHECK(found[0].row == 0);
  CHECK(found[1].row == 1);
  CHECK(found[1].cosine == Approx(0.8));
  CHECK(index.search(std::vector<float>{1, 0, 0}, 1, 0.5f).size() == 1);
  CHECK(index.search(std::vector<float>{1, 0, 0}, 0, -1.0f).empty());
  // Wrong length or zero norm: no neighbours rather than garbage.
  CHECK(index.search(std::vector<float>{1, 0}, 3, -1.0f).empty());
  CHECK(index.search(std::vector<float>{0, 0, 0}, 3, -1.0f).empty());
}

TEST_CASE("bad vectors are refused with their place", "[embedding]") {
  CHECK_FALSE(q::embedding_index::create(0));
  auto index = q::embedding_index::create(3);
  REQUIRE(index);
  auto wrong = index->add(std::vector<float>{1, 2}, "math_test:7");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().where == "math_test:7");
  CHECK(wrong.error().message.find("2 dimensions") != std::string::npos);
  CHECK_FALSE(index->add(std::vector<float>{0, 0, 0}, "x"));
  CHECK_FALSE(index->add(std::vector<float>{1, NAN, 0}, "x"));
  CHECK(index->size() == 0);
}

TEST_CASE("the corpus finds problems by set and line", "[embedding]") {
  kpsynth::fixtures::temp_dir dir{"embedding_corpus"};
  auto a = dir.path() / "a.jsonl";
  auto b = dir.path() / "b.jsonl";
  std::ofstream{a} << R"({"problem": "What is 2 + 2?"})"
                   << "\n\n"
                   << R"({"problem": "What is 3 + 3?"})"
                   << "\n";
  std::ofstream{b} << R"({"q": "Solve x + 1 = 2."})"
                   << "\n";
  std::vector<q::benchmark_source> sources{{"zeta", a, {"problem"}},
                                           {"alpha", b, {"q"}}};
  auto corpus = q::benchmark_corpus::load(sources);
  REQUIRE(corpus);
  REQUIRE(corpus->size() == 3);
  auto i = corpus->find("zeta", 3);
  REQUIRE(i);
  CHECK((*corpus)[*i].text == "What is 3 + 3?");
  auto j = corpus->find("alpha", 1);
  REQUIRE(j);
  CHECK((*corpus)[*j].text == "Solve x + 1 = 2.");
  CHECK_FALSE(corpus->find("zeta", 2));
  CHECK_FALSE(corpus->find("beta", 1));
  corpus->add("beta", 4, "Added later.");
  CHECK(corpus->find("beta", 4));
  CHECK((*corpus)[*corpus->find("zeta", 1)].text == "What is 2 + 2?");

  std::ofstream{b} << R"({"other": "no q field"})"
                   << "\n";
  auto bad = q::benchmark_corpus::load(sources);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().where.find("b.jsonl:1") != std::string::npos);
}

TEST_CASE("the cache round-trips and refuses stale or damaged files",
          "[embedding]") {
  kpsynth::fixtures::temp_dir dir{"embedding_cache"};
  auto bench = dir.path() / "bench.jsonl";
  std::ofstream{bench} << R"({"problem": "What is 2 + 2?"})"
                       << "\n";
  std::vector<q::benchmark_source> sources{{"t", bench, {"problem"}}};
  auto fp = q::benchmark_fingerprint(sources);
  REQUIRE(fp);
  auto rows = random_vectors(70, 8, 4);
  auto index = make_index(rows);
  auto file = dir.path() / "emb.bin";
  q::embedding_cache_key key{"sim/math-7b", *fp, 70};
  auto saved = q::save_embeddings(file, key, index);
  REQUIRE(saved);
  CHECK(*saved == std::filesystem::file_size(file));

  auto loaded = q::load_embeddings(file, key);
  REQUIRE(loaded);
  REQUIRE(loaded->size() == 70);
  REQUIRE(loaded->dims() == 8);
  for (std::size_t r = 0; r < 70; ++r)
    for (std::size_t d = 0; d < 8; ++d)
      REQUIRE(loaded->row(r)[d] == Approx(index.row(r)[d]).margin(1e-6));

  auto other_model = key;
  other_model.model = "sim/other";
  auto stale = q::load_embeddings(file, other_model);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == "stale_cache");
  CHECK(stale.error().where == file.string());

  // Touching the benchmark file changes the fingerprint.
  std::ofstream{bench, std::ios::app} << R"({"problem": "And 3 + 3?"})"
                                      << "\n";
  auto fp2 = q::benchmark_fingerprint(sources);
  REQUIRE(fp2);
  CHECK(*fp2 != *fp);

  // A flipped byte in the vectors fails the checksum.
  {
    std::fstream f{file, std::ios::in | std::ios::out | std::ios::binary};
    f.seekp(-20, std::ios::end);
    f.put('\x7f');
  }
  auto damaged = q::load_embeddings(file, key);
  REQUIRE_FALSE(damaged);
  CHECK(damaged.error().code == "bad_cache");
  // A truncated file is refused before anything is allocated.
  std::filesystem::resize_file(file, 40);
  CHECK(q::load_embeddings(file, key).error().code == "bad_cache");
  CHECK_FALSE(q::benchmark_fingerprint(std::vector<q::benchmark_source>{
    {"gone", dir.path() / "missing.jsonl", {"problem"}}}));
}
