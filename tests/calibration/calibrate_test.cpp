#include "calibration/calibrate.hpp"
#include "calibration/calibrate_io.hpp"
#include "calibration/calibrate_sim.hpp"
#include "core/llm_output.hpp"
#include "core/prompt_pack.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <simdjson.h>

using namespace kpsynth;
using namespace kpsynth::quality;

namespace {

const std::filesystem::path source_dir{KPSYNTH_SOURCE_DIR};

/// Six items, three good, and two judges; worked out by hand below.
std::vector<labelled_item> hand_items() {
  std::vector<labelled_item> items;
  for (int i = 1; i <= 6; ++i)
    items.push_back({"i" + std::to_string(i), "p", "s", i <= 3,
                     "labels.jsonl:" + std::to_string(i)});
  return items;
}

std::vector<judge_vote> hand_votes() {
  return {
    {"i1", "A", 0.9, true, "v:1"},  {"i2", "A", 0.9, true, "v:2"},
    {"i3", "A", 0.5, true, "v:3"},  {"i4", "A", 0.9, true, "v:4"},
    {"i5", "A", 0.9, false, "v:5"}, {"i6", "A", 0.2, true, "v:6"},
    {"i1", "B", 0.95, true, "v:7"}, {"i2", "B", 0.7, true, "v:8"},
    {"i3", "B", 0.95, true, "v:9"}, {"i4", "B", 0.6, true, "v:10"},
    {"i5", "B", 0.8, true, "v:11"}, // B did not vote on i6
  };
}

calibration_set hand_set(calibration_options opts = {}) {
  auto set = build_calibration_set(hand_items(), hand_votes(), opts);
  REQUIRE(set);
  return *set;
}

const panel_metrics& find_panel(const calibration_result& r,
                                std::vector<std::string> judges) {
  std::sort(judges.begin(), judges.end());
  for (auto& m : r.panels) {
    auto names = m.judges;
    std::sort(names.begin(), names.end());
    if (names == judges)
      return m;
  }
  FAIL("no such panel");
  return r.panels.front();
}

} // namespace

TEST_CASE("panel metrics on a hand-made set", "[calibrate]") {
  auto set = hand_set();
  REQUIRE(set.judges == std::vector<std::string>{"A", "B"});
  // A keeps i1, i2, i4 (i3 scores low, i5 is vetoed, i6 scores low).
  auto a = evaluate_panel(set, 0b01, 0.85);
  CHECK(a.kept == 3);
  CHECK(a.tp == 2);
  CHECK(a.fp == 1);
  CHECK(a.fn == 1);
  CHECK(a.tn == 2);
  CHECK(a.accuracy == Approx(4.0 / 6));
  CHECK(a.precision == Approx(2.0 / 3));
  CHECK(a.recall == Approx(2.0 / 3));
  CHECK(a.f1 == Approx(2.0 / 3));
  CHECK(a.retention == Approx(0.5));
  // B keeps i1 and i3; it has no vote on i6, which it therefore drops.
  auto b = evaluate_panel(set, 0b10, 0.85);
  CHECK(b.kept == 2);
  CHECK(b.tp == 2);
  CHECK(b.tn == 3);
  CHECK(b.accuracy == Approx(5.0 / 6));
  CHECK(b.precision == 1.0);
  CHECK(b.recall == Approx(2.0 / 3));
  CHECK(b.f1 == Approx(0.8));
  // Together: means 0.925, 0.8, 0.725, 0.75; A vetoes i5; i6 has only A.
  auto ab = evaluate_panel(set, 0b11, 0.85);
  CHECK(ab.kept == 1);
  CHECK(ab.tp == 1);
  CHECK(ab.fn == 2);
  CHECK(ab.recall == Approx(1.0 / 3));
  CHECK(ab.f1 == Approx(0.5));
  CHECK(ab.retention == Approx(1.0 / 6));
  CHECK(panel_keeps(set, 0b11, 5, 0.1)); // i6: A alone decides, 0.2 >= 0.1
  // Weights move the mean: A at 4 lifts i2 to (3.6 + 0.7) / 5 = 0.86.
  calibration_options weighted;
  weighted.weights = {{"A", 4.0}};
  auto w = evaluate_panel(hand_set(weighted), 0b11, 0.85);
  CHECK(w.kept == 2);
  CHECK(w.tp == 2);
  // A panel that keeps nothing has no precision.
  auto none = evaluate_panel(set, 0b11, 0.999);
  CHECK(none.kept == 0);
  CHECK(std::isnan(none.precision));
  CHECK(std::isnan(none.f1));
}

TEST_CASE("the recommendation rule", "[calibrate]") {
  calibration_options opts;
  auto r = calibrate(hand_set(), opts);
  REQUIRE(r.panels.size() == 3);
  // B and A+B reach 0.94; B keeps more. A misses the target and comes last.
  CHECK(r.target_met);
  CHECK(r.panels[0].judges == std::vector<std::string>{"B"});
  CHECK(r.panels[1].judges == std::vector<std::string>{"A", "B"});
  CHECK(r.panels[2].judges == std::vector<std::string>{"A"});
  CHECK(r.good == 3);
  CHECK_THAT(recommendation_text(r), Catch::StartsWith("Recommended panel: B"));
  // No panel reaches the target: the most precise one is recommended.
  opts.judges = {"A"};
  auto only_a = calibrate(hand_set(opts), opts);
  CHECK_FALSE(only_a.target_met);
  CHECK_THAT(recommendation_text(only_a),
             Catch::StartsWith("No panel reaches precision 0.94"));
  // Equal retention: fewer judges first. C votes exactly like B.
  auto votes = hand_votes();
  for (auto v : hand_votes())
    if (v.judge == "B") {
      v.judge = "C";
      votes.push_back(v);
    }
  opts.judges = {};
  auto set = build_calibration_set(hand_items(), votes, opts);
  REQUIRE(set);
  auto with_c = calibrate(*set, opts);
  CHECK(with_c.panels[0].judges == std::vector<std::string>{"B"});
  CHECK(with_c.panels[1].judges == std::vector<std::string>{"C"});
  CHECK(with_c.panels[2].judges == std::vector<std::string>{"B", "C"});
  // Among panels below the target, precision decides before retention.
  panel_metrics low_p{1, {"x"}, 10, 8, 6, 2};
  low_p.precision = 0.75;
  panel_metrics high_p{2, {"y"}, 10, 2, 2, 0};
  high_p.precision = 1.0;
  CHECK(ranks_before(high_p, low_p, 1.01));
  CHECK(ranks_before(low_p, high_p, 0.5)); // both meet: retention wins
}

TEST_CASE("the table and the JSON result", "[calibrate]") {
  calibration_options opts;
  auto r = calibrate(hand_set(), opts);
  auto table = format_table(r);
  CHECK_THAT(table, Catch::Contains("rank  panel"));
  CHECK_THAT(table, Catch::Contains("  1*  B  "));
  CHECK_THAT(table, Catch::Contains("rule: highest retention with precision "
                                    ">= 0.94"));
  CHECK_THAT(format_table(r, 1), Catch::Contains("... 2 more panels"));
  simdjson::dom::parser parser;
  simdjson::padded_string json{to_json(r)};
  simdjson::dom::element doc;
  REQUIRE(parser.parse(json).get(doc) == simdjson::SUCCESS);
  CHECK(bool(doc["target_met"]));
  CHECK(doc["panels"].get_array().size() == 3);
  CHECK(double(doc["panels"].at(0)["retention"]) == Approx(1.0 / 3));
  CHECK(uint64_t(doc["panels"].at(2)["fp"]) == 1);
}

TEST_CASE("input errors name their place", "[calibrate]") {
  auto x = parse_labelled_item(R"({"id":"a","problem":"p"})", "l.jsonl:3");
  REQUIRE_FALSE(x);
  CHECK(x.error().where == "l.jsonl:3");
  CHECK_THAT(x.error().message, Catch::Contains("label"));
  auto v = parse_vote(R"({"id":"a","judge":"j","problem_score":1.5,)"
                      R"("solution_ok":true})",
                      "v.jsonl:9");
  REQUIRE_FALSE(v);
  CHECK(v.error().where == "v.jsonl:9");
  CHECK_THAT(v.error().message, Catch::Contains("problem_score"));
  v = parse_vote(R"({"id":"a","judge":"j","abstained":true})", "v.jsonl:1");
  REQUIRE(v);
  CHECK_FALSE(*v);
  auto votes = hand_votes();
  votes.push_back({"i1", "A", 0.3, true, "v:99"});
  auto dup = build_calibration_set(hand_items(), votes, {});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().where == "v:99");
  CHECK_THAT(dup.error().message, Catch::Contains("v:1"));
  calibration_options opts;
  opts.weights = {{"Z", 2.0}};
  CHECK_FALSE(build_calibration_set(hand_items(), hand_votes(), opts));
  opts = {};
  opts.max_judges = 1;
  CHECK_FALSE(build_calibration_set(hand_items(), hand_votes(), opts));
  auto items = hand_items();
  items[4].id = "i1";
  auto twice = build_calibration_set(items, hand_votes(), {});
  REQUIRE_FALSE(twice);
  CHECK(twice.error().where == "labels.jsonl:5");
  // Votes for items outside the set are counted, not fatal.
  votes = hand_votes();
  votes.push_back({"elsewhere", "A", 0.9, true, "v:100"});
  auto ok = build_calibration_set(hand_items(), votes, {});
  REQUIRE(ok);
  CHECK(ok->ignored_votes == 1);
  CHECK(parse_judge_spec("yi-34b=0.95:-0.02")->bias == -0.02);
  CHECK(parse_judge_spec("q=0.8")->accuracy == 0.8);
  CHECK_FALSE(parse_judge_spec("q=1.5"));
  CHECK_FALSE(parse_judge_spec("=0.5"));
  CHECK_FALSE(parse_judge_spec("q=0.5:x"));
}

TEST_CASE("votes and labels from a run directory", "[calibrate]") {
  auto run = source_dir / "tests/report/data/report_run";
  auto votes = votes_from_run(run);
  REQUIRE(votes);
  CHECK(votes->size() == 10); // i8's two abstentions are not votes
  auto panel = simulated_panel::make({}, {1, source_dir / "prompts/math"});
  REQUIRE(panel);
  // The fixture's problems are not the simulator's: no ground truth.
  auto labels = labels_from_run(run, *panel);
  REQUIRE_FALSE(labels);
  CHECK(labels.error().code == "no_ground_truth");
  auto jsonl = to_jsonl(*votes);
  auto back = parse_vote(jsonl.substr(0, jsonl.find('\n')), "x:1");
  REQUIRE(back);
  REQUIRE(*back);
  CHECK((*back)->judge == "judge-a");
}

TEST_CASE("simulated votes reproduce a simulated run's verdicts",
          "[calibrate][sim]") {
  // Fourteen items of `kpsynth run config/quickstart.toml` (seed 1, judge
  // judge-a at accuracy 0.92, bias 0).
  auto run = source_dir / "tests/calibration/data/sim_run";
  judge_spec judge{"judge-a", 0.92, 0.0};
  auto panel = simulated_panel::make({judge}, {1, source_dir / "prompts/math"});
  REQUIRE(panel);
  auto labels = labels_from_run(run, *panel);
  REQUIRE(labels);
  CHECK(labels->items.size() == 12);
  CHECK(labels->without_solution == 2);
  CHECK(labels->unknown == 0);
  auto recorded = votes_from_run(run);
  REQUIRE(recorded);
  REQUIRE(recorded->size() == 12);
  for (auto& v : *recorded) {
    auto it =
      std::find_if(labels->items.begin(), labels->items.end(),
                   [&](const labelled_item& x) { return x.id == v.id; });
    REQUIRE(it != labels->items.end());
    auto mine = panel->vote(judge, *it);
    REQUIRE(mine);
    CHECK(mine->problem_score == v.problem_score);
    CHECK(mine->solution_ok == v.solution_ok);
  }
  // Another seed decides differently somewhere.
  auto other = simulated_panel::make({judge}, {7, source_dir / "prompts/math"});
  REQUIRE(other);
  auto votes = other->votes(labels->items);
  REQUIRE(votes);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < votes->size(); ++i)
    differ += (*votes)[i].problem_score != (*recorded)[i].problem_score;
  CHECK(differ > 0);
}

namespace {

/// Problems and solutions as the simulated pipeline makes them.
std::vector<labelled_item> simulated_items(const simulated_panel& panel,
                                           std::size_t n) {
  auto pack = core::load_prompt_pack(source_dir / "prompts/math");
  REQUIRE(pack);
  sim::responder r{sim::responder_options{}};
  const std::vector<std::string> kps = {
    "Solving linear equations", "Arithmetic sequences", "Modular arithmetic",
    "Pythagorean theorem",      "Percent calculations", "Area of rectangles",
    "Counting combinations",    "Laws of exponents",    "Prime factorization"};
  auto ask = [&](const std::string& kind,
                 const std::map<std::string, std::string>& values,
                 uint32_t choice) {
    openai::chat_request req;
    req.model = "sim-7b";
    req.messages.push_back({"user", *pack->render(kind, values)});
    req.params.temperature = pack->sampling(kind).temperature;
    return r.respond(req, choice).text;
  };
  std::vector<labelled_item> items;
  for (std::size_t i = 0; i < n; ++i) {
    auto list = "1. " + kps[i % kps.size()] + "\n2. "
                + kps[(i * 5 + 2) % kps.size()] + "\n";
    auto gen = core::parse_generated_problem(
      ask("generate", {{"knowledge_points", list}, {"count", "2"}},
          static_cast<uint32_t>(i)));
    REQUIRE(gen);
    auto sol = core::parse_solution(ask("solve", {{"problem", *gen}}, 0));
    REQUIRE(sol);
    auto label = panel.label(*gen, sol->answer);
    REQUIRE(label); // the simulator knows its own problems
    items.push_back(
      {"g" + std::to_string(i), *gen, sol->text, *label, "generated"});
  }
  return items;
}

} // namespace

TEST_CASE("adding an accurate judge raises precision, lowers retention",
          "[calibrate][sim]") {
  // Three lenient judges of middling accuracy and one accurate judge, as
  // in GSDP Table 4 (InternLM2-20B, Qwen2-14B, LLaMA3.1-8B, then Yi-34B).
  std::vector<judge_spec> judges = {{"internlm2-20b", 0.70, 0.20},
                                    {"qwen2-14b", 0.70, 0.20},
                                    {"llama3.1-8b", 0.65, 0.25},
                                    {"yi-34b", 0.95, 0.0}};
  auto panel = simulated_panel::make(judges, {1, source_dir / "prompts/math"});
  REQUIRE(panel);
  auto items = simulated_items(*panel, 400);
  std::size_t good = 0;
  for (auto& x : items)
    good += x.label ? 1 : 0;
  // 80% sound x 80% solver accuracy is about 64% good.
  CHECK(good > 200);
  CHECK(good < 320);
  auto votes = panel->votes(items);
  REQUIRE(votes);
  CHECK(votes->size() == 4 * items.size());
  calibration_options opts;
  auto set = build_calibration_set(items, *votes, opts);
  REQUIRE(set);
  auto r = calibrate(*set, opts);
  REQUIRE(r.panels.size() == 15);
  auto& three = find_panel(r, {"internlm2-20b", "qwen2-14b", "llama3.1-8b"});
  auto& four =
    find_panel(r, {"internlm2-20b", "qwen2-14b", "llama3.1-8b", "yi-34b"});
  CHECK(three.precision < 1.0); // lenient judges let bad items through
  CHECK(four.precision > three.precision);
  CHECK(four.retention < three.retention);
  // The rule: the recommendation reaches the target, and nothing that
  // reaches it keeps more items.
  REQUIRE(r.target_met);
  for (auto& m : r.panels)
    if (m.precision >= opts.target_precision)
      CHECK(m.kept <= r.panels.front().kept);
  // Any one weak judge alone is less precise than the three together.
  CHECK(find_panel(r, {"qwen2-14b"}).precision < three.precision);
  // The accurate judge's votes track the labels far better.
  auto& yi = find_panel(r, {"yi-34b"});
  CHECK(yi.accuracy > find_panel(r, {"llama3.1-8b"}).accuracy);
  // A vote is a pure function of (seed, judge, item): asking again agrees.
  auto again = panel->vote(judges[3], items[7]);
  REQUIRE(again);
  CHECK(again->problem_score == (*votes)[3 * items.size() + 7].problem_score);
}
