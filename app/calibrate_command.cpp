// `kpsynth panel calibrate`: gathers a labelled set and judge votes (from
// files, from a simulated run, or from simulated judges), scores every panel
// and prints the table with the recommendation.

#include "app/quality_commands.hpp"
#include "calibration/calibrate.hpp"
#include "calibration/calibrate_io.hpp"
#include "calibration/calibrate_sim.hpp"
#include "report/report_run.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <optional>

namespace kpsynth::app {

namespace {

int fail(const problem& p) {
  fmt::print(stderr, "kpsynth panel calibrate: {}\n", p.to_string());
  return 1;
}

result<std::map<std::string, double>>
parse_weights(const std::vector<std::string>& args) {
  std::map<std::string, double> out;
  for (auto& a : args) {
    auto eq = a.find('=');
    double w = 0;
    auto text =
      std::string_view{a}.substr(eq == std::string::npos ? 0 : eq + 1);
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), w);
    if (eq == std::string::npos || eq == 0 || ec != std::errc{}
        || p != text.data() + text.size() || !(w > 0))
      return make_problem("bad_value",
                          fmt::format("weight '{}': expected name=weight with "
                                      "a positive weight",
                                      a),
                          "--weight");
    out[a.substr(0, eq)] = w;
  }
  return out;
}

/// The labelled set: from a simulated run (written out if asked) or a file.
result<std::vector<quality::labelled_item>>
labelled_items(const panel_calibrate_options& o,
               const std::optional<quality::simulated_panel>& panel) {
  if (!o.from_run.empty()) {
    auto l = quality::labels_from_run(o.from_run, *panel);
    if (!l)
      return (l.error());
    fmt::print("labelled {} items of {} from the simulator's ground truth "
               "({} without a solution, {} unknown)\n",
               l->items.size(), o.from_run, l->without_solution, l->unknown);
    if (!o.write_labels.empty()) {
      if (auto p = quality::write_text_file(o.write_labels,
                                            quality::to_jsonl(l->items)))
        return (*p);
      fmt::print("labelled set: {}\n", o.write_labels);
    }
    return std::move(l->items);
  } else if (!o.labels.empty()) {
    auto l = quality::load_labelled_items(o.labels);
    if (!l)
      return (l.error());
    return std::move(*l);
  } else {
    return (make_problem("bad_option",
                         "no labelled set: give --labels or --from-run",
                         "--labels"));
  }
}

/// The votes: from a file, simulated judges, or the run's own verdicts.
result<std::vector<quality::judge_vote>>
judge_votes(const panel_calibrate_options& o,
            const std::vector<quality::judge_spec>& specs,
            std::optional<quality::simulated_panel>& panel,
            const std::vector<quality::labelled_item>& items) {
  if (!o.votes.empty()) {
    auto v = quality::load_votes(o.votes);
    if (!v)
      return (v.error());
    return std::move(*v);
  } else if (!specs.empty()) {
    auto v = panel->votes(items);
    if (!v)
      return (v.error());
    fmt::print("simulated {} votes of {} judges (seed {})\n", v->size(),
               specs.size(), o.sim_seed);
    return std::move(*v);
  } else if (!o.from_run.empty()) {
    auto v = quality::votes_from_run(o.from_run);
    if (!v)
      return (v.error());
    fmt::print("using the run's own {} verdicts\n", v->size());
    return std::move(*v);
  } else {
    return (make_problem("bad_option",
                         "no votes: give --votes, simulated --judge "
                         "profiles, or --from-run",
                         "--votes"));
  }
}

} // namespace

int panel_calibrate_command(const panel_calibrate_options& o) {
  if (!(o.threshold >= 0 && o.threshold <= 1))
    return fail(
      make_problem("bad_value", "must be within 0..1", "--threshold"));
  if (!(o.target_precision >= 0 && o.target_precision <= 1))
    return fail(
      make_problem("bad_value", "must be within 0..1", "--target-precision"));
  std::vector<quality::judge_spec> specs;
  for (auto& arg : o.judges) {
    auto j = quality::parse_judge_spec(arg);
    if (!j)
      return fail(j.error());
    specs.push_back(std::move(*j));
  }
  if (!o.votes.empty() && !specs.empty())
    return fail(make_problem("bad_option",
                             "give either --votes or simulated --judge "
                             "profiles, not both",
                             "--votes"));
  std::optional<quality::simulated_panel> panel;
  if (!specs.empty() || !o.from_run.empty()) {
    auto p = quality::simulated_panel::make(specs, {o.sim_seed, o.prompts});
    if (!p)
      return fail(p.error());
    panel.emplace(std::move(*p));
  }
  auto items = labelled_items(o, panel);
  if (!items)
    return fail(items.error());
  auto votes = judge_votes(o, specs, panel, *items);
  if (!votes)
    return fail(votes.error());
  if (!o.write_votes.empty()) {
    if (auto p =
          quality::write_text_file(o.write_votes, quality::to_jsonl(*votes)))
      return fail(*p);
    fmt::print("votes:        {}\n", o.write_votes);
  }
  quality::calibration_options co;
  co.threshold = o.threshold;
  co.target_precision = o.target_precision;
  co.judges = o.only;
  if (co.judges.empty())
    for (auto& j : specs) // simulated judges: in the order given
      co.judges.push_back(j.name);
  auto weights = parse_weights(o.weights);
  if (!weights)
    return fail(weights.error());
  co.weights = std::move(*weights);
  auto set = quality::build_calibration_set(std::move(*items), *votes, co);
  if (!set)
    return fail(set.error());
  auto r = quality::calibrate(*set, co);
  fmt::print("\n{}", quality::format_table(r, o.top));
  if (!o.json_out.empty()) {
    if (auto p =
          quality::write_text_file(o.json_out, quality::to_json(r) + "\n"))
      return fail(*p);
    fmt::print("result:       {}\n", o.json_out);
  }
  return 0;
}

} // namespace kpsynth::app
