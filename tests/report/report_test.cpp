#include "report/report.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <random>
#include <simdjson.h>
#include <unistd.h>

using namespace kpsynth;
using namespace kpsynth::quality;

namespace {

const std::filesystem::path fixture =
  std::filesystem::path{KPSYNTH_SOURCE_DIR} / "tests/report/data/report_run";

/// A fresh directory under /tmp, removed at scope exit.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    static int n = 0;
    path = std::filesystem::temp_directory_path()
           / ("kpsynth_report_test_" + std::to_string(::getpid()) + "_"
              + std::to_string(++n));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream{path / name, std::ios::binary} << text;
  }
};

report_config fixture_config() {
  report_config cfg;
  cfg.run_dir = fixture;
  cfg.seeds = fixture / "seed_problems.jsonl";
  auto prices = load_price_table(fixture / "prices.toml");
  REQUIRE(prices);
  cfg.prices = *prices;
  cfg.min_pts = 1;
  return cfg;
}

const named_counts& group(const std::vector<named_counts>& xs,
                          const std::string& name) {
  for (auto& x : xs)
    if (x.name == name)
      return x;
  FAIL("no group " << name);
  return xs.front();
}

const std::string item_line =
  R"({"id":"x","status":"accepted","problem":"p","verdicts":[)"
  R"({"judge":"a","abstained":false,"problem_score":0.9,"solution_ok":true}]})";

} // namespace

TEST_CASE("the summary of the hand-written run", "[report]") {
  auto s = analyse_run(fixture_config());
  REQUIRE(s);
  CHECK(s->items.total == 8);
  CHECK(s->items.accepted == 3);
  CHECK(s->items.rejected == 3);
  CHECK(s->items.failed == 2);
  CHECK(s->seeds == 5);
  CHECK(s->seeds_extracted == 4);
  CHECK(s->seeds_failed == 1);
  CHECK(s->expansion_ratio == Approx(0.75));
  CHECK(group(s->kinds, "one_hop").counts.total == 3);
  CHECK(group(s->kinds, "one_hop").counts.accepted == 1);
  CHECK(group(s->kinds, "community").counts.failed == 1);
  CHECK(group(s->kinds, "three_hop").counts.acceptance() == 0.0);
  CHECK(group(s->kinds, "two_hop").counts.acceptance() == Approx(0.5));
  REQUIRE(s->difficulty.size() == 4);
  CHECK(s->difficulty[0].name == "easy"); // natural order
  CHECK(s->difficulty[3].name == "unknown");
  CHECK(s->difficulty[2].counts.accepted == 1);
  // Losses: judge lost 3 (2 rejected, 1 failed), then decontam and solve.
  REQUIRE(s->stage_losses.size() == 3);
  CHECK(s->stage_losses[0].stage == "judge");
  CHECK(s->stage_losses[0].rejected == 2);
  CHECK(s->stage_losses[0].failed == 1);
  CHECK(s->losses.size() == 5);
  REQUIRE(s->seed_losses.size() == 1);
  CHECK(s->seed_losses[0].code == "bad_output");
  // Latency: generate 100..800 ms, solve 1000..1400 and 5000 (3 attempts).
  REQUIRE(s->latency.size() == 4);
  auto& gen = s->latency[0];
  CHECK(gen.stage == "generate");
  CHECK(gen.calls == 8);
  CHECK(gen.p50_ms == 400);
  CHECK(gen.p99_ms == 800);
  CHECK(gen.mean_ms == Approx(450));
  auto& solve = s->latency[3];
  CHECK(solve.stage == "solve");
  CHECK(solve.p50_ms == 1200);
  CHECK(solve.p99_ms == 5000);
  CHECK(solve.retries == 2);
  // Tokens and cost.
  CHECK(s->prompt_tokens == 2500);
  CHECK(s->completion_tokens == 1100);
  REQUIRE(s->models.size() == 3);
  CHECK(s->models[2].model == "math-7b");
  CHECK(s->models[2].calls == 14);
  CHECK(s->models[2].dollars == Approx(0.004));
  CHECK(s->cost.token_dollars == Approx(0.0043));
  CHECK(s->cost.token_per_accepted == Approx(0.0043 / 3));
  CHECK(s->cost.gpu_hours == Approx(3.0));
  CHECK(s->cost.gpu_per_accepted == Approx(2.0));
  // Judges.
  REQUIRE(s->judges.size() == 2);
  auto& a = s->judges[0];
  CHECK(a.votes == 5);
  CHECK(a.abstained == 1);
  CHECK(a.mean_score == Approx(0.824));
  CHECK(a.problem_pass == 4);
  CHECK(a.decided == 5);
  CHECK(a.agree_with_panel == 4);
  CHECK(s->judges[1].agree_with_panel == 5);
  REQUIRE(s->judge_pairs.size() == 1);
  CHECK(s->judge_pairs[0].both == 5);
  CHECK(s->judge_pairs[0].agree == 4);
  CHECK(s->judge_pairs[0].kappa == Approx(0.24 / 0.44));
  // Seed similarity: i1 is seed s1 word for word.
  REQUIRE(s->similarity.computed);
  CHECK(s->similarity.items == 3);
  CHECK(s->similarity.seeds == 4);
  CHECK(s->similarity.max == Approx(1.0));
  CHECK(s->similarity.above_0_9 == 1);
  CHECK(s->similarity.histogram.back() == 1);
  uint64_t binned = 0;
  for (auto n : s->similarity.histogram)
    binned += n;
  CHECK(binned == 3);
  REQUIRE(!s->similarity.closest.empty());
  CHECK(s->similarity.closest[0].item_id == "i1");
  CHECK(s->similarity.closest[0].seed_id == "s1");
  // Diversity on the three accepted problems.
  CHECK(s->diversity.computed);
  CHECK(s->diversity.sample == 3);
  CHECK(s->diversity.k_curve.size() == 3);
  CHECK(s->embedding.find("lexical") != std::string::npos);
}

TEST_CASE("the JSON summary carries the figures", "[report]") {
  auto s = analyse_run(fixture_config());
  REQUIRE(s);
  auto json = to_json(*s);
  simdjson::dom::parser parser;
  simdjson::padded_string padded{json};
  simdjson::dom::element doc;
  REQUIRE(parser.parse(padded).get(doc) == simdjson::SUCCESS);
  CHECK(double(doc["expansion_ratio"]) == Approx(0.75));
  CHECK(uint64_t(doc["items"]["accepted"]) == 3);
  CHECK(double(doc["cost"]["tokens"]["dollars_per_accepted"])
        == Approx(0.0043 / 3));
  CHECK(double(doc["cost"]["gpu"]["dollars_per_accepted"]) == Approx(2.0));
  CHECK(uint64_t(doc["seeds"]["failed"]) == 1);
  CHECK(std::string_view(doc["losses_by_stage"].at(0)["stage"]) == "judge");
  CHECK(double(doc["latency"].at(3)["p99_ms"]) == 5000);
  CHECK(uint64_t(doc["seed_similarity"]["above_0_9"]) == 1);
  CHECK(doc["diversity"]["k_distances"].get_array().size() == 3);
  // Without accepted items the ratios are null, not 0.
  temp_dir dir;
  dir.write("items.jsonl", "");
  report_config empty;
  empty.run_dir = dir.path;
  auto e = analyse_run(empty);
  REQUIRE(e);
  simdjson::padded_string p2{to_json(*e)};
  REQUIRE(parser.parse(p2).get(doc) == simdjson::SUCCESS);
  CHECK(doc["expansion_ratio"].is_null());
  CHECK(doc["items"]["acceptance"].is_null());
  CHECK_FALSE(bool(doc["seed_similarity"]["computed"]));
}

TEST_CASE("malformed run files name the line and field", "[report]") {
  temp_dir dir;
  auto bad = item_line;
  bad.replace(bad.find("0.9"), 3, "\"high\"");
  dir.write("items.jsonl", item_line + "\n" + bad + "\n");
  report_config cfg;
  cfg.run_dir = dir.path;
  auto s = analyse_run(cfg);
  REQUIRE_FALSE(s);
  CHECK(s.error().where == (dir.path / "items.jsonl").string() + ":2");
  CHECK_THAT(s.error().message, Catch::Contains("verdicts[0].problem_score"));
  dir.write("items.jsonl", R"({"id":"x","status":"done","problem":"p"})"
                           "\n");
  s = analyse_run(cfg);
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error().message, Catch::Contains("unknown status 'done'"));
  // A torn last line (a run killed mid-write) is skipped and counted.
  dir.write("items.jsonl", item_line + "\n" + item_line.substr(0, 30));
  s = analyse_run(cfg);
  REQUIRE(s);
  CHECK(s->items.total == 1);
  CHECK(s->torn_lines == 1);
  // A missing token price is an error naming the model.
  cfg.prices.tokens["other"] = {1, 1};
  dir.write("items.jsonl",
            R"({"id":"x","status":"failed","problem":"p","trace":[)"
            R"({"stage":"generate","model":"m1","latency_ms":3}]})"
            "\n");
  s = analyse_run(cfg);
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error().message, Catch::Contains("'m1'"));
}

TEST_CASE("price tables and price arguments", "[report]") {
  auto t = parse_price_table("[gpu]\ndollars_per_hour = 2\n", "p.toml");
  REQUIRE_FALSE(t); // count and wall time missing
  CHECK(t.error().code == "incomplete_price");
  t =
    parse_price_table("[gpu]\ncount = 1\n\n[tokens.m]\nprompt = 1\n", "p.toml");
  REQUIRE_FALSE(t);
  CHECK(t.error().where == "p.toml:5");
  CHECK_THAT(t.error().message, Catch::Contains("tokens.m.prompt"));
  t = parse_price_table("[tokens.m]\nprompt_per_million = -1\n", "p.toml");
  REQUIRE_FALSE(t);
  auto arg = parse_token_price_arg("m=0.5:1.5");
  REQUIRE(arg);
  CHECK(arg->first == "m");
  CHECK(arg->second.completion_per_million == 1.5);
  CHECK_FALSE(parse_token_price_arg("m=0.5"));
  CHECK_FALSE(parse_token_price_arg("=1:2"));
  CHECK_FALSE(parse_token_price_arg("m=x:2"));
}

TEST_CASE("DBSCAN finds the blobs of synthetic data", "[report][dbscan]") {
  std::mt19937_64 gen{7};
  std::normal_distribution<double> noise{0.0, 0.4};
  std::vector<std::pair<double, double>> pts;
  const std::pair<double, double> centres[] = {
    {0, 0}, {10, 0}, {0, 10}, {10, 10}};
  for (auto [cx, cy] : centres)
    for (int i = 0; i < 40; ++i)
      pts.emplace_back(cx + noise(gen), cy + noise(gen));
  pts.emplace_back(5, 5); // an outlier between the blobs
  distance_matrix d(pts.size(), [&](std::size_t i, std::size_t j) {
    return std::hypot(pts[i].first - pts[j].first,
                      pts[i].second - pts[j].second);
  });
  auto choice = choose_eps(d, 4);
  CHECK(choice.eps > 0.2);
  CHECK(choice.eps < 3.0);
  auto r = dbscan(d, choice.eps, 4);
  CHECK(r.clusters == 4);
  CHECK(r.labels.back() == dbscan_result::noise);
  // Points of one blob share a label; different blobs do not.
  for (int b = 0; b < 4; ++b)
    CHECK(r.labels[static_cast<std::size_t>(b * 40)]
          != r.labels[static_cast<std::size_t>(((b + 1) % 4) * 40)]);
  // eps larger than the blob spacing merges everything.
  CHECK(dbscan(d, 20.0, 4).clusters == 1);
  // Too small an eps leaves only noise.
  CHECK(dbscan(d, 1e-6, 4).noise_points == pts.size());
}

TEST_CASE("k-distances and the knee of the curve", "[report][dbscan]") {
  std::vector<double> xs = {0, 1, 2, 3, 10};
  distance_matrix d(xs.size(), [&](std::size_t i, std::size_t j) {
    return std::abs(xs[i] - xs[j]);
  });
  CHECK(d.at(4, 0) == 10.0f);
  CHECK(k_distances(d, 1) == std::vector<double>{1, 1, 1, 1, 7});
  CHECK(k_distances(d, 2) == std::vector<double>{2, 1, 1, 2, 8});
  auto c = choose_eps(d, 1);
  CHECK(c.curve == std::vector<double>{1, 1, 1, 1, 7});
  CHECK(c.knee == 3);
  CHECK(c.eps == 1.0);
  // A convex curve bends where it is farthest below its chord.
  std::vector<double> curve = {0.1, 0.11, 0.12, 0.13, 0.15, 0.2, 0.5, 1.0};
  CHECK(knee_index(curve) == 5);
  CHECK(knee_index(std::vector<double>{2, 2, 2}) == 0);
  CHECK(knee_index(std::vector<double>{1, 5}) == 0);
}

TEST_CASE("the lexical embedding measures shared wording", "[report]") {
  lexical_embedder e;
  std::vector<std::string> docs = {
    "What is the remainder when 17 is divided by 5?",
    "What is the remainder when 23 is divided by 6?",
    "A right triangle has legs 3 and 4. What is its hypotenuse?",
    "How many ways can 3 books be arranged on a shelf?"};
  for (auto& d : docs)
    e.add_document(d);
  auto a = e.embed(docs[0]);
  CHECK(cosine(a, a) == Approx(1.0));
  auto near = cosine(a, e.embed(docs[1]));
  auto far = cosine(a, e.embed(docs[3]));
  CHECK(near > 0.3);
  CHECK(far < near);
  CHECK(cosine(e.embed("zebra quokka"), a) == 0.0);
  CHECK(lexical_features("x\\frac{A}{b}")
        == std::vector<std::string>{"x", "x frac", "frac", "frac a", "a", "a b",
                                    "b"});
  std::vector<sparse_vector> corpus = {e.embed(docs[2]), e.embed(docs[0])};
  auto nn = nearest_neighbours(std::vector<sparse_vector>{a}, corpus);
  CHECK(nn[0].index == 1);
  CHECK(nn[0].similarity == Approx(1.0));
}

TEST_CASE("precomputed embeddings replace the lexical one", "[report]") {
  auto bad = parse_embeddings("{\"id\":\"a\",\"embedding\":[1,0]}\n"
                              "{\"id\":\"b\",\"embedding\":[1,0,0]}\n",
                              "e.jsonl");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().where == "e.jsonl:2");
  bad = parse_embeddings("{\"id\":\"a\",\"embedding\":[1,\"x\"]}\n", "e.jsonl");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("embedding[1]"));
  CHECK_FALSE(parse_embeddings("{\"id\":\"a\",\"embedding\":[1]}\n"
                               "{\"id\":\"a\",\"embedding\":[2]}\n",
                               "e.jsonl"));
  temp_dir dir;
  // i1 points at seed s3, the others elsewhere.
  dir.write("emb.jsonl", "{\"id\":\"i1\",\"embedding\":[0,0,1]}\n"
                         "{\"id\":\"i2\",\"embedding\":[1,1,0]}\n"
                         "{\"id\":\"i3\",\"embedding\":[1,-1,0]}\n"
                         "{\"id\":\"s1\",\"embedding\":[1,0,0]}\n"
                         "{\"id\":\"s2\",\"embedding\":[0,1,0]}\n"
                         "{\"id\":\"s3\",\"embedding\":[0,0,2]}\n"
                         "{\"id\":\"s4\",\"embedding\":[-1,0,0]}\n");
  auto cfg = fixture_config();
  cfg.embeddings = dir.path / "emb.jsonl";
  auto s = analyse_run(cfg);
  REQUIRE(s);
  CHECK(s->embedding.find("precomputed") != std::string::npos);
  REQUIRE(s->similarity.closest.size() == 3);
  CHECK(s->similarity.closest[0].item_id == "i1");
  CHECK(s->similarity.closest[0].seed_id == "s3");
  CHECK(s->similarity.closest[1].similarity == Approx(std::sqrt(0.5)));
  dir.write("emb.jsonl", "{\"id\":\"i1\",\"embedding\":[0,0,1]}\n");
  s = analyse_run(cfg);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == "missing_embedding");
}

TEST_CASE("hostile problem text is escaped in the HTML", "[report][html]") {
  auto s = analyse_run(fixture_config());
  REQUIRE(s);
  auto html = render_html(*s);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("</script>") == std::string::npos);
  CHECK(html.find("<svg onload") == std::string::npos);
  CHECK(html.find("&lt;/script&gt;&lt;svg onload=alert(1)&gt;")
        != std::string::npos);
  CHECK(html.find("&#39;quote&#39; &quot;dq&quot;") != std::string::npos);
  // Nothing to fetch: no sources, links, imports or CSS urls.
  for (auto ref : {"src=", "href=", "<link", "<img", "@import", "url("})
    CHECK(html.find(ref) == std::string::npos);
  auto svg_count = [&] {
    std::size_t n = 0;
    for (auto at = html.find("<svg "); at != std::string::npos;
         at = html.find("<svg ", at + 1))
      ++n;
    return n;
  }();
  CHECK(svg_count == 6); // kinds, losses, difficulty, latency, sim., k-dist.
  for (auto id : {"overview", "acceptance", "losses", "difficulty", "tokens",
                  "latency", "similarity", "diversity", "judges"})
    CHECK(html.find(std::string{"<section id=\""} + id) != std::string::npos);
}

TEST_CASE("XML escaping and chart primitives", "[report][html]") {
  CHECK(xml_escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;");
  CHECK(xml_escape(std::string{"x\x01y\x7f\tz"}) == "xy\tz");
  CHECK(xml_escape("\xff") == "\xEF\xBF\xBD"); // invalid UTF-8 -> U+FFFD
  CHECK(nice_ticks(0, 7) == std::vector<double>{0, 2, 4, 6, 8});
  CHECK(nice_ticks(0, 1, 10).size() == 11);
  CHECK(format_number(3.0) == "3");
  CHECK(format_number(0.126, 2) == "0.13");
  CHECK(format_number(2.50, 2) == "2.5");
  CHECK(format_number(std::nan("")) == "n/a");
  bar_chart c;
  c.title = "T <1>";
  c.categories = {"a", "b", "c"};
  c.series = {{"s", "#000", {1, 0, 3}}};
  auto svg = svg_bar_chart(c);
  std::size_t bars = 0;
  for (auto at = svg.find("class=\"bar\""); at != std::string::npos;
       at = svg.find("class=\"bar\"", at + 1))
    ++bars;
  CHECK(bars == 3);
  CHECK(svg.find("T &lt;1&gt;") != std::string::npos);
  CHECK(percentile({1, 2, 3, 4}, 50) == 2);
  CHECK(percentile({1, 2, 3, 4}, 99) == 4);
  CHECK(std::isnan(percentile({}, 50)));
}

TEST_CASE("write_report writes both files whole", "[report]") {
  temp_dir dir;
  auto cfg = fixture_config();
  report_files out{dir.path / "r.html", dir.path / "r.json"};
  auto s = write_report(cfg, out);
  REQUIRE(s);
  CHECK(std::filesystem::file_size(out.html) > 5000);
  CHECK(std::filesystem::file_size(out.json) > 500);
  CHECK_FALSE(std::filesystem::exists(dir.path / "r.html.tmp"));
  cfg.run_dir = dir.path / "missing";
  CHECK_FALSE(write_report(cfg, out));
}
