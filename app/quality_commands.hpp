#pragma once

// The dataset-quality subcommands of the `kpsynth` binary: `panel
// calibrate` (which judges to put on the panel) and `report` (what a run
// produced). CAF-free: they read files a run wrote and never start actors.
// Each returns the process exit code: 0 done, 1 bad input (the message on
// stderr names the file:line, field or option).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kpsynth::app {

/// `kpsynth panel calibrate`: scores every subset of candidate judges as a
/// panel against reference labels and recommends one (GSDP Table 4).
struct panel_calibrate_options {
  /// Labelled set, JSONL `{"id","problem","solution","label"}`. Needed
  /// unless `from_run` builds one.
  std::string labels;
  /// Judge votes, JSONL `{"id","judge","problem_score","solution_ok"}`.
  /// Empty: votes are simulated from `judges`, or else taken from the
  /// verdicts of `from_run`.
  std::string votes;
  /// Simulated judges "name=accuracy[:bias]"; votes come from the
  /// simulator's responder with the prompt pack's judge prompts.
  std::vector<std::string> judges;
  /// Restrict (and order) the candidate judges to these names; empty: all
  /// judges that voted.
  std::vector<std::string> only;
  /// Judge weights "name=weight" in the mean problem score (default 1).
  std::vector<std::string> weights;
  /// Minimum weighted mean problem score, as [run] accept_threshold.
  double threshold = 0.85;
  /// Precision the recommended panel must reach.
  double target_precision = 0.94;
  /// A simulated run directory: label its items with the simulator's
  /// ground truth (instead of `labels`).
  std::string from_run;
  /// Write the labelled set built from `from_run` here (JSONL).
  std::string write_labels;
  /// Write the votes that were scored (read, simulated or taken from the
  /// run) here as votes JSONL, e.g. to export a run's verdicts.
  std::string write_votes;
  /// Simulator seed ([simulator] seed of the run; decides judge votes).
  uint64_t sim_seed = 1;
  /// Prompt pack used to ask the simulated judges.
  std::string prompts = "prompts/math";
  /// JSON result file; empty: none.
  std::string json_out = "panel_calibration.json";
  /// Rows of the printed table (0: all panels).
  std::size_t top = 20;
};

/// Runs `kpsynth panel calibrate`.
int panel_calibrate_command(const panel_calibrate_options& opts);

/// `kpsynth report <output_dir>`: a self-contained HTML page and a JSON
/// summary of a run directory.
struct report_options {
  std::string run_dir; ///< The run's output_dir (items.jsonl, seeds.jsonl).
  /// HTML page; empty: `<run_dir>/report.html`.
  std::string html_out;
  /// JSON summary; empty: `<run_dir>/report.json`.
  std::string json_out;
  /// Seed problems for the similarity figure; empty: from `config`.
  std::string seeds;
  /// The run's configuration: its [run] seeds and accept_threshold are used
  /// where `seeds` / `accept_threshold` are not given.
  std::string config;
  /// Price table (TOML, see report/report_price.hpp).
  std::string prices;
  /// Dollars per GPU-hour; overrides the table's [gpu] dollars_per_hour.
  double gpu_hour_price = -1;
  double gpus = -1;       ///< GPU count; overrides [gpu] count.
  double wall_hours = -1; ///< The run's wall time; overrides [gpu].
  /// Token prices "model=prompt:completion" in dollars per million tokens
  /// ("*" for every other model); override the table's [tokens].
  std::vector<std::string> token_prices;
  /// Precomputed embeddings JSONL `{"id","embedding"}` of items and seeds;
  /// empty: the lexical TF-IDF embedding.
  std::string embeddings;
  /// Panel threshold for per-judge verdicts; < 0: from `config`, or 0.85.
  double accept_threshold = -1;
  std::size_t diversity_sample = 1000; ///< Problems clustered (max 5,000).
  std::size_t min_pts = 5;             ///< DBSCAN minPts (= k).
  /// Accepted items compared with the seeds; 0: all.
  std::size_t similarity_sample = 20000;
  uint64_t sample_seed = 1; ///< Seed of both uniform samples.
};

/// Runs `kpsynth report`.
int report_command(const report_options& opts);

} // namespace kpsynth::app
