#include "report/report_run.hpp"

#include "core/json.hpp"

#include <fmt/format.h>

#include <fstream>
#include <system_error>

namespace kpsynth::quality {

namespace {

using core::json_value;

/// Copies the string at `key` into `out`; absent or null keeps `fallback`.
std::optional<problem> read_string(const json_value& v, std::string_view key,
                                   std::string& out,
                                   std::string_view fallback = {}) {
  auto s = v.get_string_or(key, fallback);
  if (!s)
    return s.error();
  out.assign(*s);
  return std::nullopt;
}

/// Copies the required string at `key` into `out`.
std::optional<problem> need_string(const json_value& v, std::string_view key,
                                   std::string& out) {
  auto s = v.get_string(key);
  if (!s)
    return s.error();
  out.assign(*s);
  return std::nullopt;
}

std::optional<problem> read_strings(const json_value& v, std::string_view key,
                                    std::vector<std::string>& out) {
  auto member = v.find(key);
  if (!member || member->is_null())
    return std::nullopt;
  auto arr = member->as_array();
  if (!arr)
    return arr.error();
  for (auto x : *arr) {
    auto s = x.as_string();
    if (!s)
      return s.error();
    out.emplace_back(*s);
  }
  return std::nullopt;
}

std::optional<problem> read_vote(const json_value& v, run_vote& out) {
  if (auto p = need_string(v, "judge", out.judge))
    return p;
  if (auto p = read_string(v, "model", out.model))
    return p;
  auto weight = v.get_double_or("weight", 1.0);
  auto abstained = v.get_bool_or("abstained", false);
  if (!weight)
    return weight.error();
  if (!abstained)
    return abstained.error();
  out.weight = *weight;
  out.abstained = *abstained;
  if (out.abstained)
    return std::nullopt;
  auto score = v.get_double("problem_score");
  if (!score)
    return score.error();
  auto ok = v.at("solution_ok");
  if (!ok)
    return ok.error();
  auto okb = ok->as_bool();
  if (!okb)
    return okb.error();
  out.problem_score = *score;
  out.solution_ok = *okb;
  return std::nullopt;
}

std::optional<problem> read_call(const json_value& v, run_call& out) {
  for (auto [key, dst] :
       {std::pair{"stage", &out.stage}, std::pair{"model", &out.model},
        std::pair{"endpoint", &out.endpoint}})
    if (auto p = read_string(v, key, *dst))
      return p;
  auto prompt = v.get_integer_or<uint64_t>("prompt_tokens", 0);
  auto completion = v.get_integer_or<uint64_t>("completion_tokens", 0);
  auto latency = v.get_double_or("latency_ms", 0.0);
  auto attempts = v.get_integer_or<uint32_t>("attempts", 1);
  if (!prompt)
    return prompt.error();
  if (!completion)
    return completion.error();
  if (!latency)
    return latency.error();
  if (!attempts)
    return attempts.error();
  out.prompt_tokens = *prompt;
  out.completion_tokens = *completion;
  out.latency_ms = *latency;
  out.attempts = *attempts;
  return std::nullopt;
}

/// Calls `fn` on every element of the array at `key` (absent: none).
template<class F>
std::optional<problem> each_of(const json_value& v, std::string_view key,
                               F&& fn) {
  auto member = v.find(key);
  if (!member || member->is_null())
    return std::nullopt;
  auto arr = member->as_array();
  if (!arr)
    return arr.error();
  for (auto x : *arr)
    if (auto p = fn(x))
      return p;
  return std::nullopt;
}

std::optional<problem> read_item(const json_value& v, run_item& x) {
  if (!v.is_object())
    return v.type_error("object");
  for (auto [key, dst] :
       {std::pair{"id", &x.id}, std::pair{"status", &x.status},
        std::pair{"problem", &x.problem}})
    if (auto p = need_string(v, key, *dst))
      return p;
  if (x.status != "accepted" && x.status != "rejected" && x.status != "failed")
    return v.at("status")->error(fmt::format(
      "unknown status '{}' (expected accepted, rejected or failed)", x.status));
  if (auto p = read_string(v, "solution", x.solution))
    return p;
  if (auto p = read_string(v, "answer", x.answer))
    return p;
  if (auto p = read_string(v, "difficulty", x.difficulty, "unknown"))
    return p;
  auto score = v.get_double_or("problem_score", 0.0);
  if (!score)
    return score.error();
  x.problem_score = *score;
  if (auto why = v.find("why"); why && !why->is_null()) {
    if (auto p = read_string(*why, "stage", x.why_stage))
      return p;
    if (auto p = read_string(*why, "code", x.why_code))
      return p;
  }
  x.kind = "unknown";
  if (auto comb = v.find("combination"); comb && !comb->is_null()) {
    if (auto p = read_string(*comb, "kind", x.kind, "unknown"))
      return p;
    if (auto p = read_strings(*comb, "seed_ids", x.seed_ids))
      return p;
  }
  if (auto p = each_of(v, "verdicts", [&](const json_value& e) {
        return read_vote(e, x.votes.emplace_back());
      }))
    return p;
  if (auto p = each_of(v, "trace", [&](const json_value& e) {
        return read_call(e, x.trace.emplace_back());
      }))
    return p;
  if (auto usage = v.find("usage"); usage && !usage->is_null()) {
    auto prompt = usage->get_integer_or<uint64_t>("prompt_tokens", 0);
    auto completion = usage->get_integer_or<uint64_t>("completion_tokens", 0);
    if (!prompt)
      return prompt.error();
    if (!completion)
      return completion.error();
    x.prompt_tokens = *prompt;
    x.completion_tokens = *completion;
  }
  return std::nullopt;
}

std::optional<problem> read_seed(const json_value& v, run_seed& x) {
  if (!v.is_object())
    return v.type_error("object");
  if (auto p = need_string(v, "seed_id", x.seed_id))
    return p;
  std::string status;
  if (auto p = need_string(v, "status", status))
    return p;
  if (status != "extracted" && status != "failed")
    return v.at("status")->error(fmt::format(
      "unknown status '{}' (expected extracted or failed)", status));
  x.extracted = status == "extracted";
  auto points = v.get_integer_or<uint32_t>("knowledge_points", 0);
  if (!points)
    return points.error();
  x.knowledge_points = *points;
  if (auto why = v.find("why"); why && !why->is_null()) {
    if (auto p = read_string(*why, "stage", x.why_stage))
      return p;
    if (auto p = read_string(*why, "code", x.why_code))
      return p;
  }
  return std::nullopt;
}

result<run_item> parse_item_with(core::json_parser& parser,
                                 std::string_view line,
                                 std::string_view where) {
  auto doc = parser.parse(line, where, true);
  if (!doc)
    return doc.error();
  run_item x;
  if (auto p = read_item(*doc, x))
    return *p;
  x.origin = std::string{where};
  return x;
}

result<run_seed> parse_seed_with(core::json_parser& parser,
                                 std::string_view line,
                                 std::string_view where) {
  auto doc = parser.parse(line, where, true);
  if (!doc)
    return doc.error();
  run_seed x;
  if (auto p = read_seed(*doc, x))
    return *p;
  return x;
}

} // namespace

result<run_item> parse_run_item(std::string_view line, std::string_view where) {
  core::json_parser parser;
  return parse_item_with(parser, line, where);
}

result<run_seed> parse_run_seed(std::string_view line, std::string_view where) {
  core::json_parser parser;
  return parse_seed_with(parser, line, where);
}

result<jsonl_read_stats> for_each_jsonl_line(
  const std::filesystem::path& file,
  const std::function<std::optional<problem>(uint64_t, std::string_view)>& fn) {
  std::ifstream in{file, std::ios::binary};
  if (!in)
    return make_problem("io_error", "cannot open file", file.string());
  jsonl_read_stats stats;
  std::string text;
  uint64_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    bool complete = !in.eof(); // getline stopped at a newline
    if (line == 1 && text.rfind("\xEF\xBB\xBF", 0) == 0)
      text.erase(0, 3);
    if (!text.empty() && text.back() == '\r')
      text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos)
      continue;
    if (auto p = fn(line, text)) {
      if (!complete && p->code == "bad_json") {
        ++stats.torn_lines;
        continue;
      }
      return *p;
    }
    ++stats.records;
  }
  if (in.bad())
    return make_problem("io_error", "read error", file.string());
  return stats;
}

result<jsonl_read_stats>
for_each_run_item(const std::filesystem::path& dir,
                  const std::function<void(run_item&&)>& fn) {
  auto file = dir / "items.jsonl";
  core::json_parser parser;
  std::string where;
  auto name = file.string();
  return for_each_jsonl_line(
    file, [&](uint64_t line, std::string_view text) -> std::optional<problem> {
      where = fmt::format("{}:{}", name, line);
      auto x = parse_item_with(parser, text, where);
      if (!x)
        return x.error();
      fn(std::move(*x));
      return std::nullopt;
    });
}

result<std::vector<run_seed>> load_run_seeds(const std::filesystem::path& dir) {
  auto file = dir / "seeds.jsonl";
  std::vector<run_seed> seeds;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    return seeds;
  core::json_parser parser;
  std::string where;
  auto name = file.string();
  auto stats = for_each_jsonl_line(
    file, [&](uint64_t line, std::string_view text) -> std::optional<problem> {
      where = fmt::format("{}:{}", name, line);
      auto x = parse_seed_with(parser, text, where);
      if (!x)
        return x.error();
      seeds.push_back(std::move(*x));
      return std::nullopt;
    });
  if (!stats)
    return stats.error();
  return seeds;
}

result<std::vector<run_item>> load_run_items(const std::filesystem::path& dir) {
  std::vector<run_item> items;
  auto stats = for_each_run_item(
    dir, [&](run_item&& x) { items.push_back(std::move(x)); });
  if (!stats)
    return stats.error();
  return items;
}

std::optional<problem> write_text_file(const std::filesystem::path& file,
                                       const std::string& text) {
  auto write = [&](const std::filesystem::path& to) -> std::optional<problem> {
    std::ofstream out{to, std::ios::binary | std::ios::trunc};
    if (!out)
      return make_problem("io_error", "cannot create file", to.string());
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out)
      return make_problem("io_error", "write failed", to.string());
    return std::nullopt;
  };
  std::error_code ec;
  auto st = std::filesystem::status(file, ec);
  // A device or pipe (/dev/stdout) is written in place: renaming over it
  // would replace the device node with a file.
  if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st)) {
    if (std::filesystem::is_directory(st))
      return make_problem("io_error", "is a directory", file.string());
    return write(file);
  }
  auto tmp = file;
  tmp += ".tmp";
  if (auto p = write(tmp))
    return p;
  std::filesystem::rename(tmp, file, ec);
  if (ec)
    return make_problem("io_error", "cannot rename into place: " + ec.message(),
                        file.string());
  return std::nullopt;
}

} // namespace kpsynth::quality
