#include "app/transient_failures.hpp"
#include "tests/fixtures/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace kpsynth;
using namespace kpsynth::app;

namespace {

std::string contents(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string item(const std::string& id, const std::string& status,
                 const std::string& code = "") {
  std::string line = R"({"id":")" + id + R"(","status":")" + status + '"';
  if (!code.empty())
    line += R"(,"why":{"stage":"judge","code":")" + code + R"(","reason":"r"})";
  return line + "}\n";
}

} // namespace

TEST_CASE("transient codes are told from permanent ones") {
  for (auto c : {"retryable", "overloaded", "deadline", "unavailable",
                 "backlog_full", "bad_response", "no_vote", "sandbox_error"})
    CHECK(is_transient(c));
  for (auto c : {"fatal", "bad_output", "low_score", "no_answer", "", "x"})
    CHECK_FALSE(is_transient(c));
}

TEST_CASE("transiently failed records are removed, the rest kept in order") {
  fixtures::temp_dir dir{"transient"};
  auto file = dir.path() / "items.jsonl";
  auto kept = item("a", "accepted") + item("b", "failed", "bad_output")
              + item("d", "rejected", "low_score");
  {
    std::ofstream out{file, std::ios::binary};
    out << item("a", "accepted") << item("b", "failed", "bad_output")
        << item("c", "failed", "deadline") << item("d", "rejected", "low_score")
        << item("e", "failed", "unavailable") << item("f", "failed", "no_vote");
  }
  auto before = tally_failures(file);
  REQUIRE(before);
  CHECK(before->transient == 3);
  CHECK(before->permanent == 1);
  auto t = forget_transient_failures(file);
  REQUIRE(t);
  CHECK(t->transient == 3);
  CHECK(describe(*t) == "deadline: 1, no_vote: 1, unavailable: 1");
  CHECK(contents(file) == kept);
  // Nothing left to remove: the file is not touched again.
  auto again = forget_transient_failures(file);
  REQUIRE(again);
  CHECK(again->transient == 0);
  CHECK(again->permanent == 1);
  CHECK(contents(file) == kept);
}

TEST_CASE("a torn last line is kept as it is") {
  fixtures::temp_dir dir{"transient"};
  auto file = dir.path() / "items.jsonl";
  auto torn = std::string{R"({"id":"z","status":"acc)"};
  {
    std::ofstream out{file, std::ios::binary};
    out << item("a", "accepted") << item("c", "failed", "deadline") << torn;
  }
  auto t = forget_transient_failures(file);
  REQUIRE(t);
  CHECK(t->transient == 1);
  CHECK(contents(file) == item("a", "accepted") + torn);
}

TEST_CASE("a malformed seed line is a permanent failure") {
  fixtures::temp_dir dir{"transient"};
  auto file = dir.path() / "seeds.jsonl";
  {
    std::ofstream out{file, std::ios::binary};
    out << R"({"seed_id":"s.jsonl:3","status":"failed","why":)"
           R"({"stage":"read","code":"retryable","reason":"r"}})"
        << "\n"
        << R"({"seed_id":"x","status":"failed","why":)"
           R"({"stage":"extract","code":"retryable","reason":"r"}})"
        << "\n";
  }
  auto t = forget_transient_failures(file);
  REQUIRE(t);
  CHECK(t->transient == 1);
  CHECK(t->permanent == 1);
  CHECK(contents(file).find("s.jsonl:3") != std::string::npos);
  CHECK(contents(file).find(R"("seed_id":"x")") == std::string::npos);
}

TEST_CASE("a missing output file has no failures") {
  auto t = forget_transient_failures("/nonexistent/kpsynth/items.jsonl");
  REQUIRE(t);
  CHECK(t->transient + t->permanent == 0);
}
