// Decontamination benchmark: builds the index over every bundled benchmark
// set (data/bench), then measures recall on a deterministic probe set of
// MATH test problems (exact copies and light edits, decontam/decontam_probe),
// how many MATH train problems get flagged and why, build time, memory and
// query throughput; last, the incremental dedup_index on the same data.
//
// Usage: kpsynth_bench_decontam [--threshold J] [--overlap F] [--coverage F]
//          [--ngram N] [--perm K] [--shingle S] [--margin M] [--fn-weight W]
//          [--exact 0|1] [--every M] [--show-fp N]

#include "decontam/decontam.hpp"

#include "decontam/decontam_jsonl.hpp"
#include "decontam/decontam_probe.hpp"
#include "decontam/dedup.hpp"
#include "decontam/minhash.hpp"
#include "decontam/ngram_text.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace q = kpsynth::quality;

namespace {

/// Wall-clock and this thread's CPU time: the machine may be shared, and
/// CPU time shows the cost without the waiting.
struct stopwatch {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = cpu_now();

  static double cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec)
           + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
  double wall_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now()
                                         - wall)
      .count();
  }
  double cpu_s() const { return cpu_now() - cpu; }
};

/// A line of /proc/self/status in KiB (VmRSS, VmHWM), or -1.
long proc_status_kib(const std::string& key) {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0)
      return std::strtol(line.c_str() + key.size() + 1, nullptr, 10);
  return -1;
}

std::vector<std::string> load_texts(const std::filesystem::path& path,
                                    const std::string& field) {
  std::vector<std::string> texts;
  std::vector<std::string> fields{field};
  auto n = q::for_each_jsonl_text(
    path, fields,
    [&](std::size_t, std::string_view text) { texts.emplace_back(text); });
  if (!n) {
    std::fprintf(stderr, "%s\n", n.error().to_string().c_str());
    std::exit(1);
  }
  return texts;
}

/// Digit runs collapsed to one placeholder: equal for template siblings.
std::string mask_numbers(const std::string& normalized) {
  std::string out;
  for (char c : normalized) {
    if (c < '0' || c > '9')
      out.push_back(c);
    else if (out.empty() || out.back() != '#')
      out.push_back('#');
  }
  return out;
}

/// How a flagged negative relates to the benchmark item it matched, by
/// structure alone (not by the detector's own similarity measure).
std::string relation(const std::string& query, const std::string& match) {
  auto a = q::normalize_text(query);
  auto b = q::normalize_text(match);
  if (a == b)
    return "same text after normalisation";
  if (mask_numbers(a) == mask_numbers(b))
    return "template sibling (only numbers differ)";
  return "other";
}

double rate(std::size_t k, std::size_t n) {
  return n == 0 ? 0.0 : static_cast<double>(k) / static_cast<double>(n);
}

} // namespace

int main(int argc, char** argv) {
  q::decontam_config config;
  std::size_t every = 5; // every 5th MATH test problem: 1,000 probes
  std::size_t show_fp = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    double v = std::strtod(argv[i + 1], nullptr);
    auto n = static_cast<std::size_t>(v);
    if (flag == "--threshold")
      config.minhash.threshold = v;
    else if (flag == "--overlap")
      config.ngram_overlap = v;
    else if (flag == "--coverage")
      config.ngram_coverage = v;
    else if (flag == "--ngram")
      config.ngram_n = n;
    else if (flag == "--perm")
      config.minhash.num_perm = n;
    else if (flag == "--shingle")
      config.minhash.shingle = n;
    else if (flag == "--margin")
      config.minhash.candidate_margin = v;
    else if (flag == "--fn-weight")
      config.minhash.fn_weight = v;
    else if (flag == "--exact")
      config.exact_verification = n != 0;
    else if (flag == "--every")
      every = n == 0 ? 1 : n;
    else if (flag == "--show-fp")
      show_fp = n;
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  const std::filesystem::path root = KPSYNTH_SOURCE_DIR;
  auto sources = q::bundled_benchmark_sources(root / "data/bench");
  if (!sources) {
    std::fprintf(stderr, "%s\n", sources.error().to_string().c_str());
    return 1;
  }

  // -- build -----------------------------------------------------------------
  long rss_before = proc_status_kib("VmRSS");
  stopwatch build_watch;
  auto index = q::decontaminator::build(*sources, config);
  double build_wall = build_watch.wall_s(), build_cpu = build_watch.cpu_s();
  if (!index) {
    std::fprintf(stderr, "%s\n", index.error().to_string().c_str());
    return 1;
  }
  long rss_after = proc_status_kib("VmRSS");
  std::uintmax_t bench_bytes = 0;
  for (const auto& source : *sources)
    bench_bytes += std::filesystem::file_size(source.path);
  std::printf("index: %zu items from %zu sets (%.1f MB of JSONL), built in "
              "%.2f s wall / %.2f s CPU\n",
              index->size(), index->sets().size(),
              static_cast<double>(bench_bytes) / 1e6, build_wall, build_cpu);
  for (const auto& set : index->sets())
    std::printf("  %-16s %6zu\n", set.name.c_str(), set.items);
  auto mib = [](std::size_t bytes) {
    return static_cast<double>(bytes) / (1 << 20);
  };
  std::printf("memory: %.2f MiB by memory_bytes() (n-gram set %.2f MiB for "
              "%zu distinct grams, MinHash-LSH %.2f MiB, kept texts and "
              "items %.2f MiB); RSS grew %.2f MiB\n",
              mib(index->memory_bytes()), mib(index->ngrams().memory_bytes()),
              index->ngrams().size(), mib(index->lsh().memory_bytes()),
              mib(index->memory_bytes() - index->ngrams().memory_bytes()
                  - index->lsh().memory_bytes()),
              static_cast<double>(rss_after - rss_before) / 1024.0);
  auto shape = index->shape();
  const auto& mh = config.minhash;
  std::printf("config: %zu-gram overlap>=%.2f or coverage>=%.2f; minhash "
              "%zu-char shingles, %zu perms, J>=%.2f (%s), LSH %zu x %zu "
              "(P(candidate) %.2f at J=%.2f, %.2f at J=0.5)\n",
              config.ngram_n, config.ngram_overlap, config.ngram_coverage,
              mh.shingle, mh.num_perm, mh.threshold,
              config.exact_verification ? "exact" : "estimated", shape.bands,
              shape.rows, q::lsh_candidate_probability(mh.threshold, shape),
              mh.threshold, q::lsh_candidate_probability(0.5, shape));

  std::size_t query_bytes = 0, queries = 0;
  double query_wall = 0.0, query_cpu = 0.0;
  auto timed_check = [&](const std::string& text) {
    stopwatch watch;
    auto v = index->check(text);
    query_wall += watch.wall_s();
    query_cpu += watch.cpu_s();
    query_bytes += text.size();
    ++queries;
    return v;
  };

  // -- positives: MATH test problems under each edit -------------------------
  auto math_test = load_texts(root / "data/bench/math/test.jsonl", "problem");
  std::vector<std::string> picked;
  for (std::size_t i = 0; i < math_test.size(); i += every)
    picked.push_back(math_test[i]);
  std::printf("\nrecall on %zu MATH test problems (every %zu-th):\n",
              picked.size(), every);
  std::printf("  %-18s %6s %8s %7s %7s\n", "edit", "n", "recall", "ngram",
              "minhash");
  for (auto kind : q::all_probe_edits) {
    std::size_t n = 0, by_ngram = 0, by_minhash = 0;
    for (std::size_t i = 0; i < picked.size(); ++i) {
      auto edited = q::apply_probe_edit(kind, picked[i], i);
      if (!edited)
        continue; // does not apply (no numbers, one sentence, ...)
      ++n;
      auto v = timed_check(*edited);
      if (v.contaminated)
        (v.reason.starts_with("minhash") ? by_minhash : by_ngram) += 1;
    }
    std::printf("  %-18s %6zu %8.4f %7zu %7zu\n",
                std::string{q::probe_edit_name(kind)}.c_str(), n,
                rate(by_ngram + by_minhash, n), by_ngram, by_minhash);
  }

  // -- negatives
  // ---------------------------------------------------------------
  std::map<std::string, std::map<std::size_t, std::string>> bench_texts;
  for (const auto& source : *sources)
    (void)q::for_each_jsonl_text(
      source.path, source.fields, [&](std::size_t line, std::string_view t) {
        bench_texts[source.name][line] = std::string{t};
      });
  std::size_t shown = 0;
  // `family`: prefix of the set names of the same benchmark's test split.
  auto run_negatives = [&](const std::string& label,
                           const std::vector<std::string>& texts,
                           const std::string& family) {
    std::map<std::string, std::pair<std::size_t, std::size_t>> kinds;
    std::size_t flagged = 0, same_family = 0;
    for (const auto& text : texts) {
      auto v = timed_check(text);
      if (!v.contaminated)
        continue;
      ++flagged;
      const auto& match = bench_texts[v.source->set][v.source->line];
      auto kind = relation(text, match);
      auto& counts = kinds[kind];
      (v.reason.starts_with("minhash") ? counts.second : counts.first) += 1;
      same_family += v.source->set.starts_with(family) ? 1 : 0;
      if (kind == "other" && shown++ < show_fp)
        std::printf("  flagged: %s\n    query: %.150s\n    match: %.150s\n",
                    v.reason.c_str(), text.c_str(), match.c_str());
    }
    std::printf(
      "flagged on %s: %zu of %zu = %.4f (%zu matched its own test split)\n",
      label.c_str(), flagged, texts.size(), rate(flagged, texts.size()),
      same_family);
    std::printf("  %-42s %6s %7s %7s\n", "relation to the matched item",
                "ngram", "minhash", "rate");
    for (const auto& [kind, counts] : kinds)
      std::printf("  %-42s %6zu %7zu %7.4f\n", kind.c_str(), counts.first,
                  counts.second,
                  rate(counts.first + counts.second, texts.size()));
  };
  std::printf("\n");
  // ../shared beside the checkout holds the full data when present.
  std::filesystem::path train = root / "../shared/data/math/train.jsonl.gz";
  std::string train_label = "MATH train (" + train.string() + ")";
  if (!std::filesystem::exists(train)) {
    train = root / "data/seeds/math_train_sample.jsonl";
    train_label = "MATH train (bundled 300-problem sample)";
  }
  auto math_train = load_texts(train, "problem");
  run_negatives(train_label, math_train, "math");
  // GSM8K train against GSM8K test and GSM-hard: a set without templates.
  std::filesystem::path gsm_train = root / "../shared/data/gsm8k/train.jsonl";
  if (std::filesystem::exists(gsm_train))
    run_negatives("gsm8k train (" + gsm_train.string() + ")",
                  load_texts(gsm_train, "question"), "gsm");

  std::printf("\nquery throughput: %zu queries, %.2f MB: %.2f MB/s wall, "
              "%.2f MB/s CPU (%.1f us CPU per query, one thread)\n",
              queries, static_cast<double>(query_bytes) / 1e6,
              static_cast<double>(query_bytes) / 1e6 / query_wall,
              static_cast<double>(query_bytes) / 1e6 / query_cpu,
              query_cpu * 1e6 / static_cast<double>(queries));

  // -- dedup_index: MATH test as seeds, probes, then MATH train --------------
  auto dedup = q::dedup_index::create(config.minhash);
  if (!dedup) {
    std::fprintf(stderr, "%s\n", dedup.error().to_string().c_str());
    return 1;
  }
  stopwatch dedup_watch;
  std::size_t seed_dups = 0;
  for (std::size_t i = 0; i < math_test.size(); ++i)
    seed_dups +=
      dedup->insert_if_new("test:" + std::to_string(i), math_test[i]) ? 1 : 0;
  double seed_cpu = dedup_watch.cpu_s();
  std::printf("\ndedup_index (estimated J>=%.2f): %zu MATH test inserts in "
              "%.3f s CPU (%.0f/s), %zu near-duplicates among them, %.0f "
              "bytes/stored item\n",
              mh.threshold, math_test.size(), seed_cpu,
              static_cast<double>(math_test.size()) / seed_cpu, seed_dups,
              static_cast<double>(dedup->memory_bytes())
                / static_cast<double>(dedup->size()));
  std::printf("  find() recall:");
  for (auto kind : q::all_probe_edits) {
    std::size_t n = 0, hit = 0;
    for (std::size_t i = 0; i < picked.size(); ++i)
      if (auto edited = q::apply_probe_edit(kind, picked[i], i)) {
        ++n;
        hit += dedup->find(*edited) ? 1 : 0;
      }
    std::printf(" %s %.3f", std::string{q::probe_edit_name(kind)}.c_str(),
                rate(hit, n));
  }
  std::size_t train_dups = 0;
  for (std::size_t i = 0; i < math_train.size(); ++i)
    train_dups +=
      dedup->insert_if_new("train:" + std::to_string(i), math_train[i]) ? 1 : 0;
  std::printf("\n  then %zu MATH train inserts: %zu near-duplicates, %zu "
              "stored\n",
              math_train.size(), train_dups, dedup->size());
  std::printf("peak RSS: %.1f MiB\n",
              static_cast<double>(proc_status_kib("VmHWM")) / 1024.0);
  return 0;
}
