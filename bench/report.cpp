// Speed of `kpsynth report` and `kpsynth panel calibrate` on a synthetic
// run built from the real MATH seed sample: how fast items.jsonl streams,
// what the seed-similarity and DBSCAN figures cost, and how long scoring
// every panel of 10 judges takes. Prints its figures; asserts nothing.
//
//   kpsynth_bench_report [items=50000]

#include "report/report.hpp"

#include "calibration/calibrate.hpp"
#include "core/json.hpp"
#include "core/seeds.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <unistd.h>

using namespace kpsynth;
using namespace kpsynth::quality;

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

std::vector<std::string> seed_problems(const std::filesystem::path& file) {
  std::vector<std::string> out;
  auto reader = seed_reader::open(file);
  if (!reader)
    return out;
  while (auto next = reader->next())
    if (*next)
      out.push_back((*next)->problem);
  return out;
}

/// Writes a run of `n` items whose problems are seeds with changed numbers.
void write_run(const std::filesystem::path& dir, std::size_t n,
               const std::vector<std::string>& seeds) {
  std::filesystem::create_directories(dir);
  std::mt19937_64 gen{42};
  std::ofstream items{dir / "items.jsonl"};
  const char* kinds[] = {"one_hop", "two_hop", "three_hop", "community"};
  for (std::size_t i = 0; i < n; ++i) {
    auto problem = seeds[gen() % seeds.size()];
    for (auto& c : problem)
      if (c >= '0' && c <= '9')
        c = static_cast<char>('0' + gen() % 10);
    auto u = gen() % 100;
    auto status = u < 60 ? "accepted" : (u < 90 ? "rejected" : "failed");
    std::string why = u < 60 ? ""
                             : (u < 90 ? R"(,"why":{"stage":"judge","code":)"
                                         R"("low_score","reason":"r"})"
                                       : R"(,"why":{"stage":"solve","code":)"
                                         R"("timeout","reason":"r"})");
    items << fmt::format(
      R"({{"id":"b{}","status":"{}","problem":{},"solution":"s","answer":"1",)"
      R"("difficulty":"medium","problem_score":0.9{},"combination":)"
      R"({{"kind":"{}","ordinal":{},"knowledge_points":[],"seed_ids":[]}},)"
      R"("verdicts":[{{"judge":"a","model":"a","weight":1,"abstained":false,)"
      R"("problem_score":0.9,"solution_ok":true}},{{"judge":"b","model":"b",)"
      R"("weight":1,"abstained":false,"problem_score":0.8,"solution_ok":)"
      R"({}}}],"trace":[{{"stage":"generate","model":"m","endpoint":"e",)"
      R"("prompt_tokens":200,"completion_tokens":60,"latency_ms":{},)"
      R"("attempts":1}},{{"stage":"solve","model":"m","endpoint":"e",)"
      R"("prompt_tokens":150,"completion_tokens":300,"latency_ms":{},)"
      R"("attempts":1}}],"usage":{{"prompt_tokens":350,)"
      R"("completion_tokens":360}}}})"
      "\n",
      i, status, core::json_quote(problem), why, kinds[i % 4], i,
      u % 2 == 0 ? "true" : "false", 100 + gen() % 400, 800 + gen() % 2000);
  }
}

} // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 50000;
  std::filesystem::path src{KPSYNTH_SOURCE_DIR};
  auto seeds_file = src / "data/seeds/math_train_sample.jsonl";
  auto seeds = seed_problems(seeds_file);
  auto dir = std::filesystem::temp_directory_path()
             / ("kpsynth_bench_report_" + std::to_string(::getpid()));
  write_run(dir, n, seeds);
  auto bytes = std::filesystem::file_size(dir / "items.jsonl");
  fmt::print("synthetic run: {} items, {:.1f} MB, {} real MATH seeds\n", n,
             static_cast<double>(bytes) / 1e6, seeds.size());

  auto t0 = clock_type::now();
  std::size_t count = 0;
  auto stats = for_each_run_item(dir, [&](run_item&&) { ++count; });
  auto parse_s = seconds_since(t0);
  fmt::print("stream items.jsonl:       {:8.3f} s  {:9.0f} items/s  "
             "{:6.1f} MB/s\n",
             parse_s, static_cast<double>(count) / parse_s,
             static_cast<double>(bytes) / 1e6 / parse_s);

  for (std::size_t sample : {std::size_t{1000}, std::size_t{3000}}) {
    report_config cfg;
    cfg.run_dir = dir;
    cfg.seeds = seeds_file;
    cfg.diversity_sample = sample;
    t0 = clock_type::now();
    auto s = analyse_run(cfg);
    auto total = seconds_since(t0);
    if (!s) {
      fmt::print("analyse_run failed: {}\n", s.error().to_string());
      return 1;
    }
    fmt::print("analyse_run (sim. sample {}, DBSCAN sample {}): {:.3f} s; "
               "{} clusters, eps {:.3f}, median seed similarity {:.3f}\n",
               s->similarity.items, s->diversity.sample, total,
               s->diversity.clusters, s->diversity.eps, s->similarity.median);
  }

  // The pieces, on the accepted problems.
  std::vector<std::string> texts;
  for_each_run_item(dir, [&](run_item&& x) {
    if (x.status == "accepted" && texts.size() < 20000)
      texts.push_back(std::move(x.problem));
  });
  lexical_embedder e;
  for (auto& s : seeds)
    e.add_document(s);
  for (auto& t : texts)
    e.add_document(t);
  t0 = clock_type::now();
  std::vector<sparse_vector> vecs;
  for (auto& t : texts)
    vecs.push_back(e.embed(t));
  auto embed_s = seconds_since(t0);
  std::vector<sparse_vector> seed_vecs;
  for (auto& s : seeds)
    seed_vecs.push_back(e.embed(s));
  t0 = clock_type::now();
  auto near = nearest_neighbours(vecs, seed_vecs);
  auto nn_s = seconds_since(t0);
  fmt::print("lexical embed:            {:8.3f} s  {:9.0f} texts/s\n", embed_s,
             static_cast<double>(texts.size()) / embed_s);
  fmt::print("nearest seed ({} x {}): {:8.3f} s  {:9.0f} items/s\n",
             near.size(), seed_vecs.size(), nn_s,
             static_cast<double>(near.size()) / nn_s);
  for (std::size_t m : {std::size_t{1000}, std::size_t{3000}}) {
    m = std::min(m, vecs.size());
    t0 = clock_type::now();
    distance_matrix d(m, [&](std::size_t i, std::size_t j) {
      return 1.0 - cosine(vecs[i], vecs[j]);
    });
    auto matrix_s = seconds_since(t0);
    t0 = clock_type::now();
    auto c = choose_eps(d, 5);
    auto r = dbscan(d, c.eps, 5);
    fmt::print("DBSCAN n={}: matrix {:.3f} s, k-dist + DBSCAN {:.3f} s, "
               "{} clusters\n",
               m, matrix_s, seconds_since(t0), r.clusters);
  }

  // Calibration: every panel of 10 judges over 5,000 items.
  std::mt19937_64 gen{7};
  std::vector<labelled_item> items;
  std::vector<judge_vote> votes;
  for (int i = 0; i < 5000; ++i) {
    auto id = "c" + std::to_string(i);
    bool good = gen() % 3 != 0;
    items.push_back({id, "p", "s", good, "bench"});
    for (int j = 0; j < 10; ++j) {
      bool right = gen() % 100 < 80;
      bool accept = right == good;
      votes.push_back(
        {id, "judge" + std::to_string(j), accept ? 0.9 : 0.4, accept, "bench"});
    }
  }
  calibration_options opts;
  auto set = build_calibration_set(items, votes, opts);
  t0 = clock_type::now();
  auto r = calibrate(*set, opts);
  fmt::print("calibrate: {} panels x {} items in {:.3f} s\n", r.panels.size(),
             r.items, seconds_since(t0));
  std::filesystem::remove_all(dir);
  return stats ? 0 : 1;
}
