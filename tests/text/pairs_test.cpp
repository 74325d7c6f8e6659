#include "text/equivalence.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using kpsynth::text::equiv_options;
using kpsynth::text::equivalent;
using kpsynth::text::to_string;

namespace {

struct labelled_pair {
  std::string a;
  std::string b;
  std::string expected;
  std::string form;
  std::size_t line = 0;
};

std::vector<labelled_pair> load_pairs() {
  std::string path = KPSYNTH_SOURCE_DIR "/tests/text/data/equiv_pairs.tsv";
  std::ifstream in{path};
  REQUIRE(in.good());
  std::vector<labelled_pair> pairs;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line.front() == '#')
      continue;
    std::vector<std::string> fields;
    std::stringstream fields_in{line};
    std::string field;
    while (std::getline(fields_in, field, '\t'))
      fields.push_back(field);
    INFO("equiv_pairs.tsv:" << number);
    REQUIRE(fields.size() == 4);
    REQUIRE((fields[2] == "equal" || fields[2] == "not_equal"));
    pairs.push_back({fields[0], fields[1], fields[2], fields[3], number});
  }
  return pairs;
}

} // namespace

TEST_CASE("labelled pairs from MATH and GSM8K agree at least 99%") {
  auto pairs = load_pairs();
  REQUIRE(pairs.size() >= 300);
  // The budget guards against hangs; this test is about verdicts, so it
  // gets room for a loaded machine (timing is bench/equiv.cpp's job).
  equiv_options options;
  options.budget = std::chrono::seconds(2);
  std::size_t agree = 0;
  std::map<std::string, std::pair<std::size_t, std::size_t>> per_form;
  std::set<std::string> labels;
  for (const auto& p : pairs) {
    auto result = equivalent(p.a, p.b, options);
    bool ok = to_string(result.verdict) == p.expected;
    agree += ok ? 1 : 0;
    auto& [seen, right] = per_form[p.form];
    ++seen;
    right += ok ? 1 : 0;
    labels.insert(p.expected);
    if (!ok)
      std::cout << "disagreement at equiv_pairs.tsv:" << p.line << " ["
                << p.form << "] " << p.a << "  vs  " << p.b << ": expected "
                << p.expected << ", got " << to_string(result.verdict) << " ("
                << result.reason << ")\n";
  }
  double share = static_cast<double>(agree) / static_cast<double>(pairs.size());
  std::cout << "labelled pairs: " << agree << "/" << pairs.size() << " agree ("
            << share * 100 << "%)\n";
  CHECK(labels.size() == 2);
  CHECK(share >= 0.99);
  // Every form the library claims to handle is represented.
  for (const char* form : {"frac",         "frac_short", "sqrt",
                           "root",         "pi",         "spacing",
                           "text_wrapper", "units",      "degrees",
                           "percent",      "thousands",  "mixed",
                           "decimal_frac", "cdot_times", "implicit_mult",
                           "power",        "infinity",   "emptyset",
                           "in",           "equation",   "interval",
                           "union",        "set",        "tuple",
                           "matrix",       "pm",         "multiple",
                           "inequality",   "text",       "complex",
                           "base",         "decimal",    "program_output",
                           "polynomial",   "functions"}) {
    INFO("form " << form);
    CHECK(per_form.count(form) == 1);
  }
}
