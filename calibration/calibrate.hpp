#pragma once

// Judge-panel calibration, after GSDP Table 4: given items with reference
// labels (good or not, per a strong model or people) and the votes of
// candidate judges, score every non-empty subset of the judges as a panel
// and recommend one. A panel keeps an item when the weighted mean of its
// judges' problem scores reaches the threshold and every judge accepts the
// solution (single-vote veto) - the rule the pipeline's panel applies
// (actors/panel.cpp), so the recommendation transfers to a run.
//
// Recommendation rule: among panels whose precision reaches the target,
// the one that keeps the most items; ties go to fewer judges. If no panel
// reaches the target, the most precise one (ties: more items kept, then
// fewer judges). Precision is what the dataset's users see; retention is
// what the GPUs paid for.

#include "core/result.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kpsynth::quality {

/// An item with its reference label.
struct labelled_item {
  std::string id;
  std::string problem;
  std::string solution;
  bool label = false; ///< True: the item is good.
  std::string origin; ///< "labels.jsonl:3", for messages.
};

/// One judge's vote on one item.
struct judge_vote {
  std::string id; ///< The item's id.
  std::string judge;
  double problem_score = 0; ///< 0..1.
  bool solution_ok = false;
  std::string origin; ///< "votes.jsonl:7" or "simulated".
};

/// How to calibrate.
struct calibration_options {
  double threshold = 0.85;        ///< Minimum weighted problem score.
  double target_precision = 0.94; ///< The recommendation rule's target.
  /// Candidate judges in display order; empty: every judge that voted,
  /// sorted by name. Votes of other judges are ignored.
  std::vector<std::string> judges;
  /// Weight per judge in the mean problem score; absent: 1.
  std::map<std::string, double> weights;
  /// 2^n - 1 panels are scored: 12 judges are 4,095 panels.
  std::size_t max_judges = 12;
};

/// A vote as stored for scoring.
struct stored_vote {
  double problem_score = 0;
  bool solution_ok = false;
};

/// Items, candidate judges and their votes, aligned for scoring.
struct calibration_set {
  std::vector<labelled_item> items;
  std::vector<std::string> judges;
  std::vector<double> weights; ///< Per judge.
  /// votes[judge][item]; nullopt where the judge did not vote (abstained).
  std::vector<std::vector<std::optional<stored_vote>>> votes;
  std::size_t ignored_votes = 0; ///< For items or judges not in the set.
};

/// Aligns votes with items. Errors: no items, a duplicate item id, a
/// duplicate vote (naming both places), a weight for a judge that is not a
/// candidate or not positive, more judges than allowed, no judges.
result<calibration_set>
build_calibration_set(std::vector<labelled_item> items,
                      const std::vector<judge_vote>& votes,
                      const calibration_options& opts);

/// The confusion counts and scores of one panel. Positive = kept.
struct panel_metrics {
  uint32_t mask = 0; ///< Bit j set: judge j is on the panel.
  std::vector<std::string> judges;
  uint64_t items = 0;
  uint64_t kept = 0;
  uint64_t tp = 0; ///< Kept and good.
  uint64_t fp = 0; ///< Kept but bad.
  uint64_t tn = 0; ///< Dropped and bad.
  uint64_t fn = 0; ///< Dropped but good.
  double accuracy = 0;
  double precision = 0; ///< NaN when nothing is kept.
  double recall = 0;    ///< NaN when there is no good item.
  double f1 = 0;        ///< NaN when precision or recall is.
  double retention = 0; ///< kept / items.
};

/// Whether the panel `mask` keeps item `i`: a judge that did not vote is
/// left out of the mean and the veto; with no vote at all the item is not
/// kept (the pipeline fails such items).
bool panel_keeps(const calibration_set& set, uint32_t mask, std::size_t i,
                 double threshold);

/// Scores one panel.
panel_metrics evaluate_panel(const calibration_set& set, uint32_t mask,
                             double threshold);

/// True if `a` ranks before `b` under the recommendation rule.
bool ranks_before(const panel_metrics& a, const panel_metrics& b,
                  double target_precision);

/// Every panel, sorted by the recommendation rule; the first is the
/// recommendation.
struct calibration_result {
  std::vector<panel_metrics> panels;
  bool target_met = false; ///< The first panel reaches the target.
  double target_precision = 0;
  double threshold = 0;
  uint64_t items = 0;
  uint64_t good = 0; ///< Items labelled good.
  std::size_t ignored_votes = 0;
  std::vector<std::string> judges;
  std::vector<double> weights;
};

/// Scores all 2^n - 1 panels of `set` and sorts them.
calibration_result calibrate(const calibration_set& set,
                             const calibration_options& opts);

/// An aligned text table (top `limit` rows, 0: all) with the recommendation
/// and the rule stated under it.
std::string format_table(const calibration_result& r, std::size_t limit = 0);

/// The recommendation in one sentence.
std::string recommendation_text(const calibration_result& r);

/// The whole result as one JSON object.
std::string to_json(const calibration_result& r);

} // namespace kpsynth::quality
