#pragma once

// The numbers of `kpsynth report`: what a run produced, where it lost items,
// what it cost, how close its problems stay to the seeds and how diverse
// they are. analyse_run() computes them from a run directory; to_json()
// writes them; report_html.hpp draws them. Ratios that have no value (no
// seeds, nothing accepted) are NaN here and null in JSON, never 0.

#include "core/result.hpp"
#include "report/report_price.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace kpsynth::quality {

/// What to analyse and how.
struct report_config {
  std::filesystem::path run_dir; ///< Holds items.jsonl and seeds.jsonl.
  /// The seed problems (JSONL with id/problem/solution); empty: the seed
  /// similarity figure is skipped with a note.
  std::filesystem::path seeds;
  /// Precomputed embeddings `{id, embedding}` of items and seeds; empty:
  /// the lexical embedding (report_embed.hpp).
  std::filesystem::path embeddings;
  price_table prices;
  /// The panel's acceptance threshold, to tell a judge's own verdict.
  double accept_threshold = 0.85;
  /// Accepted problems clustered for the diversity figure (at most 5,000:
  /// the distance matrix is quadratic).
  std::size_t diversity_sample = 1000;
  std::size_t min_pts = 5; ///< DBSCAN minPts = k of the k-distance graph.
  /// Accepted problems compared with the seeds; 0: all of them.
  std::size_t similarity_sample = 20000;
  uint64_t sample_seed = 1;        ///< Makes both samples reproducible.
  std::size_t histogram_bins = 20; ///< Over cosine 0..1.
};

/// Item outcomes of one group.
struct status_counts {
  uint64_t total = 0;
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t failed = 0;
  double acceptance() const; ///< accepted / total; NaN if empty.
};

/// Outcomes of a named group (a combination kind, a difficulty).
struct named_counts {
  std::string name;
  status_counts counts;
};

/// Items lost at one stage (and code, when split by code).
struct loss_row {
  std::string stage;
  std::string code; ///< Empty in the per-stage totals.
  uint64_t rejected = 0;
  uint64_t failed = 0;
};

/// LLM calls of one stage, from the items' traces.
struct latency_row {
  std::string stage;
  uint64_t calls = 0;
  uint64_t retries = 0; ///< Sum of attempts - 1.
  double p50_ms = 0;    ///< Nearest-rank percentiles.
  double p99_ms = 0;
  double mean_ms = 0;
  double max_ms = 0;
};

/// Tokens of one model, from the items' traces.
struct model_usage_row {
  std::string model;
  uint64_t calls = 0;
  uint64_t prompt_tokens = 0;
  uint64_t completion_tokens = 0;
  double dollars = 0; ///< Token-priced cost; NaN when not priced.
};

/// Cost on each priced basis.
struct cost_summary {
  bool gpu_priced = false;
  double gpu_hours = 0; ///< GPUs x wall hours.
  double gpu_dollars = 0;
  double gpu_per_accepted = 0; ///< NaN when nothing was accepted.
  bool token_priced = false;
  double token_dollars = 0;
  double token_per_accepted = 0;
};

/// One judge's votes and how they relate to the panel's decision.
struct judge_row {
  std::string judge;
  uint64_t votes = 0; ///< Not abstained.
  uint64_t abstained = 0;
  double mean_score = 0;     ///< NaN without votes.
  uint64_t problem_pass = 0; ///< score >= accept_threshold.
  uint64_t solution_ok = 0;
  /// Items the panel decided (accepted, or rejected at the judge stage)
  /// that this judge voted on, and how many of them its own verdict
  /// (pass and ok) matched.
  uint64_t decided = 0;
  uint64_t agree_with_panel = 0;
};

/// Agreement of two judges on the items both voted on.
struct judge_pair_row {
  std::string a;
  std::string b;
  uint64_t both = 0;
  uint64_t agree = 0;
  double kappa = 0; ///< Cohen's kappa; NaN when undefined.
};

/// An accepted item and the seed closest to it.
struct similar_pair {
  std::string item_id;
  std::string item_problem;
  std::string seed_id;
  std::string seed_problem;
  double similarity = 0;
};

/// GSDP Appendix E: each accepted item's highest cosine to any seed.
struct similarity_summary {
  bool computed = false;
  std::string note;   ///< Why not computed, or how.
  uint64_t items = 0; ///< Accepted items compared.
  uint64_t seeds = 0;
  std::vector<uint64_t> histogram; ///< Equal bins over [0, 1].
  double mean = 0;
  double median = 0;
  double p90 = 0;
  double max = 0;
  uint64_t above_0_9 = 0;
  std::vector<similar_pair> closest; ///< The most similar few.
};

/// One DBSCAN cluster, for the largest few.
struct cluster_row {
  std::size_t size = 0;
  std::string example_id;
  std::string example_problem;
};

/// DBSCAN over a uniform sample of accepted problems.
struct diversity_summary {
  bool computed = false;
  std::string note;
  uint64_t population = 0; ///< Accepted items sampled from.
  uint64_t sample = 0;
  std::size_t min_pts = 0;
  double eps = 0; ///< Cosine distance (1 - cosine).
  std::size_t knee = 0;
  std::vector<double> k_curve; ///< Sorted k-distances.
  std::size_t clusters = 0;
  std::size_t noise = 0;
  std::vector<cluster_row> largest;
};

/// Everything the report shows.
struct report_summary {
  std::string run_dir;
  std::string embedding; ///< Which embedding the figures used, in words.
  double accept_threshold = 0.85;
  uint64_t torn_lines = 0; ///< Torn last lines skipped.
  status_counts items;
  uint64_t seeds = 0;
  uint64_t seeds_extracted = 0;
  uint64_t seeds_failed = 0;
  double expansion_ratio = 0; ///< accepted / seeds extracted; NaN if none.
  std::vector<named_counts> kinds;
  std::vector<named_counts> difficulty;
  std::vector<loss_row> stage_losses; ///< Per stage, most lost first.
  std::vector<loss_row> losses;       ///< Per stage and code.
  std::vector<loss_row> seed_losses;  ///< Seeds failed, per stage and code.
  std::vector<latency_row> latency;
  std::vector<model_usage_row> models;
  uint64_t prompt_tokens = 0; ///< From the items' usage.
  uint64_t completion_tokens = 0;
  cost_summary cost;
  std::vector<judge_row> judges;
  std::vector<judge_pair_row> judge_pairs;
  similarity_summary similarity;
  diversity_summary diversity;
};

/// Computes the summary. Fails on unreadable or malformed input (naming
/// file:line and field), a token price missing for a model of the run, or
/// an item or seed without a precomputed embedding when a table is given.
result<report_summary> analyse_run(const report_config& cfg);

/// The summary as one JSON object (pretty enough to diff: one key per line
/// is not attempted; use `jq`).
std::string to_json(const report_summary& s);

/// Nearest-rank percentile (p in (0, 100]) of ascending values; NaN if
/// empty.
double percentile(const std::vector<double>& ascending, double p);

} // namespace kpsynth::quality
