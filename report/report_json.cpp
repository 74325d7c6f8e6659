#include "core/json.hpp"
#include "report/report_summary.hpp"

#include <cmath>

namespace kpsynth::quality {

namespace {

using core::json_writer;

void write_counts(json_writer& w, const status_counts& c) {
  w.begin_object();
  w.key("total").number(c.total);
  w.key("accepted").number(c.accepted);
  w.key("rejected").number(c.rejected);
  w.key("failed").number(c.failed);
  w.key("acceptance").number(c.acceptance());
  w.end_object();
}

void write_named(json_writer& w, const std::vector<named_counts>& xs) {
  w.begin_array();
  for (auto& x : xs) {
    w.begin_object();
    w.key("name").string(x.name);
    w.key("counts");
    write_counts(w, x.counts);
    w.end_object();
  }
  w.end_array();
}

void write_losses(json_writer& w, const std::vector<loss_row>& xs,
                  bool with_code) {
  w.begin_array();
  for (auto& x : xs) {
    w.begin_object();
    w.key("stage").string(x.stage);
    if (with_code)
      w.key("code").string(x.code);
    w.key("rejected").number(x.rejected);
    w.key("failed").number(x.failed);
    w.end_object();
  }
  w.end_array();
}

void write_cost(json_writer& w, const report_summary& s) {
  auto& c = s.cost;
  w.begin_object();
  w.key("gpu");
  if (c.gpu_priced) {
    w.begin_object();
    w.key("gpu_hours").number(c.gpu_hours);
    w.key("dollars").number(c.gpu_dollars);
    w.key("dollars_per_accepted").number(c.gpu_per_accepted);
    w.end_object();
  } else {
    w.null();
  }
  w.key("tokens");
  if (c.token_priced) {
    w.begin_object();
    w.key("dollars").number(c.token_dollars);
    w.key("dollars_per_accepted").number(c.token_per_accepted);
    w.end_object();
  } else {
    w.null();
  }
  w.end_object();
}

void write_judges(json_writer& w, const report_summary& s) {
  w.key("judges").begin_array();
  for (auto& j : s.judges) {
    w.begin_object();
    w.key("judge").string(j.judge);
    w.key("votes").number(j.votes);
    w.key("abstained").number(j.abstained);
    w.key("mean_score").number(j.mean_score);
    w.key("problem_pass").number(j.problem_pass);
    w.key("solution_ok").number(j.solution_ok);
    w.key("decided").number(j.decided);
    w.key("agree_with_panel").number(j.agree_with_panel);
    w.end_object();
  }
  w.end_array();
  w.key("judge_pairs").begin_array();
  for (auto& p : s.judge_pairs) {
    w.begin_object();
    w.key("a").string(p.a);
    w.key("b").string(p.b);
    w.key("both").number(p.both);
    w.key("agree").number(p.agree);
    w.key("kappa").number(p.kappa);
    w.end_object();
  }
  w.end_array();
}

void write_similarity(json_writer& w, const similarity_summary& x) {
  w.begin_object();
  w.key("computed").boolean(x.computed);
  w.key("note").string(x.note);
  w.key("items").number(x.items);
  w.key("seeds").number(x.seeds);
  w.key("histogram").begin_array();
  for (auto n : x.histogram)
    w.number(n);
  w.end_array();
  w.key("mean").number(x.computed ? x.mean : std::nan(""));
  w.key("median").number(x.computed ? x.median : std::nan(""));
  w.key("p90").number(x.computed ? x.p90 : std::nan(""));
  w.key("max").number(x.computed ? x.max : std::nan(""));
  w.key("above_0_9").number(x.above_0_9);
  w.key("closest").begin_array();
  for (auto& c : x.closest) {
    w.begin_object();
    w.key("item_id").string(c.item_id);
    w.key("seed_id").string(c.seed_id);
    w.key("similarity").number(c.similarity);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

void write_diversity(json_writer& w, const diversity_summary& x) {
  w.begin_object();
  w.key("computed").boolean(x.computed);
  w.key("note").string(x.note);
  w.key("population").number(x.population);
  w.key("sample").number(x.sample);
  w.key("min_pts").number(x.min_pts);
  w.key("eps").number(x.computed ? x.eps : std::nan(""));
  w.key("knee_index").number(x.knee);
  w.key("clusters").number(x.clusters);
  w.key("noise").number(x.noise);
  w.key("largest_clusters").begin_array();
  for (auto& c : x.largest) {
    w.begin_object();
    w.key("size").number(c.size);
    w.key("example_id").string(c.example_id);
    w.end_object();
  }
  w.end_array();
  w.key("k_distances").begin_array();
  for (auto d : x.k_curve)
    w.number(d);
  w.end_array();
  w.end_object();
}

} // namespace

std::string to_json(const report_summary& s) {
  json_writer w;
  w.begin_object();
  w.key("run_dir").string(s.run_dir);
  w.key("embedding").string(s.embedding);
  w.key("accept_threshold").number(s.accept_threshold);
  w.key("torn_lines").number(s.torn_lines);
  w.key("items");
  write_counts(w, s.items);
  w.key("seeds").begin_object();
  w.key("total").number(s.seeds);
  w.key("extracted").number(s.seeds_extracted);
  w.key("failed").number(s.seeds_failed);
  w.end_object();
  w.key("expansion_ratio").number(s.expansion_ratio);
  w.key("by_kind");
  write_named(w, s.kinds);
  w.key("by_difficulty");
  write_named(w, s.difficulty);
  w.key("losses_by_stage");
  write_losses(w, s.stage_losses, false);
  w.key("losses");
  write_losses(w, s.losses, true);
  w.key("seed_losses");
  write_losses(w, s.seed_losses, true);
  w.key("latency").begin_array();
  for (auto& l : s.latency) {
    w.begin_object();
    w.key("stage").string(l.stage);
    w.key("calls").number(l.calls);
    w.key("retries").number(l.retries);
    w.key("p50_ms").number(l.p50_ms);
    w.key("p99_ms").number(l.p99_ms);
    w.key("mean_ms").number(l.mean_ms);
    w.key("max_ms").number(l.max_ms);
    w.end_object();
  }
  w.end_array();
  w.key("tokens").begin_object();
  w.key("prompt").number(s.prompt_tokens);
  w.key("completion").number(s.completion_tokens);
  w.key("by_model").begin_array();
  for (auto& m : s.models) {
    w.begin_object();
    w.key("model").string(m.model);
    w.key("calls").number(m.calls);
    w.key("prompt_tokens").number(m.prompt_tokens);
    w.key("completion_tokens").number(m.completion_tokens);
    w.key("dollars").number(m.dollars);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  w.key("cost");
  write_cost(w, s);
  write_judges(w, s);
  w.key("seed_similarity");
  write_similarity(w, s.similarity);
  w.key("diversity");
  write_diversity(w, s.diversity);
  w.end_object();
  return w.take();
}

} // namespace kpsynth::quality
