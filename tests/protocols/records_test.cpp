#include "protocols/records.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <simdjson.h>
#include <sstream>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace kpsynth;

namespace {

/// A private temporary directory, removed at the end of the test.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string templ = (fs::temp_directory_path() / "kpsynth_rec_XXXXXX");
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    path = templ;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

/// A record with every part filled in, as the sink receives it.
item_record full_record(std::string id, item_status status) {
  item_record x;
  x.id = std::move(id);
  x.origin.id = x.id;
  x.origin.kind = combination_kind::two_hop;
  x.origin.ordinal = 41;
  x.origin.points = {"Pythagorean theorem", "area of a triangle"};
  x.origin.seed_ids = {"seed-1", "seed-7"};
  x.problem = "A right triangle has legs 3 and 4. Find its area.";
  x.level = difficulty::medium;
  x.solutions.push_back({"Area = 3*4/2 = \\boxed{6}", "6", "math-7b"});
  x.solutions.push_back({"It is \\boxed{6}.", "6", "math-72b"});
  verdict v;
  v.judge = "judge-a";
  v.model = "judge-a";
  v.weight = 2;
  v.problem_score = 0.9;
  v.solution_ok = true;
  x.verdicts.push_back(v);
  verdict abstain;
  abstain.judge = "judge-b";
  abstain.model = "judge-b";
  abstain.abstained = true;
  abstain.note = "timeout";
  x.verdicts.push_back(abstain);
  x.problem_score = 0.875;
  x.status = status;
  if (status != item_status::accepted)
    x.why = {"panel", "low_score", "score 0.4 below 0.85"};
  x.trace.push_back(
    {"generate", "math-7b", "http://127.0.0.1:1/v1", {120, 80}, 12.5, 1});
  x.trace.push_back(
    {"solve", "math-7b", "http://127.0.0.1:1/v1", {200, 300}, 40.25, 2});
  return x;
}

using json_result = simdjson::simdjson_result<simdjson::dom::element>;

/// Typed reads of a parsed line; a missing or mistyped field fails the test.
template<class T>
T get(json_result e) {
  T v{};
  REQUIRE(e.get(v) == simdjson::SUCCESS);
  return v;
}
std::string_view str(json_result e) {
  return get<std::string_view>(e);
}
uint64_t u64(json_result e) {
  return get<uint64_t>(e);
}
size_t size_of(json_result e) {
  return get<simdjson::dom::array>(e).size();
}

} // namespace

TEST_CASE("an item record round-trips through its JSON line") {
  auto status =
    GENERATE(item_status::accepted, item_status::rejected, item_status::failed);
  auto x = full_record("00000000deadbeef", status);
  auto line = to_json(x);
  CHECK(line.find('\n') == std::string::npos);

  auto back = parse_item_line(line, "items.jsonl:1");
  INFO(line);
  REQUIRE(back);
  CHECK(back->id == x.id);
  CHECK(back->origin.id == x.id);
  CHECK(back->status == status);
  CHECK(back->problem == x.problem);
  CHECK(back->problem_score == x.problem_score);
  CHECK(back->origin.kind == combination_kind::two_hop);
  CHECK(back->origin.points == x.origin.points);
  CHECK(back->origin.seed_ids == x.origin.seed_ids);
  REQUIRE(back->solutions.size() == 1); // the chosen solution
  CHECK(back->solutions[0].answer == "6");
  CHECK(back->solutions[0].text == x.solutions[0].text);

  // The parts that parse_item_line does not read are in the JSON too.
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  REQUIRE(parser.parse(line).get(obj) == simdjson::SUCCESS);
  CHECK(str(obj["difficulty"]) == "medium");
  CHECK(u64(obj["combination"]["ordinal"]) == 41);
  CHECK(size_of(obj["solutions"]) == 2);
  CHECK(str(obj["solutions"].at(1)["model"]) == "math-72b");
  CHECK(size_of(obj["verdicts"]) == 2);
  CHECK(get<double>(obj["verdicts"].at(0)["weight"]) == 2.0);
  CHECK(get<bool>(obj["verdicts"].at(1)["abstained"]));
  CHECK(str(obj["verdicts"].at(1)["note"]) == "timeout");
  CHECK(u64(obj["usage"]["prompt_tokens"]) == 320);
  CHECK(u64(obj["usage"]["completion_tokens"]) == 380);
  CHECK(u64(obj["trace"].at(1)["attempts"]) == 2);
  simdjson::dom::element why;
  bool has_why = obj["why"].get(why) == simdjson::SUCCESS;
  CHECK(has_why == (status != item_status::accepted));
  if (has_why)
    CHECK(str(why["code"]) == "low_score");
}

TEST_CASE("malformed item lines are errors naming the place") {
  auto good = to_json(full_record("id1", item_status::accepted));
  for (std::string line :
       {std::string{"{\"id\": \"a\""}, std::string{"[1, 2]"},
        std::string{"{\"problem\": \"p\", \"status\": \"accepted\"}"},
        std::string{"{\"id\": 5, \"problem\": \"p\", \"status\": \"x\"}"},
        std::string{"{\"id\": \"a\", \"problem\": \"p\", \"status\": "
                    "\"in_flight\"}"},
        good.substr(0, good.size() / 2)}) {
    INFO(line);
    auto x = parse_item_line(line, "items.jsonl:3");
    REQUIRE_FALSE(x);
    CHECK(x.error().code == "bad_record");
    CHECK(x.error().where == "items.jsonl:3");
  }
}

TEST_CASE("hostile text round-trips as valid JSON") {
  std::string hostile = "quote \" backslash \\ newline \n return \r tab \t "
                        "nul ";
  hostile.push_back('\0');
  hostile += " bell \x07 unicode \xC3\xA9 \xF0\x9F\x98\x80 end";
  std::string invalid = "bad \xFF byte, cut \xE2\x82 seq, lone \x80";

  auto x = full_record(hostile, item_status::rejected);
  x.problem = hostile + invalid;
  x.solutions[0].text = invalid;
  x.solutions[0].answer = "\\boxed{\"}";
  x.origin.points = {hostile, invalid};
  x.why.reason = invalid + "\n" + hostile;
  auto line = to_json(x);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find('\r') == std::string::npos);
  CHECK(simdjson::validate_utf8(line.data(), line.size()));

  // simdjson validates the whole document, UTF-8 included.
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  REQUIRE(parser.parse(line).get(obj) == simdjson::SUCCESS);
  CHECK(str(obj["why"]["reason"]).substr(0, 4) == "bad ");

  auto back = parse_item_line(line, "items.jsonl:1");
  REQUIRE(back);
  CHECK(back->id == hostile); // valid text comes back byte for byte
  CHECK(back->origin.points.at(0) == hostile);
  CHECK(back->solutions.at(0).answer == "\\boxed{\"}");
  // Each invalid subsequence became one U+FFFD; the rest is unchanged.
  std::string fixed = "bad \xEF\xBF\xBD byte, cut \xEF\xBF\xBD seq, lone "
                      "\xEF\xBF\xBD";
  CHECK(back->problem == hostile + fixed);
  CHECK(back->solutions.at(0).text == fixed);
  CHECK(back->origin.points.at(1) == fixed);
}

TEST_CASE("seed outcomes and knowledge-point lists are JSON lines") {
  seed_outcome ok{"s1", true, 4, {}};
  seed_outcome bad{"s\"2", false, 0, {"extract", "bad_output", "no list"}};
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  REQUIRE(parser.parse(to_json(ok)).get(obj) == simdjson::SUCCESS);
  CHECK(str(obj["seed_id"]) == "s1");
  CHECK(str(obj["status"]) == "extracted");
  CHECK(u64(obj["knowledge_points"]) == 4);
  CHECK(obj["why"].error() == simdjson::NO_SUCH_FIELD);
  REQUIRE(parser.parse(to_json(bad)).get(obj) == simdjson::SUCCESS);
  CHECK(str(obj["seed_id"]) == "s\"2");
  CHECK(str(obj["status"]) == "failed");
  CHECK(str(obj["why"]["reason"]) == "no list");

  kp_list kps{"s\n3", {"chain rule", "limits \"at\" infinity"}, {}};
  auto back = parse_kp_list_line(to_json(kps), "kp.jsonl:1");
  REQUIRE(back);
  CHECK(back->seed_id == kps.seed_id);
  CHECK(back->points == kps.points);

  auto missing = parse_kp_list_line(R"({"points": []})", "kp.jsonl:4");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().where == "kp.jsonl:4");
  auto wrong =
    parse_kp_list_line(R"({"seed_id": "a", "points": [1]})", "kp.jsonl:5");
  REQUIRE_FALSE(wrong);
  CHECK_THAT(wrong.error().message, Catch::Contains("'points'"));
}

TEST_CASE("scan_jsonl of an absent file is empty") {
  temp_dir dir;
  auto scan = scan_jsonl(dir.path / "items.jsonl", "id");
  REQUIRE(scan);
  CHECK(scan->ids.empty());
  CHECK(scan->lines == 0);
  CHECK(scan->truncated_bytes == 0);
  CHECK_FALSE(fs::exists(dir.path / "items.jsonl"));
}

TEST_CASE("scan_jsonl cuts off a torn last line and returns the ids") {
  temp_dir dir;
  auto file = dir.path / "items.jsonl";
  std::string complete;
  for (auto id : {"a1", "b2", "c3"})
    complete += to_json(full_record(id, item_status::accepted)) + "\n";
  // A crash mid-write leaves a prefix of the next line without its newline.
  auto next = to_json(full_record("d4", item_status::rejected));
  auto torn = next.substr(0, next.size() * 2 / 3);
  write_file(file, complete + torn);

  auto scan = scan_jsonl(file, "id");
  REQUIRE(scan);
  CHECK(scan->lines == 3);
  CHECK(scan->ids == std::unordered_set<std::string>{"a1", "b2", "c3"});
  CHECK(scan->truncated_bytes == torn.size());
  CHECK(read_file(file) == complete); // appends start on a line boundary

  // The resumed writer appends whole lines; a second scan sees all of them.
  {
    std::ofstream out(file, std::ios::binary | std::ios::app);
    out << next << "\n";
  }
  auto again = scan_jsonl(file, "id");
  REQUIRE(again);
  CHECK(again->lines == 4);
  CHECK(again->ids.count("d4") == 1);
  CHECK(again->truncated_bytes == 0);
  CHECK(read_file(file) == complete + next + "\n");
}

TEST_CASE("scan_jsonl cuts off even a torn line that is complete JSON") {
  // Without its newline the line may still be followed by more bytes of the
  // same record; only a newline marks a record as written.
  temp_dir dir;
  auto file = dir.path / "seeds.jsonl";
  auto line = to_json(seed_outcome{"s1", true, 3, {}});
  write_file(file, line + "\n" + to_json(seed_outcome{"s2", true, 1, {}}));
  auto scan = scan_jsonl(file, "seed_id");
  REQUIRE(scan);
  CHECK(scan->ids == std::unordered_set<std::string>{"s1"});
  CHECK(read_file(file) == line + "\n");
}

TEST_CASE("scan_jsonl reports a corrupt complete line with file:line") {
  temp_dir dir;
  auto file = dir.path / "items.jsonl";
  write_file(file, to_json(full_record("a", item_status::accepted)) + "\n"
                     + "{\"no_id\": 1}\n"
                     + to_json(full_record("c", item_status::accepted)) + "\n");
  auto scan = scan_jsonl(file, "id");
  REQUIRE_FALSE(scan);
  CHECK(scan.error().code == "bad_record");
  CHECK(scan.error().where == file.string() + ":2");
  CHECK_THAT(scan.error().message, Catch::Contains("'id'"));
}

TEST_CASE("load_kp_journal reads every seed's list and repairs a torn tail") {
  temp_dir dir;
  auto file = dir.path / "knowledge_points.jsonl";
  auto l1 = to_json(kp_list{"s1", {"a", "b"}, {}});
  auto l2 = to_json(kp_list{"s2", {"c"}, {}});
  auto l3 = to_json(kp_list{"s3", {"d", "e", "f"}, {}});
  write_file(file, l1 + "\n" + l2 + "\n" + l3.substr(0, 10));

  auto journal = load_kp_journal(file);
  REQUIRE(journal);
  REQUIRE(journal->size() == 2);
  CHECK(journal->at("s1").points == std::vector<std::string>{"a", "b"});
  CHECK(journal->at("s2").points == std::vector<std::string>{"c"});
  CHECK(read_file(file) == l1 + "\n" + l2 + "\n");

  auto absent = load_kp_journal(dir.path / "none.jsonl");
  REQUIRE(absent);
  CHECK(absent->empty());
}

TEST_CASE("load_kp_journal names the line of a bad entry") {
  temp_dir dir;
  auto file = dir.path / "knowledge_points.jsonl";
  write_file(file, to_json(kp_list{"s1", {"a"}, {}}) + "\n"
                     + R"({"seed_id": "s2", "points": "not a list"})" + "\n");
  auto journal = load_kp_journal(file);
  REQUIRE_FALSE(journal);
  CHECK(journal.error().where == file.string() + ":2");
}
