#include "decontam/decontam.hpp"
#include "decontam/decontam_gzip.hpp"
#include "decontam/decontam_jsonl.hpp"
#include "decontam/decontam_probe.hpp"
#include "decontam/minhash.hpp"
#include "decontam/ngram_index.hpp"
#include "decontam/ngram_set.hpp"
#include "decontam/ngram_text.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>
#include <unistd.h>
#include <unordered_map>

namespace q = kpsynth::quality;
namespace fs = std::filesystem;

namespace {

const fs::path repo = KPSYNTH_SOURCE_DIR;

/// A scratch directory unique to this process, removed at exit.
struct scratch_dir {
  fs::path path = fs::temp_directory_path()
                  / ("kpsynth_decontam_test_" + std::to_string(::getpid()));
  scratch_dir() { fs::create_directories(path); }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path write(const std::string& name, const std::string& content) const {
    std::ofstream{path / name, std::ios::binary} << content;
    return path / name;
  }
};

const scratch_dir& scratch() {
  static scratch_dir dir;
  return dir;
}

/// The index over every bundled benchmark set, built once per run.
const q::decontaminator& bundled_index() {
  static const q::decontaminator index = [] {
    auto sources = q::bundled_benchmark_sources(repo / "data/bench");
    REQUIRE(sources);
    auto built = q::decontaminator::build(*sources);
    REQUIRE(built);
    return std::move(*built);
  }();
  return index;
}

std::vector<std::pair<std::size_t, std::string>>
read_problems(const fs::path& path, const std::string& field) {
  std::vector<std::pair<std::size_t, std::string>> rows;
  std::vector<std::string> fields{field};
  auto n = q::for_each_jsonl_text(path, fields,
                                  [&](std::size_t line, std::string_view t) {
                                    rows.emplace_back(line, std::string{t});
                                  });
  REQUIRE(n);
  return rows;
}

} // namespace

TEST_CASE("normalisation strips LaTeX noise and keeps Unicode") {
  CHECK(q::normalize_text("Find $\\left(\\frac{1}{2}\\right)^{3}$!")
        == "find \\frac 1 2 3");
  CHECK(q::normalize_text("Find \\(\\left( \\dfrac12 \\right)^3\\)")
        == "find \\frac 1 2 3");
  CHECK(q::normalize_text("  A\tB\n\nC  ") == "a b c");
  CHECK(q::normalize_text("Let $x\\!=\\,3x$, \\text{cm}") == "let x 3 x cm");
  CHECK(q::normalize_text("\\Leftarrow \\bigcup") == "\\leftarrow \\bigcup");
  // UTF-8 letters stay whole; curly quotes and no-break spaces separate.
  CHECK(q::normalize_text("Ångström\xE2\x80\x99s\xC2\xA0"
                          "café")
        == "Ångström s café");
  CHECK(q::normalize_text("$$ {} \\, $$").empty());
  CHECK(q::split_words("a bb ccc")
        == std::vector<std::string_view>{"a", "bb", "ccc"});
}

TEST_CASE("word n-gram hashes") {
  auto text = q::normalize_text("one two three four five six");
  CHECK(q::word_ngram_hashes(text, 3).size() == 4);
  CHECK(q::word_ngram_hashes(text, 6).size() == 1);
  CHECK(q::word_ngram_hashes(text, 13).size() == 1); // short: whole text
  CHECK(q::word_ngram_hashes("", 13).empty());
  auto a = q::word_ngram_hashes(q::normalize_text("$x+1$ is one more"), 2);
  auto b =
    q::word_ngram_hashes(q::normalize_text("\\(x + 1\\) is ONE more"), 2);
  CHECK(a == b);
  CHECK(q::word_ngram_hashes("a b", 13) != q::word_ngram_hashes("a c", 13));
}

TEST_CASE("flat_u64_map agrees with std::unordered_map") {
  q::flat_u64_map map;
  std::unordered_map<std::uint64_t, std::uint32_t> expected;
  std::mt19937_64 rng{42};
  for (std::uint32_t i = 0; i < 100000; ++i) {
    // Mix random keys with sequential ones, 0 and repeats.
    std::uint64_t key = i % 3 == 0 ? i / 3 : i % 7 == 0 ? 0 : rng() % 50000;
    auto [slot, inserted] = map.try_emplace(key, i);
    auto [it, std_inserted] = expected.try_emplace(key, i);
    REQUIRE(inserted == std_inserted);
    REQUIRE(*slot == it->second);
  }
  CHECK(map.size() == expected.size());
  for (const auto& [key, value] : expected) {
    const auto* found = std::as_const(map).find(key);
    REQUIRE(found != nullptr);
    CHECK(*found == value);
  }
  CHECK(map.find(1ULL << 40) == nullptr);
  CHECK(map.capacity() * 7 >= map.size() * 10); // load factor <= 0.7
  q::flat_u64_map empty;
  CHECK(empty.find(0) == nullptr);
  CHECK(empty.find(5) == nullptr);
}

TEST_CASE("n-gram index reports overlap and the matching item") {
  q::ngram_index index{4};
  auto a = q::normalize_text("the quick brown fox jumps over the lazy dog");
  auto b = q::normalize_text("a completely different sentence about cats "
                             "and their many toys");
  CHECK(index.add(0, a) == 6);
  index.add(1, b);
  index.add(2, "short one");
  auto exact = index.query(a);
  CHECK(exact.overlap == 1.0);
  CHECK(exact.item == 0u);
  CHECK(exact.item_coverage == 1.0);
  auto half = index.query(q::normalize_text(
    "the quick brown fox jumps over something else entirely now"));
  CHECK(half.query_grams == 7);
  CHECK(half.matched_grams == 3);
  CHECK(half.item == 0u);
  CHECK(index.query("short one").item == 2u);
  CHECK(index.query("short two").matched_grams == 0);
  auto none = index.query(q::normalize_text("nothing in common with those"));
  CHECK(none.matched_grams == 0);
  CHECK_FALSE(none.item);
}

TEST_CASE("MinHash estimates Jaccard and LSH finds near duplicates") {
  auto shape = q::optimal_lsh_shape(0.7, 128);
  CHECK(shape.bands * shape.rows <= 128);
  CHECK(q::lsh_candidate_probability(0.95, shape) > 0.99);
  CHECK(q::lsh_candidate_probability(0.3, shape) < 0.05);
  // Code points, not bytes: six two-byte letters give two 5-shingles.
  CHECK(q::shingle_hashes("\xCE\xB1\xCE\xB2\xCE\xB3\xCE\xB4\xCE\xB5\xCE\xB6", 5)
          .size()
        == 2);
  q::minhasher hasher{5, 256, 7};
  auto texts =
    read_problems(repo / "data/seeds/math_train_sample.jsonl", "problem");
  for (std::size_t i = 0; i + 1 < 40; ++i) {
    auto a = q::normalize_text(texts[i].second);
    auto b = *q::apply_probe_edit(q::probe_edit::word_substitution, a, i);
    double exact = q::exact_jaccard(a, b, 5);
    double est = q::estimated_jaccard(hasher.signature(a), hasher.signature(b));
    CHECK(std::abs(est - exact) < 0.15);
  }
  CHECK(hasher.signature("abc") == hasher.signature("abc"));

  auto lsh = q::minhash_lsh::create({});
  REQUIRE(lsh);
  for (std::size_t i = 0; i < 100; ++i)
    CHECK(lsh->add(lsh->signature(q::normalize_text(texts[i].second))) == i);
  auto probe = q::normalize_text(texts[17].second + " Explain briefly.");
  auto match = lsh->best_match(lsh->signature(probe));
  REQUIRE(match);
  CHECK(match->item == 17);
  CHECK(match->jaccard >= 0.7);
  CHECK_FALSE(lsh->best_match(lsh->signature("zebra quartz vexing")));
  CHECK_FALSE(lsh->best_match(lsh->signature("")));

  q::minhash_params bad;
  bad.num_perm = 0;
  CHECK_FALSE(q::minhash_lsh::create(bad));
  bad = {};
  bad.bands = 20;
  bad.rows = 10;
  CHECK_FALSE(q::minhash_lsh::create(bad));
  bad = {};
  bad.threshold = 1.5;
  CHECK_FALSE(q::minhash_lsh::create(bad));
}

TEST_CASE("gunzip decodes stored, fixed and dynamic blocks") {
  static constexpr char fixed[] =
    "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xcb\x48\xcd\xc9\xc9\x57\xc8"
    "\x40\x22\xcb\xf3\x8b\x72\x52\xb8\x00\x88\xd9\x5b\xe0\x18\x00\x00\x00";
  static constexpr char dynamic[] =
    "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xed\xca\xb1\x11\x00\x30\x08"
    "\x02\xc0\x59\xf1\x50\x51\xf6\xef\xdd\x22\x55\xbe\x7e\xa8\x97\x88\xf4"
    "\x9a\x70\x28\x73\x18\x14\x59\x9e\x81\xaa\xf1\xc3\xcb\x70\x32\x73\x29"
    "\xa7\x90\x01\x00\x00";
  static constexpr char stored[] =
    "\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\x03\x01\x16\x00\xe9\xff\x73\x74"
    "\x6f\x72\x65\x64\x20\x62\x6c\x6f\x63\x6b\x2c\x20\x6c\x65\x76\x65\x6c"
    "\x20\x30\x0a\xee\x26\xb6\x31\x16\x00\x00\x00";
  auto view = [](const auto& lit) {
    return std::string_view{lit, sizeof(lit) - 1};
  };
  std::string dynamic_text;
  for (int i = 0; i < 400; ++i)
    dynamic_text.push_back(static_cast<char>('a' + (i * i * 7 + i / 3) % 11));

  auto out = q::gunzip(view(fixed), "fixed.gz");
  REQUIRE(out);
  CHECK(*out == "hello hello hello world\n");
  out = q::gunzip(view(dynamic), "dynamic.gz");
  REQUIRE(out);
  CHECK(*out == dynamic_text);
  out = q::gunzip(view(stored), "stored.gz");
  REQUIRE(out);
  CHECK(*out == "stored block, level 0\n");
  // Concatenated members decode to the concatenation.
  out = q::gunzip(std::string{view(fixed)} + std::string{view(stored)}, "x");
  REQUIRE(out);
  CHECK(*out == "hello hello hello world\nstored block, level 0\n");

  std::string corrupt{view(dynamic)};
  corrupt[corrupt.size() - 6] ^= 1; // CRC-32
  auto bad = q::gunzip(corrupt, "corrupt.gz");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().where == "corrupt.gz");
  CHECK(bad.error().message.find("CRC") != std::string::npos);
  CHECK_FALSE(q::gunzip(view(dynamic).substr(0, 30), "cut.gz"));
  CHECK_FALSE(q::gunzip("not gzip at all, really", "plain"));
  CHECK(q::crc32("123456789") == 0xCBF43926u);

  // ../shared beside the checkout, when present (CI has it; a clone may not).
  const fs::path train =
    fs::path{KPSYNTH_SOURCE_DIR} / "../shared/data/math/train.jsonl.gz";
  if (fs::exists(train)) { // the 7,500 MATH train problems, when present
    auto rows = read_problems(train, "problem");
    CHECK(rows.size() == 7500);
  }
}

TEST_CASE("JSONL errors name file:line and the field") {
  auto path = scratch().write(
    "bad.jsonl", "{\"problem\": \"ok\"}\n\n{\"problem\": \"x\" oops}\n");
  std::vector<std::string> fields{"problem"};
  auto noop = [](std::size_t, std::string_view) {};
  auto r = q::for_each_jsonl_text(path, fields, noop);
  REQUIRE_FALSE(r);
  CHECK(r.error().where == path.string() + ":3");
  CHECK(r.error().code == "bad_json");

  path = scratch().write("missing.jsonl", "{\"question\": \"q\"}\n");
  r = q::for_each_jsonl_text(path, fields, noop);
  REQUIRE_FALSE(r);
  CHECK(r.error().where == path.string() + ":1");
  CHECK(r.error().message.find("\"problem\"") != std::string::npos);

  path = scratch().write("number.jsonl", "{\"problem\": 5}\n");
  r = q::for_each_jsonl_text(path, fields, noop);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("a number") != std::string::npos);

  // BOM, CRLF, a null field and two joined fields are fine.
  path = scratch().write("ok.jsonl", "\xEF\xBB\xBF{\"Body\": \"B.\", "
                                     "\"c\": null, \"Question\": \"Q?\"}\r\n");
  std::vector<std::string> two{"c", "Body", "Question"};
  std::string seen;
  r = q::for_each_jsonl_text(
    path, two, [&](std::size_t line, std::string_view t) {
      seen = std::to_string(line) + ":" + std::string{t};
    });
  REQUIRE(r);
  CHECK(*r == 1);
  CHECK(seen == "1:B. Q?");

  auto built = q::decontaminator::build(std::vector<q::benchmark_source>{
    {"broken", scratch().path / "bad.jsonl", {"problem"}}});
  REQUIRE_FALSE(built);
  CHECK(built.error().where == (scratch().path / "bad.jsonl").string() + ":3");
  auto missing = q::bundled_benchmark_sources(scratch().path / "nowhere");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().where.find("nowhere") != std::string::npos);
  CHECK(q::split_field_spec("Body+Question")
        == std::vector<std::string>{"Body", "Question"});
}

TEST_CASE("decontaminator flags copies and light edits of test problems") {
  const auto& index = bundled_index();
  CHECK(index.size() > 19000);
  CHECK(index.sets().size() == 18);
  auto math_test =
    read_problems(repo / "data/bench/math/test.jsonl", "problem");
  REQUIRE(math_test.size() == 5000);
  const auto& traffic = math_test[1257].second; // line 1258, not in MATH500
  REQUIRE(traffic.starts_with("A complete cycle of a traffic light"));

  auto exact = index.check(traffic);
  CHECK(exact.contaminated);
  CHECK(exact.reason == "13-gram overlap 1.00 with math_test:1258");
  REQUIRE(exact.source);
  CHECK(exact.source->set == "math_test");
  CHECK(exact.source->line == 1258);

  std::string words =
    "A full cycle of a traffic signal takes 60 seconds. During every cycle "
    "the light is green for 25 seconds, yellow for 5 seconds, and red for 30 "
    "seconds. At a randomly chosen time, what is the probability that the "
    "light will NOT be green?  Express your answer as a common fraction.";
  std::string numbers =
    "A complete cycle of a traffic light takes 90 seconds. During each cycle "
    "the light is green for 40 seconds, yellow for 5 seconds, and red for 45 "
    "seconds. At a randomly chosen time, what is the probability that the "
    "light will NOT be green?  Express your answer as a common fraction.";
  // The MinHash stage alone must catch them, whatever the n-grams say.
  q::decontam_config minhash_only;
  minhash_only.use_ngrams = false;
  auto math_index = q::decontaminator::build(
    std::vector<q::benchmark_source>{
      {"math_test", repo / "data/bench/math/test.jsonl", {"problem"}}},
    minhash_only);
  REQUIRE(math_index);
  for (const auto& edited : {words, numbers}) {
    auto v = index.check(edited);
    INFO(v.reason);
    CHECK(v.contaminated);
    CHECK(v.reason.ends_with("with math_test:1258"));
  }
  auto v = math_index->check(words);
  CHECK(v.reason.starts_with("minhash jaccard 0."));
  CHECK(v.reason.ends_with("with math_test:1258"));
  CHECK(v.rule == q::match_rule::minhash_jaccard);
  CHECK(v.jaccard >= 0.7);
  // A MinHash-only index reports plain shingle Jaccard, numbers or not;
  // the full check flags the changed numbers because the item shares
  // verbatim passages with it (no number agreement needed then).
  CHECK(math_index->check(numbers).rule == q::match_rule::minhash_jaccard);
  CHECK(index.check(numbers).rule == q::match_rule::minhash_jaccard);
  const auto& f = math_test[887].second; // line 888
  REQUIRE(f.starts_with("We define a function $f(x)$"));
  std::string latex =
    "We define a function \\(f(x)\\) such that \\(f(14) = 7\\), and if there "
    "exists an integer \\(a\\) such that \\(f(a) = b\\), then \\(f(b)\\) is "
    "defined and \\[ f(b) = 3b + 1 \\] if \\(b\\) is odd \\[ f(b) = "
    "\\dfrac{b}{2} \\] if \\(b\\) is even. What is the smallest possible "
    "number of integers in the domain of \\(f\\)?";
  CHECK(q::normalize_text(latex) == q::normalize_text(f));
  CHECK(index.check(latex).reason == "13-gram overlap 1.00 with math_test:888");

  CHECK_FALSE(index.check("").contaminated);
  CHECK_FALSE(index
                .check("Write a haiku about autumn leaves and rivers, "
                       "then count its syllables.")
                .contaminated);
}

TEST_CASE("probe edits are deterministic light edits") {
  std::string text = "Find the sum of $3+4$. Then double it. What is 12?";
  auto numbers = q::apply_probe_edit(q::probe_edit::number_change, text, 0);
  REQUIRE(numbers);
  CHECK(*numbers == "Find the sum of $4+5$. Then double it. What is 13?");
  auto reorder = q::apply_probe_edit(q::probe_edit::sentence_reorder, text, 0);
  REQUIRE(reorder);
  CHECK(*reorder == "Then double it. What is 12? Find the sum of $3+4$.");
  auto swap = q::apply_probe_edit(q::probe_edit::word_swap, text, 1);
  REQUIRE(swap);
  CHECK(swap->find("$3+4$") != std::string::npos); // math untouched
  CHECK(*swap != text);
  CHECK(q::apply_probe_edit(q::probe_edit::word_swap, text, 1) == swap);
  CHECK_FALSE(q::apply_probe_edit(q::probe_edit::sentence_reorder, "One.", 0));
  CHECK_FALSE(
    q::apply_probe_edit(q::probe_edit::number_change, "No digits", 0));
  auto latex = q::apply_probe_edit(q::probe_edit::latex_reformat,
                                   "If $\\frac{1}{x}=2$, find $(x)$.", 0);
  REQUIRE(latex);
  CHECK(*latex == "If \\(\\dfrac{1}{x} = 2\\), find \\(\\left(x\\right)\\).");
}

TEST_CASE("MATH train problems and unrelated text are mostly not flagged") {
  const auto& index = bundled_index();
  auto sample =
    read_problems(repo / "data/seeds/math_train_sample.jsonl", "problem");
  REQUIRE(sample.size() == 300);
  std::size_t flagged = 0;
  for (const auto& [line, text] : sample)
    flagged += index.check(text).contaminated ? 1 : 0;
  // MATH train shares templates with MATH test and reuses AIME problems;
  // bench/decontam.cpp breaks the ~13% down. Far fewer must be flagged
  // than edited copies, of which ~60-100% are.
  CHECK(flagged < 45);
  // Unrelated train problems (checked by hand) stay clean.
  for (std::size_t i : {0, 1, 2, 3, 4}) {
    INFO(sample[i].second);
    CHECK_FALSE(index.check(sample[i].second).contaminated);
  }
}

TEST_CASE("check is safe to call from several threads") {
  const auto& index = bundled_index();
  auto sample = read_problems(repo / "data/bench/gsm8k/test.jsonl", "question");
  sample.resize(200);
  std::vector<std::string> expected;
  for (const auto& [line, text] : sample)
    expected.push_back(index.check(text).reason);
  std::vector<std::vector<std::string>> got(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < got.size(); ++t)
    threads.emplace_back([&, t] {
      for (const auto& [line, text] : sample)
        got[t].push_back(index.check(text).reason);
    });
  for (auto& thread : threads)
    thread.join();
  for (const auto& result : got)
    CHECK(result == expected);
  CHECK(expected.front() == "13-gram overlap 1.00 with gsm8k_test:1");
}
