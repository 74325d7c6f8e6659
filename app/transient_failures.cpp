#include "app/transient_failures.hpp"

#include "core/append_file.hpp"

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <simdjson.h>

namespace kpsynth::app {

namespace {

/// How one record line ended.
enum class outcome { ok, transient, permanent };

outcome classify(simdjson::dom::parser& parser, const std::string& line,
                 std::string& code) {
  simdjson::padded_string padded{line};
  simdjson::dom::object obj;
  std::string_view status;
  if (parser.parse(padded).get(obj) != simdjson::SUCCESS
      || obj["status"].get(status) != simdjson::SUCCESS || status != "failed")
    return outcome::ok;
  std::string_view c;
  std::string_view stage;
  simdjson::dom::object why;
  if (obj["why"].get(why) == simdjson::SUCCESS) {
    if (why["code"].get(c) != simdjson::SUCCESS)
      c = {};
    if (why["stage"].get(stage) != simdjson::SUCCESS)
      stage = {};
  }
  code.assign(c);
  // A malformed seed line fails the same way every time.
  return stage != "read" && is_transient(c) ? outcome::transient
                                            : outcome::permanent;
}

/// Calls `fn(line, outcome, code, complete)` for every line of `file`;
/// `complete` is false for a torn last line (no newline), left by a crash.
template<class F>
std::optional<problem> each_record(const std::filesystem::path& file, F fn) {
  std::ifstream in{file, std::ios::binary};
  if (!in)
    return make_problem("io_error", "cannot read", file.string());
  simdjson::dom::parser parser;
  std::string line;
  std::string code;
  while (std::getline(in, line)) {
    bool complete = !in.eof();
    auto o = complete ? classify(parser, line, code) : outcome::ok;
    fn(line, o, code, complete);
  }
  if (in.bad())
    return make_problem("io_error", "read failed", file.string());
  return std::nullopt;
}

void count(failure_tally& t, outcome o, const std::string& code) {
  if (o == outcome::transient) {
    ++t.transient;
    ++t.by_code[code];
  } else if (o == outcome::permanent) {
    ++t.permanent;
  }
}

} // namespace

bool is_transient(std::string_view code) {
  static constexpr std::array<std::string_view, 8> codes{
    "retryable",    "overloaded",   "deadline", "unavailable",
    "backlog_full", "bad_response", "no_vote",  "sandbox_error"};
  for (auto c : codes)
    if (c == code)
      return true;
  return false;
}

result<failure_tally> tally_failures(const std::filesystem::path& file) {
  failure_tally t;
  std::error_code err;
  if (!std::filesystem::exists(file, err))
    return t;
  auto p = each_record(file, [&](const std::string&, outcome o,
                                 const std::string& code,
                                 bool) { count(t, o, code); });
  if (p)
    return *p;
  return t;
}

result<failure_tally>
forget_transient_failures(const std::filesystem::path& file) {
  auto t = tally_failures(file);
  if (!t || t->transient == 0)
    return t;
  auto tmp = file;
  tmp += ".retry";
  std::error_code err;
  std::filesystem::remove(tmp, err);
  auto out = append_file::open(tmp);
  if (!out)
    return out.error();
  std::optional<problem> failed;
  auto p = each_record(file, [&](const std::string& line, outcome o,
                                 const std::string&, bool complete) {
    // A torn last line is kept as it is: the resume scan cuts it off.
    if (o != outcome::transient && !failed)
      failed = out->append(complete ? line + "\n" : line);
  });
  if (!p)
    p = failed ? failed : out->sync();
  if (p) {
    std::filesystem::remove(tmp, err);
    return *p;
  }
  std::filesystem::rename(tmp, file, err);
  if (err)
    return make_problem("io_error", "cannot replace: " + err.message(),
                        file.string());
  if (auto q = sync_directory(file.parent_path()))
    return *q;
  return t;
}

std::string describe(const failure_tally& t) {
  std::string out;
  for (auto& [code, n] : t.by_code)
    out += fmt::format("{}{}: {}", out.empty() ? "" : ", ", code, n);
  return out;
}

} // namespace kpsynth::app
