#include "calibration/calibrate_sim.hpp"

#include "core/llm_output.hpp"
#include "report/report_run.hpp"

#include <fmt/format.h>

#include <charconv>
#include <set>

namespace kpsynth::quality {

namespace {

/// The name of the perfect judge that decides reference labels. It only
/// needs to differ from every real judge: decisions are keyed by model.
constexpr const char* oracle_name = "kpsynth-calibrate-oracle";

bool parse_number(std::string_view s, double& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

} // namespace

result<judge_spec> parse_judge_spec(std::string_view arg) {
  auto bad = [&](std::string why) {
    return make_problem("bad_value",
                        fmt::format("judge '{}': {} (expected "
                                    "name=accuracy[:bias])",
                                    arg, why),
                        "--judge");
  };
  auto eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return bad("no name");
  judge_spec j;
  j.name = std::string{arg.substr(0, eq)};
  auto rest = arg.substr(eq + 1);
  auto colon = rest.find(':');
  if (!parse_number(rest.substr(0, colon), j.accuracy) || j.accuracy < 0
      || j.accuracy > 1)
    return bad("accuracy must be a number within 0..1");
  if (colon != std::string_view::npos
      && (!parse_number(rest.substr(colon + 1), j.bias) || j.bias < -1
          || j.bias > 1))
    return bad("bias must be a number within -1..1");
  return j;
}

result<simulated_panel> simulated_panel::make(std::vector<judge_spec> judges,
                                              const sim_judging_options& o) {
  simulated_panel p;
  auto pack = core::load_prompt_pack(o.prompts);
  if (!pack)
    return pack.error();
  p.pack_ = std::move(*pack);
  sim::responder_options ro;
  ro.seed = o.seed;
  std::set<std::string> names;
  for (auto& j : judges) {
    if (j.name == oracle_name)
      return make_problem("bad_value", "judge name is reserved", j.name);
    if (!names.insert(j.name).second)
      return make_problem("bad_value",
                          fmt::format("judge '{}' is given twice", j.name),
                          "--judge");
    ro.judges[j.name] = sim::judge_profile{j.accuracy, j.bias};
  }
  ro.judges[oracle_name] = sim::judge_profile{1.0, 0.0};
  p.responder_ = sim::responder{ro};
  p.judges_ = std::move(judges);
  return p;
}

result<std::string>
simulated_panel::ask(const std::string& model, const std::string& kind,
                     const std::map<std::string, std::string>& values) const {
  openai::chat_request req;
  req.model = model;
  auto sys = pack_.system_message(kind);
  if (!sys.empty())
    req.messages.push_back({"system", std::string{sys}});
  auto text = pack_.render(kind, values);
  if (!text)
    return text.error();
  req.messages.push_back({"user", std::move(*text)});
  req.params.temperature = pack_.sampling(kind).temperature;
  req.params.max_tokens = pack_.sampling(kind).max_tokens;
  return responder_.respond(req, 0).text;
}

result<judge_vote> simulated_panel::vote(const judge_spec& judge,
                                         const labelled_item& item) const {
  auto where =
    fmt::format("{} (item '{}', judge '{}')", item.origin, item.id, judge.name);
  auto on_problem =
    ask(judge.name, "judge_problem", {{"problem", item.problem}});
  if (!on_problem)
    return on_problem.error();
  auto score = core::parse_score(*on_problem);
  if (!score)
    return make_problem(score.error().code, score.error().to_string(), where);
  auto on_solution =
    ask(judge.name, "judge_solution",
        {{"problem", item.problem}, {"solution", item.solution}});
  if (!on_solution)
    return on_solution.error();
  auto ok = core::parse_verdict(*on_solution);
  if (!ok)
    return make_problem(ok.error().code, ok.error().to_string(), where);
  return judge_vote{item.id, judge.name, score->value, *ok, "simulated"};
}

result<std::vector<judge_vote>>
simulated_panel::votes(const std::vector<labelled_item>& items) const {
  std::vector<judge_vote> out;
  out.reserve(items.size() * judges_.size());
  for (auto& j : judges_)
    for (auto& x : items) {
      auto v = vote(j, x);
      if (!v)
        return v.error();
      out.push_back(std::move(*v));
    }
  return out;
}

std::optional<bool> simulated_panel::label(std::string_view problem,
                                           std::string_view answer) const {
  auto t = responder_.truth_of(problem);
  if (!t.known)
    return std::nullopt;
  if (!t.sound || answer.empty())
    return false;
  // The perfect judge accepts a solution exactly when its boxed answer
  // equals the truth by the simulator's own comparison.
  auto verdict = ask(oracle_name, "judge_solution",
                     {{"problem", std::string{problem}},
                      {"solution", "The final answer is $\\boxed{"
                                     + std::string{answer} + "}$."}});
  if (!verdict)
    return std::nullopt;
  auto ok = core::parse_verdict(*verdict);
  return ok ? std::optional<bool>{*ok} : std::nullopt;
}

result<run_labels> labels_from_run(const std::filesystem::path& run_dir,
                                   const simulated_panel& panel) {
  run_labels out;
  auto stats = for_each_run_item(run_dir, [&](run_item&& x) {
    if (x.solution.empty() || x.answer.empty()) {
      ++out.without_solution;
      return;
    }
    auto label = panel.label(x.problem, x.answer);
    if (!label) {
      ++out.unknown;
      return;
    }
    out.items.push_back({std::move(x.id), std::move(x.problem),
                         std::move(x.solution), *label, x.origin});
  });
  if (!stats)
    return stats.error();
  if (out.items.empty())
    return make_problem(
      "no_ground_truth",
      fmt::format("no item could be labelled ({} without a solution, {} "
                  "unknown to the simulator): labels can only be built "
                  "from a simulated run",
                  out.without_solution, out.unknown),
      (run_dir / "items.jsonl").string());
  return out;
}

} // namespace kpsynth::quality
