// Decontamination benchmark: builds the index over every bundled benchmark
// set (data/bench, build timed on its own), then measures
//  - recall per probe edit on MATH test problems (decontam/decontam_probe),
//    light edits (the copy is still the test problem) apart from harder
//    ones (changed words or numbers: template relatives),
//  - false positives on the clean negatives: MATH train problems that share
//    no 13-gram (whole text, for texts under 13 words) with any benchmark
//    item, with the rule that flagged each,
//  - single-thread throughput of the exact n-gram path, the MinHash path
//    and both, over MATH train texts (min/median/max of repeats), with a
//    baseline measured in the same run (XXH3 over the same texts), because
//    the machine may be shared.
//
// Usage: kpsynth_bench_decontam [--threshold J] [--short-words W]
//          [--token-jaccard J] [--number-jaccard J] [--every M]
//          [--repeats R] [--show-fp N] [--show-missed N]
//          [--only recall|fp|throughput]

#include "decontam/decontam.hpp"

#include "decontam/decontam_jsonl.hpp"
#include "decontam/decontam_probe.hpp"
#include "decontam/ngram_text.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

namespace q = kpsynth::quality;

namespace {

/// This thread's CPU time in seconds: the cost without waiting for a
/// shared core.
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec)
         + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double wall_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec)
         + static_cast<double>(ts.tv_nsec) * 1e-9;
}

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::exit(1);
}

std::vector<std::string> load_texts(const std::filesystem::path& path,
                                    const std::string& field) {
  std::vector<std::string> texts;
  std::vector<std::string> fields{field};
  auto n = q::for_each_jsonl_text(
    path, fields,
    [&](std::size_t, std::string_view text) { texts.emplace_back(text); });
  if (!n)
    fail(n.error().to_string());
  return texts;
}

double rate(std::size_t k, std::size_t n) {
  return n == 0 ? 0.0 : static_cast<double>(k) / static_cast<double>(n);
}

/// The word 13-grams of a text as strings (the whole text when shorter):
/// an independent reference for "shares a 13-gram", not the index's hashes.
std::vector<std::string> gram_strings(std::string_view text, std::size_t n) {
  auto normalized = q::normalize_text(text);
  auto words = q::split_words(normalized);
  std::vector<std::string> grams;
  std::size_t len = std::min(n, words.size());
  for (std::size_t i = 0; len > 0 && i + len <= words.size(); ++i) {
    std::string g;
    for (std::size_t k = 0; k < len; ++k)
      g.append(words[i + k]).push_back(' ');
    grams.push_back(std::move(g));
  }
  return grams;
}

struct stats {
  double min = 0, median = 0, max = 0;
};

stats summarise(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v.front(), v[v.size() / 2], v.back()};
}

/// MB/s of `fn` over `texts` by thread CPU time, repeated.
template<class F>
stats throughput(const std::vector<std::string>& texts, std::size_t repeats,
                 F fn) {
  std::size_t bytes = 0;
  for (const auto& t : texts)
    bytes += t.size();
  std::vector<double> mbps;
  for (std::size_t r = 0; r < repeats; ++r) {
    double start = cpu_now();
    for (const auto& t : texts)
      fn(t);
    mbps.push_back(static_cast<double>(bytes) / 1e6 / (cpu_now() - start));
  }
  return summarise(mbps);
}

struct options {
  q::decontam_config config;
  std::size_t every = 5; // every 5th MATH test problem: 1,000 probes
  std::size_t show_fp = 5;
  std::size_t show_missed = 0;
  std::size_t repeats = 5;
  std::string only; ///< "recall", "fp" or "throughput"; empty: all.
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    double v = std::strtod(value.c_str(), nullptr);
    auto n = static_cast<std::size_t>(v);
    if (flag == "--threshold")
      o.config.minhash.threshold = v;
    else if (flag == "--short-words")
      o.config.short_words = n;
    else if (flag == "--token-jaccard")
      o.config.short_token_jaccard = v;
    else if (flag == "--number-jaccard")
      o.config.number_jaccard = v;
    else if (flag == "--every")
      o.every = std::max<std::size_t>(n, 1);
    else if (flag == "--repeats")
      o.repeats = std::max<std::size_t>(n, 1);
    else if (flag == "--show-fp")
      o.show_fp = n;
    else if (flag == "--show-missed")
      o.show_missed = n;
    else if (flag == "--only")
      o.only = value;
    else
      fail("unknown flag " + flag);
  }
  return o;
}

void report_recall(const q::decontaminator& index,
                   const std::vector<std::string>& math_test, std::size_t every,
                   std::size_t show_missed) {
  std::vector<std::string> picked;
  for (std::size_t i = 0; i < math_test.size(); i += every)
    picked.push_back(math_test[i]);
  std::printf("\nrecall on %zu MATH test problems (every %zu-th):\n",
              picked.size(), every);
  std::printf("  %-18s %-6s %6s %8s  %s\n", "edit", "kind", "n", "recall",
              "flagged by rule");
  std::size_t light_n = 0, light_hit = 0;
  for (auto kind : q::all_probe_edits) {
    std::size_t n = 0, hit = 0;
    std::map<std::string, std::size_t> rules;
    for (std::size_t i = 0; i < picked.size(); ++i) {
      auto edited = q::apply_probe_edit(kind, picked[i], i);
      if (!edited)
        continue; // does not apply (no numbers, one sentence, ...)
      ++n;
      auto v = index.check(*edited);
      if (v.contaminated) {
        ++hit;
        ++rules[std::string{q::match_rule_name(v.rule)}];
      } else if (q::is_light_edit(kind) && show_missed > 0) {
        --show_missed;
        std::printf("  missed %s: %.200s\n",
                    std::string{q::probe_edit_name(kind)}.c_str(),
                    edited->c_str());
      }
    }
    if (q::is_light_edit(kind)) {
      light_n += n;
      light_hit += hit;
    }
    std::string by;
    for (const auto& [rule, count] : rules)
      by += rule + "=" + std::to_string(count) + " ";
    std::printf("  %-18s %-6s %6zu %8.4f  %s\n",
                std::string{q::probe_edit_name(kind)}.c_str(),
                q::is_light_edit(kind) ? "light" : "harder", n, rate(hit, n),
                by.c_str());
  }
  std::printf("  all light edits: %zu of %zu = %.4f\n", light_hit, light_n,
              rate(light_hit, light_n));
}

/// MATH train problems that share no 13-gram (whole text, when shorter)
/// with any benchmark item.
std::vector<std::string>
clean_negatives(const std::vector<q::benchmark_source>& sources,
                const std::vector<std::string>& math_train) {
  std::unordered_set<std::string> bench_grams;
  for (const auto& source : sources)
    (void)q::for_each_jsonl_text(source.path, source.fields,
                                 [&](std::size_t, std::string_view t) {
                                   for (auto& g : gram_strings(t, 13))
                                     bench_grams.insert(std::move(g));
                                 });
  std::vector<std::string> clean;
  for (const auto& text : math_train) {
    auto grams = gram_strings(text, 13);
    if (std::none_of(grams.begin(), grams.end(), [&](const std::string& g) {
          return bench_grams.contains(g);
        }))
      clean.push_back(text);
  }
  return clean;
}

void report_false_positives(const q::decontaminator& index,
                            const std::vector<std::string>& clean,
                            const std::vector<std::string>& math_train,
                            std::size_t show_fp) {
  std::map<std::string, std::size_t> fp_rules;
  std::size_t fp = 0, shown = 0;
  for (const auto& text : clean) {
    auto v = index.check(text);
    if (!v.contaminated)
      continue;
    ++fp;
    ++fp_rules[std::string{q::match_rule_name(v.rule)}];
    if (shown++ < show_fp)
      std::printf("  flagged: %s\n    query: %.160s\n", v.reason.c_str(),
                  text.c_str());
  }
  std::printf("\nfalse positives on clean MATH train (%zu of %zu share no "
              "13-gram with any benchmark item): %zu = %.4f\n",
              clean.size(), math_train.size(), fp, rate(fp, clean.size()));
  for (const auto& [rule, count] : fp_rules)
    std::printf("  %-16s %5zu\n", rule.c_str(), count);
  std::size_t all_flagged = 0;
  for (const auto& text : math_train)
    all_flagged += index.check(text).contaminated ? 1 : 0;
  std::printf("flagged on all of MATH train (incl. texts sharing 13-grams): "
              "%zu of %zu = %.4f\n",
              all_flagged, math_train.size(),
              rate(all_flagged, math_train.size()));
}

void report_throughput(const q::decontaminator& index,
                       const std::vector<q::benchmark_source>& sources,
                       const std::vector<std::string>& texts,
                       std::size_t repeats) {
  auto exact_only = index.config();
  exact_only.use_minhash = false;
  auto minhash_only = index.config();
  minhash_only.use_ngrams = false;
  auto exact_index = q::decontaminator::build(sources, exact_only);
  auto minhash_index = q::decontaminator::build(sources, minhash_only);
  if (!exact_index || !minhash_index)
    fail("cannot build the single-stage indexes");
  std::size_t bytes = 0, sink = 0;
  for (const auto& t : texts)
    bytes += t.size();
  auto base = throughput(texts, repeats, [&](const std::string& t) {
    sink += q::hash_bytes(t.data(), t.size());
  });
  auto exact = throughput(texts, repeats, [&](const std::string& t) {
    sink += exact_index->check(t).contaminated ? 1 : 0;
  });
  auto mh = throughput(texts, repeats, [&](const std::string& t) {
    sink += minhash_index->check(t).contaminated ? 1 : 0;
  });
  auto both = throughput(texts, repeats, [&](const std::string& t) {
    sink += index.check(t).contaminated ? 1 : 0;
  });
  std::printf("\nthroughput, one thread, CPU time, %zu MATH train texts "
              "(%.2f MB) x %zu repeats, MB/s min / median / max:\n",
              texts.size(), static_cast<double>(bytes) / 1e6, repeats);
  auto row = [&](const char* name, stats s) {
    std::printf("  %-22s %9.1f %9.1f %9.1f   median / XXH3 median %.5f\n", name,
                s.min, s.median, s.max, s.median / base.median);
  };
  row("XXH3 baseline", base);
  row("exact n-gram path", exact);
  row("MinHash path", mh);
  row("both (default check)", both);
  std::printf("(%zu flagged over all repeats)\n", sink % (1u << 31));
}

} // namespace

int main(int argc, char** argv) {
  auto opts = parse(argc, argv);
  const std::filesystem::path root = KPSYNTH_SOURCE_DIR;
  auto sources = q::bundled_benchmark_sources(root / "data/bench");
  if (!sources)
    fail(sources.error().to_string());
  // -- build, timed on its own ------------------------------------------------
  double build_wall = wall_now(), build_cpu = cpu_now();
  auto index = q::decontaminator::build(*sources, opts.config);
  build_wall = wall_now() - build_wall;
  build_cpu = cpu_now() - build_cpu;
  if (!index)
    fail(index.error().to_string());
  const auto& c = opts.config;
  std::printf("index: %zu items from %zu sets, built in %.2f s wall / %.2f s "
              "CPU, %.1f MiB\n",
              index->size(), index->sets().size(), build_wall, build_cpu,
              static_cast<double>(index->memory_bytes()) / (1 << 20));
  std::printf("config: %zu-gram overlap>=%.2f or coverage>=%.2f; short texts "
              "(< %zu words) by token Jaccard>=%.2f; long by %zu-char "
              "shingle Jaccard>=%.2f; numbers Jaccard>=%.2f; runs of >= %zu "
              "words\n",
              c.ngram_n, c.ngram_overlap, c.ngram_coverage, c.short_words,
              c.short_token_jaccard, c.minhash.shingle, c.minhash.threshold,
              c.number_jaccard, c.min_run_words);
  if (opts.only.empty() || opts.only == "recall")
    report_recall(*index,
                  load_texts(root / "data/bench/math/test.jsonl", "problem"),
                  opts.every, opts.show_missed);
  // ../shared beside the checkout holds the full data when present.
  std::filesystem::path train = root / "../shared/data/math/train.jsonl.gz";
  if (!std::filesystem::exists(train))
    train = root / "data/seeds/math_train_sample.jsonl";
  std::printf("\nMATH train: %s\n", train.string().c_str());
  auto math_train = load_texts(train, "problem");
  if (opts.only.empty() || opts.only == "fp")
    report_false_positives(*index, clean_negatives(*sources, math_train),
                           math_train, opts.show_fp);
  if (opts.only.empty() || opts.only == "throughput")
    report_throughput(*index, *sources, math_train, opts.repeats);
  return 0;
}
