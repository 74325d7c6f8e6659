#include "protocols/records.hpp"

#include "core/json.hpp"

#include <fmt/format.h>

#include <fstream>
#include <simdjson.h>

namespace kpsynth {

const char* to_string(combination_kind x) {
  switch (x) {
  case combination_kind::one_hop:
    return "one_hop";
  case combination_kind::two_hop:
    return "two_hop";
  case combination_kind::three_hop:
    return "three_hop";
  case combination_kind::community:
    return "community";
  case combination_kind::cooccurrence:
    return "cooccurrence";
  }
  return "unknown";
}

const char* to_string(difficulty x) {
  switch (x) {
  case difficulty::unknown:
    return "unknown";
  case difficulty::easy:
    return "easy";
  case difficulty::medium:
    return "medium";
  case difficulty::hard:
    return "hard";
  }
  return "unknown";
}

const char* to_string(item_status x) {
  switch (x) {
  case item_status::in_flight:
    return "in_flight";
  case item_status::accepted:
    return "accepted";
  case item_status::rejected:
    return "rejected";
  case item_status::failed:
    return "failed";
  }
  return "unknown";
}

namespace {

void write_strings(core::json_writer& w, const std::vector<std::string>& xs) {
  w.begin_array();
  for (auto& x : xs)
    w.string(x);
  w.end_array();
}

void write_failure(core::json_writer& w, const failure& f) {
  w.begin_object();
  w.key("stage").string(f.stage);
  w.key("code").string(f.code);
  w.key("reason").string(f.reason);
  w.end_object();
}

} // namespace

std::string to_json(const item_record& x) {
  core::json_writer w;
  w.begin_object();
  w.key("id").string(x.id);
  w.key("status").string(to_string(x.status));
  w.key("problem").string(x.problem);
  if (!x.solutions.empty()) {
    w.key("solution").string(x.solutions.front().text);
    w.key("answer").string(x.solutions.front().answer);
  }
  w.key("difficulty").string(to_string(x.level));
  w.key("problem_score").number(x.problem_score);
  if (!x.consensus_answer.empty()) {
    w.key("consensus").begin_object();
    w.key("answer").string(x.consensus_answer);
    w.key("share").number(x.consensus_share);
    w.end_object();
  }
  if (!x.program.empty()) {
    w.key("program").begin_object();
    w.key("source").string(x.program);
    w.key("output").string(x.program_output);
    w.key("agrees").boolean(x.program_agrees);
    w.end_object();
  }
  if (x.status == item_status::rejected || x.status == item_status::failed) {
    w.key("why");
    write_failure(w, x.why);
  }
  w.key("combination").begin_object();
  w.key("kind").string(to_string(x.origin.kind));
  w.key("ordinal").number(x.origin.ordinal);
  w.key("knowledge_points");
  write_strings(w, x.origin.points);
  w.key("seed_ids");
  write_strings(w, x.origin.seed_ids);
  w.end_object();
  w.key("solutions").begin_array();
  for (auto& s : x.solutions) {
    w.begin_object();
    w.key("model").string(s.model);
    w.key("answer").string(s.answer);
    w.key("text").string(s.text);
    w.end_object();
  }
  w.end_array();
  w.key("verdicts").begin_array();
  for (auto& v : x.verdicts) {
    w.begin_object();
    w.key("judge").string(v.judge);
    w.key("model").string(v.model);
    w.key("weight").number(v.weight);
    w.key("abstained").boolean(v.abstained);
    if (v.abstained) {
      w.key("note").string(v.note);
    } else {
      w.key("problem_score").number(v.problem_score);
      w.key("solution_ok").boolean(v.solution_ok);
      if (v.program_judged)
        w.key("program_ok").boolean(v.program_ok);
    }
    w.end_object();
  }
  w.end_array();
  uint64_t prompt = 0;
  uint64_t completion = 0;
  w.key("trace").begin_array();
  for (auto& t : x.trace) {
    prompt += t.usage.prompt_tokens;
    completion += t.usage.completion_tokens;
    w.begin_object();
    w.key("stage").string(t.stage);
    w.key("model").string(t.model);
    w.key("endpoint").string(t.endpoint);
    w.key("prompt_tokens").number(t.usage.prompt_tokens);
    w.key("completion_tokens").number(t.usage.completion_tokens);
    w.key("latency_ms").number(t.latency_ms);
    w.key("attempts").number(t.attempts);
    w.end_object();
  }
  w.end_array();
  w.key("usage").begin_object();
  w.key("prompt_tokens").number(prompt);
  w.key("completion_tokens").number(completion);
  w.end_object();
  w.end_object();
  return w.take();
}

std::string to_json(const seed_outcome& x) {
  core::json_writer w;
  w.begin_object();
  w.key("seed_id").string(x.seed_id);
  w.key("status").string(x.ok ? "extracted" : "failed");
  w.key("knowledge_points").number(x.points);
  if (!x.ok) {
    w.key("why");
    write_failure(w, x.why);
  }
  w.end_object();
  return w.take();
}

std::string to_json(const kp_list& x) {
  core::json_writer w;
  w.begin_object();
  w.key("seed_id").string(x.seed_id);
  w.key("points");
  write_strings(w, x.points);
  w.end_object();
  return w.take();
}

namespace {

/// Reads an array of strings at `key` of `obj` into `out`.
std::optional<problem> read_strings(simdjson::dom::object obj,
                                    std::string_view key,
                                    std::vector<std::string>& out,
                                    std::string_view where) {
  simdjson::dom::array arr;
  if (obj[key].get(arr) != simdjson::SUCCESS)
    return problem{"bad_record",
                   fmt::format("'{}' must be an array of strings", key),
                   std::string{where}};
  for (auto el : arr) {
    std::string_view s;
    if (el.get(s) != simdjson::SUCCESS)
      return problem{"bad_record",
                     fmt::format("'{}' must hold strings only", key),
                     std::string{where}};
    out.emplace_back(s);
  }
  return std::nullopt;
}

} // namespace

result<kp_list> parse_kp_list_line(std::string_view line,
                                   std::string_view where) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded{line};
  simdjson::dom::object obj;
  if (parser.parse(padded).get(obj) != simdjson::SUCCESS)
    return make_problem("bad_record", "not a JSON object", std::string{where});
  kp_list result;
  std::string_view id;
  if (obj["seed_id"].get(id) != simdjson::SUCCESS)
    return make_problem("bad_record", "missing string 'seed_id'",
                        std::string{where});
  result.seed_id = std::string{id};
  if (auto p = read_strings(obj, "points", result.points, where))
    return *p;
  return result;
}

result<item_record> parse_item_line(std::string_view line,
                                    std::string_view where) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded{line};
  simdjson::dom::object obj;
  if (parser.parse(padded).get(obj) != simdjson::SUCCESS)
    return make_problem("bad_record", "not a JSON object", std::string{where});
  item_record x;
  std::string_view s;
  auto need = [&](std::string_view key,
                  std::string& out) -> std::optional<problem> {
    if (obj[key].get(s) != simdjson::SUCCESS)
      return problem{"bad_record", fmt::format("missing string '{}'", key),
                     std::string{where}};
    out = std::string{s};
    return std::nullopt;
  };
  std::string status;
  for (auto [key, out] :
       {std::pair{"id", &x.id}, std::pair{"problem", &x.problem},
        std::pair{"status", &status}})
    if (auto p = need(key, *out))
      return *p;
  if (status == "accepted")
    x.status = item_status::accepted;
  else if (status == "rejected")
    x.status = item_status::rejected;
  else if (status == "failed")
    x.status = item_status::failed;
  else
    return make_problem("bad_record", "unknown status '" + status + "'",
                        std::string{where});
  double score = 0;
  if (obj["problem_score"].get(score) == simdjson::SUCCESS)
    x.problem_score = score;
  simdjson::dom::object comb;
  if (obj["combination"].get(comb) == simdjson::SUCCESS) {
    if (comb["kind"].get(s) == simdjson::SUCCESS) {
      for (auto k : {combination_kind::one_hop, combination_kind::two_hop,
                     combination_kind::three_hop, combination_kind::community,
                     combination_kind::cooccurrence})
        if (s == to_string(k))
          x.origin.kind = k;
    }
    read_strings(comb, "knowledge_points", x.origin.points, where);
    read_strings(comb, "seed_ids", x.origin.seed_ids, where);
  }
  x.origin.id = x.id;
  if (obj["answer"].get(s) == simdjson::SUCCESS) {
    solution sol;
    sol.answer = std::string{s};
    if (obj["solution"].get(s) == simdjson::SUCCESS)
      sol.text = std::string{s};
    x.solutions.push_back(std::move(sol));
  }
  return x;
}

result<jsonl_scan> scan_jsonl(const std::filesystem::path& file,
                              std::string_view key) {
  jsonl_scan scan;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    return scan;
  std::ifstream in{file, std::ios::binary};
  if (!in)
    return make_problem("io_error", "cannot read", file.string());
  std::string line;
  uint64_t good_bytes = 0;
  simdjson::dom::parser parser;
  while (std::getline(in, line)) {
    bool complete = !in.eof(); // getline stopped at a newline
    if (!complete) {
      // A torn last line from a crash mid-write: cut it off below.
      scan.truncated_bytes = line.size();
      break;
    }
    ++scan.lines;
    good_bytes += line.size() + 1;
    simdjson::padded_string padded{line};
    simdjson::dom::object obj;
    std::string_view id;
    if (parser.parse(padded).get(obj) != simdjson::SUCCESS
        || obj[key].get(id) != simdjson::SUCCESS)
      return make_problem("bad_record",
                          fmt::format("line is not a record with '{}'", key),
                          fmt::format("{}:{}", file.string(), scan.lines));
    scan.ids.emplace(id);
  }
  in.close();
  if (scan.truncated_bytes > 0) {
    std::filesystem::resize_file(file, good_bytes, ec);
    if (ec)
      return make_problem("io_error",
                          "cannot cut off a torn last line: " + ec.message(),
                          file.string());
  }
  return scan;
}

result<std::unordered_map<std::string, kp_list>>
load_kp_journal(const std::filesystem::path& file) {
  std::unordered_map<std::string, kp_list> result;
  auto scan = scan_jsonl(file, "seed_id"); // Also repairs a torn tail.
  if (!scan)
    return scan.error();
  std::ifstream in{file, std::ios::binary};
  std::string line;
  uint64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto x = parse_kp_list_line(line, fmt::format("{}:{}", file.string(), n));
    if (!x)
      return x.error();
    auto id = x->seed_id;
    result[id] = std::move(*x);
  }
  return result;
}

} // namespace kpsynth
