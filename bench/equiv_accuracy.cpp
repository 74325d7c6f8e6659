// Accuracy of kpsynth::text::equivalent() on the labelled pairs of
// tests/text/data/equiv_bench.jsonl (built by make_equiv_bench.py): whole
// model solutions against bare answers, double-escaped LaTeX, labelled
// answers, sets and intervals, number and time formats, prose.
//
// Usage: kpsynth_bench_equiv_accuracy [file.jsonl] [--show-misses]
//        [--rounds N]
// Prints, per split (dev: MATH train and hand-written forms; holdout: MATH
// test and GSM8K test) and per class, precision and recall of "equal" and
// the share of "unknown" verdicts, then the latency of the comparisons and
// the time of N more passes (default 3) as min/median/max.
// Precision = equal verdicts that are right / all equal verdicts; recall =
// right equal verdicts / pairs labelled equal.

#include "text/equivalence.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <simdjson.h>
#include <string>
#include <vector>

namespace {

struct labelled_pair {
  std::string a;
  std::string b;
  bool equal = false;
  std::string cls;
  std::string form;
  std::string split;
  std::size_t line = 0;
};

struct tally {
  std::size_t pairs = 0;
  std::size_t labelled_equal = 0;
  std::size_t said_equal = 0;
  std::size_t true_equal = 0;
  std::size_t unknown = 0;

  void add(bool label, kpsynth::text::verdict_kind v) {
    using kpsynth::text::verdict_kind;
    ++pairs;
    labelled_equal += label ? 1 : 0;
    said_equal += v == verdict_kind::equal ? 1 : 0;
    true_equal += label && v == verdict_kind::equal ? 1 : 0;
    unknown += v == verdict_kind::unknown ? 1 : 0;
  }
};

double ratio(std::size_t num, std::size_t den) {
  return den == 0 ? 1.0 : static_cast<double>(num) / static_cast<double>(den);
}

void print_row(const std::string& name, const tally& t) {
  std::printf("  %-22s %5zu pairs (%4zu equal)  precision %.4f  recall %.4f  "
              "unknown %.4f\n",
              name.c_str(), t.pairs, t.labelled_equal,
              ratio(t.true_equal, t.said_equal),
              ratio(t.true_equal, t.labelled_equal), ratio(t.unknown, t.pairs));
}

/// Reads the pairs; a malformed line ends the run with its line number.
bool load(const std::string& path, std::vector<labelled_pair>& pairs) {
  simdjson::dom::parser parser;
  simdjson::dom::document_stream docs;
  if (auto err = parser.load_many(path).get(docs)) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(),
                 simdjson::error_message(err));
    return false;
  }
  std::size_t line = 0;
  for (auto doc : docs) {
    ++line;
    simdjson::dom::object obj;
    std::string_view a, b, label, cls, form, split;
    if (doc.get(obj) || obj["a"].get(a) || obj["b"].get(b)
        || obj["label"].get(label) || obj["class"].get(cls)
        || obj["form"].get(form) || obj["split"].get(split)
        || (label != "equal" && label != "not_equal")) {
      std::fprintf(stderr, "%s:%zu: malformed pair\n", path.c_str(), line);
      return false;
    }
    pairs.push_back({std::string{a}, std::string{b}, label == "equal",
                     std::string{cls}, std::string{form}, std::string{split},
                     line});
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  std::string path = KPSYNTH_SOURCE_DIR "/tests/text/data/equiv_bench.jsonl";
  bool show_misses = false;
  int rounds = 3;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--show-misses") == 0)
      show_misses = true;
    else if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
      rounds = std::max(1, std::atoi(argv[++i]));
    else
      path = argv[i];
  }
  std::vector<labelled_pair> pairs;
  if (!load(path, pairs))
    return 1;
  if (pairs.empty()) {
    std::fprintf(stderr, "%s: no pairs\n", path.c_str());
    return 1;
  }
  using kpsynth::text::verdict_kind;
  std::map<std::string, std::map<std::string, tally>> by_split;
  std::map<std::string, tally> by_class;
  tally overall;
  std::vector<double> micros;
  std::vector<verdict_kind> first_verdicts;
  for (const auto& p : pairs) {
    auto r = kpsynth::text::equivalent(p.a, p.b);
    first_verdicts.push_back(r.verdict);
    micros.push_back(r.micros);
    by_split[p.split][p.cls].add(p.equal, r.verdict);
    by_split[p.split]["(all)"].add(p.equal, r.verdict);
    by_class[p.cls].add(p.equal, r.verdict);
    overall.add(p.equal, r.verdict);
    bool right = (r.verdict == verdict_kind::equal) == p.equal
                 && r.verdict != verdict_kind::unknown;
    if (show_misses && !right)
      std::printf("MISS %s:%zu [%s/%s] expected %s, got %s (%s)\n  a: %.200s\n"
                  "  b: %.200s\n",
                  p.split.c_str(), p.line, p.cls.c_str(), p.form.c_str(),
                  p.equal ? "equal" : "not_equal",
                  std::string{to_string(r.verdict)}.c_str(), r.reason.c_str(),
                  p.a.c_str(), p.b.c_str());
  }
  for (const auto& [split, classes] : by_split) {
    std::printf("split %s:\n", split.c_str());
    for (const auto& [cls, t] : classes)
      print_row(cls, t);
  }
  std::printf("all splits, per class:\n");
  for (const auto& [cls, t] : by_class)
    print_row(cls, t);
  print_row("overall", overall);
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) {
    return micros[static_cast<std::size_t>(
      q * static_cast<double>(micros.size() - 1))];
  };
  std::printf("latency per pair (round 1): p50 %.1f us  p99 %.1f us  max "
              "%.1f us\n",
              at(0.5), at(0.99), micros.back());
  // Repeated rounds: the time of a whole pass, and whether any verdict
  // changed (the budget is wall time, so a loaded machine could flip one).
  std::vector<double> seconds;
  std::size_t flips = 0;
  for (int round = 0; round < rounds; ++round) {
    auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < pairs.size(); ++i)
      flips += kpsynth::text::equivalent(pairs[i].a, pairs[i].b).verdict
                   != first_verdicts[i]
                 ? 1
                 : 0;
    seconds.push_back(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
        .count());
  }
  std::sort(seconds.begin(), seconds.end());
  std::printf("%d more rounds of %zu pairs: min %.3f s  median %.3f s  max "
              "%.3f s; verdicts that changed: %zu\n",
              rounds, pairs.size(), seconds.front(),
              seconds[seconds.size() / 2], seconds.back(), flips);
  return 0;
}
