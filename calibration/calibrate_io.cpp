#include "calibration/calibrate_io.hpp"

#include "core/json.hpp"
#include "report/report_run.hpp"

#include <fmt/format.h>

namespace kpsynth::quality {

namespace {

/// A required boolean member.
result<bool> need_bool(const core::json_value& v, std::string_view key) {
  auto m = v.at(key);
  if (!m)
    return m.error();
  return m->as_bool();
}

template<class T, class Parse>
result<std::vector<T>> load_lines(const std::filesystem::path& file,
                                  Parse&& parse) {
  std::vector<T> out;
  std::string where;
  auto name = file.string();
  auto stats = for_each_jsonl_line(
    file, [&](uint64_t line, std::string_view text) -> std::optional<problem> {
      where = fmt::format("{}:{}", name, line);
      return parse(text, where, out);
    });
  if (!stats)
    return stats.error();
  if (stats->torn_lines > 0)
    return make_problem("bad_json", "last line is cut off (no newline)", name);
  return out;
}

} // namespace

result<labelled_item> parse_labelled_item(std::string_view line,
                                          std::string_view where) {
  core::json_parser parser;
  auto doc = parser.parse(line, where, true);
  if (!doc)
    return doc.error();
  labelled_item x;
  for (auto [key, dst] :
       {std::pair{"id", &x.id}, std::pair{"problem", &x.problem}}) {
    auto s = doc->get_string(key);
    if (!s)
      return s.error();
    dst->assign(*s);
  }
  auto solution = doc->get_string_or("solution", "");
  if (!solution)
    return solution.error();
  x.solution.assign(*solution);
  auto label = need_bool(*doc, "label");
  if (!label)
    return label.error();
  x.label = *label;
  x.origin = std::string{where};
  return x;
}

result<std::optional<judge_vote>> parse_vote(std::string_view line,
                                             std::string_view where) {
  core::json_parser parser;
  auto doc = parser.parse(line, where, true);
  if (!doc)
    return doc.error();
  judge_vote v;
  for (auto [key, dst] :
       {std::pair{"id", &v.id}, std::pair{"judge", &v.judge}}) {
    auto s = doc->get_string(key);
    if (!s)
      return s.error();
    dst->assign(*s);
  }
  auto abstained = doc->get_bool_or("abstained", false);
  if (!abstained)
    return abstained.error();
  if (*abstained)
    return std::optional<judge_vote>{};
  auto score = doc->get_double("problem_score");
  if (!score)
    return score.error();
  if (!(*score >= 0 && *score <= 1))
    return doc->at("problem_score")->error("must be within 0..1");
  auto ok = need_bool(*doc, "solution_ok");
  if (!ok)
    return ok.error();
  v.problem_score = *score;
  v.solution_ok = *ok;
  v.origin = std::string{where};
  return std::optional<judge_vote>{std::move(v)};
}

result<std::vector<labelled_item>>
load_labelled_items(const std::filesystem::path& file) {
  return load_lines<labelled_item>(
    file,
    [](std::string_view text, const std::string& where,
       std::vector<labelled_item>& out) -> std::optional<problem> {
      auto x = parse_labelled_item(text, where);
      if (!x)
        return x.error();
      out.push_back(std::move(*x));
      return std::nullopt;
    });
}

result<std::vector<judge_vote>> load_votes(const std::filesystem::path& file) {
  return load_lines<judge_vote>(
    file,
    [](std::string_view text, const std::string& where,
       std::vector<judge_vote>& out) -> std::optional<problem> {
      auto x = parse_vote(text, where);
      if (!x)
        return x.error();
      if (*x)
        out.push_back(std::move(**x));
      return std::nullopt;
    });
}

result<std::vector<judge_vote>>
votes_from_run(const std::filesystem::path& run_dir) {
  std::vector<judge_vote> votes;
  auto stats = for_each_run_item(run_dir, [&](run_item&& x) {
    for (auto& v : x.votes)
      if (!v.abstained)
        votes.push_back(
          {x.id, v.judge, v.problem_score, v.solution_ok, x.origin});
  });
  if (!stats)
    return stats.error();
  return votes;
}

std::string to_jsonl(const std::vector<labelled_item>& items) {
  std::string out;
  core::json_writer w;
  for (auto& x : items) {
    w.clear();
    w.begin_object();
    w.key("id").string(x.id);
    w.key("problem").string(x.problem);
    w.key("solution").string(x.solution);
    w.key("label").boolean(x.label);
    w.end_object();
    out += w.str();
    out += '\n';
  }
  return out;
}

std::string to_jsonl(const std::vector<judge_vote>& votes) {
  std::string out;
  core::json_writer w;
  for (auto& v : votes) {
    w.clear();
    w.begin_object();
    w.key("id").string(v.id);
    w.key("judge").string(v.judge);
    w.key("problem_score").number(v.problem_score);
    w.key("solution_ok").boolean(v.solution_ok);
    w.end_object();
    out += w.str();
    out += '\n';
  }
  return out;
}

} // namespace kpsynth::quality
