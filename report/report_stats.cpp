#include "report/report_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

namespace kpsynth::quality {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

void count(status_counts& c, const std::string& status) {
  ++c.total;
  if (status == "accepted")
    ++c.accepted;
  else if (status == "rejected")
    ++c.rejected;
  else
    ++c.failed;
}

/// Rows of a loss map, most items lost first, then by name.
std::vector<loss_row> sorted_losses(std::vector<loss_row> rows) {
  std::sort(rows.begin(), rows.end(), [](const loss_row& a, const loss_row& b) {
    auto na = a.rejected + a.failed;
    auto nb = b.rejected + b.failed;
    if (na != nb)
      return na > nb;
    return std::tie(a.stage, a.code) < std::tie(b.stage, b.code);
  });
  return rows;
}

} // namespace

double status_counts::acceptance() const {
  return total == 0
           ? nan
           : static_cast<double>(accepted) / static_cast<double>(total);
}

double percentile(const std::vector<double>& v, double p) {
  if (v.empty())
    return nan;
  auto rank = static_cast<std::size_t>(
    std::ceil(p / 100.0 * static_cast<double>(v.size())));
  rank = std::clamp<std::size_t>(rank, 1, v.size());
  return v[rank - 1];
}

void run_tally::add(const run_item& x) {
  count(items_, x.status);
  count(kinds_[x.kind], x.status);
  count(difficulty_[x.difficulty.empty() ? "unknown" : x.difficulty], x.status);
  if (x.status != "accepted") {
    auto& l = losses_[{x.why_stage.empty() ? "unknown" : x.why_stage,
                       x.why_code.empty() ? "unknown" : x.why_code}];
    (x.status == "rejected" ? l.first : l.second) += 1;
  }
  prompt_tokens_ += x.prompt_tokens;
  completion_tokens_ += x.completion_tokens;
  for (auto& c : x.trace) {
    auto& st = stages_[c.stage];
    st.latency_ms.push_back(static_cast<float>(c.latency_ms));
    st.sum_ms += c.latency_ms;
    st.retries += c.attempts > 0 ? c.attempts - 1 : 0;
    auto& m = models_[c.model];
    m.model = c.model;
    ++m.calls;
    m.prompt_tokens += c.prompt_tokens;
    m.completion_tokens += c.completion_tokens;
  }
  // The panel decided this item if it was accepted or rejected by judges.
  bool decided = x.status == "accepted"
                 || (x.status == "rejected" && x.why_stage == "judge");
  std::vector<std::pair<const std::string*, bool>> verdicts;
  for (auto& v : x.votes) {
    auto& j = judges_[v.judge];
    j.row.judge = v.judge;
    if (v.abstained) {
      ++j.row.abstained;
      continue;
    }
    ++j.row.votes;
    j.score_sum += v.problem_score;
    bool pass = v.problem_score >= threshold_;
    j.row.problem_pass += pass ? 1 : 0;
    j.row.solution_ok += v.solution_ok ? 1 : 0;
    bool accepts = pass && v.solution_ok;
    if (decided) {
      ++j.row.decided;
      j.row.agree_with_panel += accepts == (x.status == "accepted") ? 1 : 0;
    }
    verdicts.emplace_back(&v.judge, accepts);
  }
  std::sort(verdicts.begin(), verdicts.end(),
            [](auto& a, auto& b) { return *a.first < *b.first; });
  for (std::size_t i = 0; i < verdicts.size(); ++i)
    for (std::size_t k = i + 1; k < verdicts.size(); ++k) {
      if (*verdicts[i].first == *verdicts[k].first)
        continue; // one judge twice: not a pair
      auto& p = pairs_[{*verdicts[i].first, *verdicts[k].first}];
      ++p.both;
      p.agree += verdicts[i].second == verdicts[k].second ? 1 : 0;
      p.a_accepts += verdicts[i].second ? 1 : 0;
      p.b_accepts += verdicts[k].second ? 1 : 0;
    }
}

void run_tally::add_seeds(const std::vector<run_seed>& seeds) {
  for (auto& s : seeds) {
    ++seeds_;
    if (s.extracted)
      ++seeds_extracted_;
    else
      ++seed_losses_[{s.why_stage.empty() ? "unknown" : s.why_stage,
                      s.why_code.empty() ? "unknown" : s.why_code}];
  }
}

void run_tally::finish(report_summary& s) const {
  s.items = items_;
  s.seeds = seeds_;
  s.seeds_extracted = seeds_extracted_;
  s.seeds_failed = seeds_ - seeds_extracted_;
  s.expansion_ratio = seeds_extracted_ == 0
                        ? nan
                        : static_cast<double>(items_.accepted)
                            / static_cast<double>(seeds_extracted_);
  s.kinds.clear();
  for (auto& [name, c] : kinds_)
    s.kinds.push_back({name, c});
  // Difficulty in its natural order, unknown last, other labels after.
  s.difficulty.clear();
  for (auto name : {"easy", "medium", "hard", "unknown"})
    if (auto it = difficulty_.find(name); it != difficulty_.end())
      s.difficulty.push_back({name, it->second});
  for (auto& [name, c] : difficulty_)
    if (name != "easy" && name != "medium" && name != "hard"
        && name != "unknown")
      s.difficulty.push_back({name, c});
  std::vector<loss_row> rows;
  std::map<std::string, loss_row> per_stage;
  for (auto& [key, n] : losses_) {
    rows.push_back({key.first, key.second, n.first, n.second});
    auto& st = per_stage[key.first];
    st.stage = key.first;
    st.rejected += n.first;
    st.failed += n.second;
  }
  s.losses = sorted_losses(std::move(rows));
  rows.clear();
  for (auto& [name, row] : per_stage)
    rows.push_back(row);
  s.stage_losses = sorted_losses(std::move(rows));
  rows.clear();
  for (auto& [key, n] : seed_losses_)
    rows.push_back({key.first, key.second, 0, n});
  s.seed_losses = sorted_losses(std::move(rows));
  s.latency.clear();
  for (auto& [stage, st] : stages_) {
    std::vector<double> v(st.latency_ms.begin(), st.latency_ms.end());
    std::sort(v.begin(), v.end());
    latency_row r;
    r.stage = stage;
    r.calls = v.size();
    r.retries = st.retries;
    r.p50_ms = percentile(v, 50);
    r.p99_ms = percentile(v, 99);
    r.mean_ms = v.empty() ? nan : st.sum_ms / static_cast<double>(v.size());
    r.max_ms = v.empty() ? nan : v.back();
    s.latency.push_back(r);
  }
  s.models.clear();
  for (auto& [name, m] : models_)
    s.models.push_back(m);
  s.prompt_tokens = prompt_tokens_;
  s.completion_tokens = completion_tokens_;
  s.judges.clear();
  for (auto& [name, j] : judges_) {
    auto row = j.row;
    row.mean_score =
      row.votes == 0 ? nan : j.score_sum / static_cast<double>(row.votes);
    s.judges.push_back(row);
  }
  s.judge_pairs.clear();
  for (auto& [key, p] : pairs_) {
    judge_pair_row r{key.first, key.second, p.both, p.agree, nan};
    if (p.both > 0) {
      auto n = static_cast<double>(p.both);
      auto po = static_cast<double>(p.agree) / n;
      auto pa = static_cast<double>(p.a_accepts) / n;
      auto pb = static_cast<double>(p.b_accepts) / n;
      auto pe = pa * pb + (1 - pa) * (1 - pb);
      if (pe < 1)
        r.kappa = (po - pe) / (1 - pe);
    }
    s.judge_pairs.push_back(r);
  }
}

} // namespace kpsynth::quality
