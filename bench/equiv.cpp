// Throughput and latency of kpsynth::text::equivalent() over the labelled
// pairs in tests/text/data/equiv_pairs.tsv.
//
// Usage: kpsynth_bench_equiv [rounds] [threads]
// Prints p50/p99/max microseconds per comparison, comparisons per second,
// and the agreement with the labels. Defaults: 20 rounds, 1 thread.

#include "text/equivalence.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct labelled_pair {
  std::string a;
  std::string b;
  std::string expected;
};

std::vector<labelled_pair> load(const std::string& path) {
  std::vector<labelled_pair> pairs;
  std::ifstream in{path};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#')
      continue;
    std::vector<std::string> fields;
    std::stringstream fields_in{line};
    std::string field;
    while (std::getline(fields_in, field, '\t'))
      fields.push_back(field);
    if (fields.size() == 4)
      pairs.push_back({fields[0], fields[1], fields[2]});
  }
  return pairs;
}

double percentile(std::vector<double>& xs, double p) {
  if (xs.empty())
    return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(xs.size() - 1));
  std::nth_element(xs.begin(), xs.begin() + static_cast<long>(k), xs.end());
  return xs[k];
}

} // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 20;
  int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  rounds = std::max(rounds, 1);
  threads = std::max(threads, 1);
  auto pairs = load(KPSYNTH_SOURCE_DIR "/tests/text/data/equiv_pairs.tsv");
  if (pairs.empty()) {
    std::fprintf(stderr, "no labelled pairs found\n");
    return 1;
  }
  using kpsynth::text::equivalent;
  // Warm-up: GiNaC's first use initialises its tables.
  for (const auto& p : pairs)
    (void)equivalent(p.a, p.b);

  std::vector<std::vector<double>> per_thread(threads);
  std::atomic<std::size_t> agree{0};
  std::atomic<std::size_t> unknown{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto& micros = per_thread[t];
      micros.reserve(pairs.size() * static_cast<std::size_t>(rounds));
      for (int r = 0; r < rounds; ++r) {
        for (const auto& p : pairs) {
          auto result = equivalent(p.a, p.b);
          micros.push_back(result.micros);
          if (to_string(result.verdict) == p.expected)
            ++agree;
          if (result.verdict == kpsynth::text::verdict_kind::unknown)
            ++unknown;
        }
      }
    });
  }
  for (auto& w : workers)
    w.join();
  double seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
  std::vector<double> all;
  for (auto& v : per_thread)
    all.insert(all.end(), v.begin(), v.end());
  double total = static_cast<double>(all.size());
  double max = *std::max_element(all.begin(), all.end());
  double p50 = percentile(all, 0.50);
  double p99 = percentile(all, 0.99);
  std::printf("pairs: %zu  rounds: %d  threads: %d  comparisons: %.0f\n",
              pairs.size(), rounds, threads, total);
  std::printf("per comparison: p50 %.1f us  p99 %.1f us  max %.1f us\n", p50,
              p99, max);
  std::printf("throughput: %.0f comparisons/s\n", total / seconds);
  std::printf("agreement with labels: %.2f%%  unknown: %zu\n",
              100.0 * static_cast<double>(agree.load()) / total,
              unknown.load());
  return 0;
}
