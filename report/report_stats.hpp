#pragma once

// The streaming half of the report: counts, tokens, latencies and judge
// agreement, accumulated one item at a time so that a run of millions of
// items is read once with flat memory (only latencies are kept per call,
// as floats, because exact percentiles need them).

#include "report/report_run.hpp"
#include "report/report_summary.hpp"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace kpsynth::quality {

/// Accumulates the per-item figures of report_summary.
class run_tally {
 public:
  explicit run_tally(double accept_threshold) : threshold_(accept_threshold) {}

  /// Counts one item.
  void add(const run_item& x);

  /// Counts the seed outcomes of seeds.jsonl.
  void add_seeds(const std::vector<run_seed>& seeds);

  /// Writes items, seeds, expansion ratio, kinds, difficulty, losses,
  /// latency, models, tokens, judges and judge pairs into `s`.
  void finish(report_summary& s) const;

 private:
  struct stage_calls {
    std::vector<float> latency_ms;
    uint64_t retries = 0;
    double sum_ms = 0;
  };
  struct judge_tally {
    judge_row row;
    double score_sum = 0;
  };
  struct pair_tally {
    uint64_t both = 0;
    uint64_t agree = 0;
    uint64_t a_accepts = 0;
    uint64_t b_accepts = 0;
  };

  double threshold_;
  status_counts items_;
  uint64_t seeds_ = 0;
  uint64_t seeds_extracted_ = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> seed_losses_;
  std::map<std::string, status_counts> kinds_;
  std::map<std::string, status_counts> difficulty_;
  /// (stage, code) -> (rejected, failed).
  std::map<std::pair<std::string, std::string>, std::pair<uint64_t, uint64_t>>
    losses_;
  std::map<std::string, stage_calls> stages_;
  std::map<std::string, model_usage_row> models_;
  uint64_t prompt_tokens_ = 0;
  uint64_t completion_tokens_ = 0;
  std::map<std::string, judge_tally> judges_;
  std::map<std::pair<std::string, std::string>, pair_tally> pairs_;
};

} // namespace kpsynth::quality
