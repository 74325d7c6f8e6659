#include "calibration/calibrate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace kpsynth::quality {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::optional<problem> bad(std::string what, std::string where = {}) {
  return make_problem("bad_calibration", std::move(what), std::move(where));
}

} // namespace

result<calibration_set>
build_calibration_set(std::vector<labelled_item> items,
                      const std::vector<judge_vote>& votes,
                      const calibration_options& opts) {
  calibration_set set;
  if (items.empty())
    return *bad("the labelled set has no items");
  std::unordered_map<std::string, std::size_t> item_index;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto [it, fresh] = item_index.emplace(items[i].id, i);
    if (!fresh)
      return *bad(fmt::format("duplicate item id '{}' (first at {})",
                              items[i].id, items[it->second].origin),
                  items[i].origin);
  }
  set.judges = opts.judges;
  if (set.judges.empty()) {
    for (auto& v : votes)
      set.judges.push_back(v.judge);
    std::sort(set.judges.begin(), set.judges.end());
    set.judges.erase(std::unique(set.judges.begin(), set.judges.end()),
                     set.judges.end());
  }
  if (set.judges.empty())
    return *bad("no judge votes to calibrate");
  if (set.judges.size() > opts.max_judges)
    return *bad(fmt::format(
      "{} candidate judges give {} panels; at most {} "
      "judges are allowed (restrict them with --judge)",
      set.judges.size(),
      (uint64_t{1} << std::min<std::size_t>(set.judges.size(), 63)) - 1,
      opts.max_judges));
  std::unordered_map<std::string, std::size_t> judge_index;
  for (std::size_t j = 0; j < set.judges.size(); ++j)
    if (!judge_index.emplace(set.judges[j], j).second)
      return *bad(fmt::format("judge '{}' is listed twice", set.judges[j]));
  set.weights.assign(set.judges.size(), 1.0);
  for (auto& [name, w] : opts.weights) {
    auto it = judge_index.find(name);
    if (it == judge_index.end())
      return *bad(fmt::format("weight given for '{}', which is not a "
                              "candidate judge",
                              name));
    if (!(w > 0) || !std::isfinite(w))
      return *bad(fmt::format("weight of '{}' must be positive", name));
    set.weights[it->second] = w;
  }
  set.votes.assign(set.judges.size(),
                   std::vector<std::optional<stored_vote>>(items.size()));
  std::vector<std::vector<const judge_vote*>> seen(
    set.judges.size(), std::vector<const judge_vote*>(items.size()));
  for (auto& v : votes) {
    auto j = judge_index.find(v.judge);
    auto i = item_index.find(v.id);
    if (j == judge_index.end() || i == item_index.end()) {
      ++set.ignored_votes;
      continue;
    }
    auto& first = seen[j->second][i->second];
    if (first)
      return *bad(fmt::format("second vote of judge '{}' on item '{}' "
                              "(first at {})",
                              v.judge, v.id, first->origin),
                  v.origin);
    if (!(v.problem_score >= 0 && v.problem_score <= 1))
      return *bad(
        fmt::format("problem_score {} is outside 0..1", v.problem_score),
        v.origin);
    first = &v;
    set.votes[j->second][i->second] =
      stored_vote{v.problem_score, v.solution_ok};
  }
  set.items = std::move(items);
  return set;
}

bool panel_keeps(const calibration_set& set, uint32_t mask, std::size_t i,
                 double threshold) {
  double weighted = 0;
  double weights = 0;
  bool any = false;
  for (std::size_t j = 0; j < set.judges.size(); ++j) {
    if (!(mask & (uint32_t{1} << j)))
      continue;
    auto& v = set.votes[j][i];
    if (!v)
      continue;
    if (!v->solution_ok)
      return false; // single-vote veto
    any = true;
    weighted += set.weights[j] * v->problem_score;
    weights += set.weights[j];
  }
  return any && weighted / weights >= threshold;
}

panel_metrics evaluate_panel(const calibration_set& set, uint32_t mask,
                             double threshold) {
  panel_metrics m;
  m.mask = mask;
  for (std::size_t j = 0; j < set.judges.size(); ++j)
    if (mask & (uint32_t{1} << j))
      m.judges.push_back(set.judges[j]);
  m.items = set.items.size();
  for (std::size_t i = 0; i < set.items.size(); ++i) {
    bool kept = panel_keeps(set, mask, i, threshold);
    bool good = set.items[i].label;
    if (kept && good)
      ++m.tp;
    else if (kept)
      ++m.fp;
    else if (good)
      ++m.fn;
    else
      ++m.tn;
  }
  m.kept = m.tp + m.fp;
  auto ratio = [](uint64_t a, uint64_t b) {
    return b == 0 ? nan : static_cast<double>(a) / static_cast<double>(b);
  };
  m.accuracy = ratio(m.tp + m.tn, m.items);
  m.precision = ratio(m.tp, m.kept);
  m.recall = ratio(m.tp, m.tp + m.fn);
  m.retention = ratio(m.kept, m.items);
  if (std::isnan(m.precision) || std::isnan(m.recall))
    m.f1 = nan;
  else if (m.precision + m.recall == 0)
    m.f1 = 0;
  else
    m.f1 = 2 * m.precision * m.recall / (m.precision + m.recall);
  return m;
}

namespace {

bool meets(const panel_metrics& m, double target) {
  return !std::isnan(m.precision) && m.precision >= target;
}

/// Compares precisions exactly (tp/kept as fractions); NaN sorts last.
int compare_precision(const panel_metrics& a, const panel_metrics& b) {
  if (a.kept == 0 || b.kept == 0)
    return a.kept == b.kept ? 0 : (a.kept == 0 ? -1 : 1);
  // a.tp / a.kept vs b.tp / b.kept; 128-bit to be safe from overflow.
  auto l = static_cast<unsigned __int128>(a.tp) * b.kept;
  auto r = static_cast<unsigned __int128>(b.tp) * a.kept;
  return l == r ? 0 : (l > r ? 1 : -1);
}

} // namespace

bool ranks_before(const panel_metrics& a, const panel_metrics& b,
                  double target) {
  bool ma = meets(a, target);
  bool mb = meets(b, target);
  if (ma != mb)
    return ma;
  auto na = std::popcount(a.mask);
  auto nb = std::popcount(b.mask);
  // Retention compares kept counts: all panels score the same items.
  if (ma) {
    if (a.kept != b.kept)
      return a.kept > b.kept;
    if (na != nb)
      return na < nb;
    if (auto c = compare_precision(a, b); c != 0)
      return c > 0;
  } else {
    if (auto c = compare_precision(a, b); c != 0)
      return c > 0;
    if (a.kept != b.kept)
      return a.kept > b.kept;
    if (na != nb)
      return na < nb;
  }
  return a.mask < b.mask;
}

calibration_result calibrate(const calibration_set& set,
                             const calibration_options& opts) {
  calibration_result r;
  r.target_precision = opts.target_precision;
  r.threshold = opts.threshold;
  r.items = set.items.size();
  for (auto& x : set.items)
    r.good += x.label ? 1 : 0;
  r.ignored_votes = set.ignored_votes;
  r.judges = set.judges;
  r.weights = set.weights;
  auto n = static_cast<uint32_t>(set.judges.size());
  for (uint32_t mask = 1; mask < (uint32_t{1} << n); ++mask)
    r.panels.push_back(evaluate_panel(set, mask, opts.threshold));
  std::sort(r.panels.begin(), r.panels.end(),
            [&](const panel_metrics& a, const panel_metrics& b) {
              return ranks_before(a, b, opts.target_precision);
            });
  r.target_met =
    !r.panels.empty() && meets(r.panels.front(), opts.target_precision);
  return r;
}

} // namespace kpsynth::quality
