#include "calibration/calibrate.hpp"
#include "core/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace kpsynth::quality {

namespace {

std::string fixed(double v) {
  return std::isnan(v) ? std::string{"-"} : fmt::format("{:.3f}", v);
}

std::string panel_name(const panel_metrics& m) {
  std::string s;
  for (auto& j : m.judges) {
    if (!s.empty())
      s += " + ";
    s += j;
  }
  return s;
}

std::string rule_text(double target) {
  return fmt::format("rule: highest retention with precision >= {:.2f}; "
                     "ties -> fewer judges; if no panel reaches {:.2f}, the "
                     "highest precision",
                     target, target);
}

} // namespace

std::string recommendation_text(const calibration_result& r) {
  if (r.panels.empty())
    return "no panel to recommend";
  auto& m = r.panels.front();
  if (r.target_met)
    return fmt::format("Recommended panel: {} - precision {} >= {:.2f}, "
                       "keeps {:.1f}% of the items ({} of {})",
                       panel_name(m), fixed(m.precision), r.target_precision,
                       m.retention * 100, m.kept, m.items);
  return fmt::format("No panel reaches precision {:.2f}. Most precise: {} - "
                     "precision {}, keeps {:.1f}% of the items ({} of {})",
                     r.target_precision, panel_name(m), fixed(m.precision),
                     m.retention * 100, m.kept, m.items);
}

std::string format_table(const calibration_result& r, std::size_t limit) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"rank", "panel", "judges", "accuracy", "precision", "recall",
                  "F1", "retention", "kept"});
  auto n = limit == 0 ? r.panels.size() : std::min(limit, r.panels.size());
  for (std::size_t k = 0; k < n; ++k) {
    auto& m = r.panels[k];
    rows.push_back({fmt::format("{}{}", k + 1, k == 0 ? "*" : ""),
                    panel_name(m), std::to_string(m.judges.size()),
                    fixed(m.accuracy), fixed(m.precision), fixed(m.recall),
                    fixed(m.f1), fmt::format("{:.1f}%", m.retention * 100),
                    std::to_string(m.kept)});
  }
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  std::string out;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    std::string line;
    for (std::size_t c = 0; c < rows[k].size(); ++c) {
      if (c > 0)
        line += "  ";
      auto pad = std::string(width[c] - rows[k][c].size(), ' ');
      line += c == 1 ? rows[k][c] + pad : pad + rows[k][c];
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
    if (k == 0)
      out += std::string(line.size(), '-') + "\n";
  }
  if (n < r.panels.size())
    out += fmt::format("... {} more panels\n", r.panels.size() - n);
  out += fmt::format("\n{} labelled items, {} good ({:.1f}%); threshold "
                     "{:.2f}; {}.\n",
                     r.items, r.good,
                     r.items ? 100.0 * static_cast<double>(r.good)
                                 / static_cast<double>(r.items)
                             : 0.0,
                     r.threshold, rule_text(r.target_precision));
  if (r.ignored_votes > 0)
    out += fmt::format("{} votes were for items or judges outside the set "
                       "and were ignored.\n",
                       r.ignored_votes);
  out += recommendation_text(r) + "\n";
  return out;
}

std::string to_json(const calibration_result& r) {
  core::json_writer w;
  w.begin_object();
  w.key("items").number(r.items);
  w.key("good").number(r.good);
  w.key("threshold").number(r.threshold);
  w.key("target_precision").number(r.target_precision);
  w.key("rule").string(rule_text(r.target_precision));
  w.key("ignored_votes").number(r.ignored_votes);
  w.key("judges").begin_array();
  for (std::size_t j = 0; j < r.judges.size(); ++j) {
    w.begin_object();
    w.key("name").string(r.judges[j]);
    w.key("weight").number(r.weights[j]);
    w.end_object();
  }
  w.end_array();
  w.key("target_met").boolean(r.target_met);
  w.key("recommendation").string(recommendation_text(r));
  w.key("panels").begin_array();
  for (auto& m : r.panels) {
    w.begin_object();
    w.key("judges").begin_array();
    for (auto& j : m.judges)
      w.string(j);
    w.end_array();
    w.key("items").number(m.items);
    w.key("kept").number(m.kept);
    w.key("tp").number(m.tp);
    w.key("fp").number(m.fp);
    w.key("tn").number(m.tn);
    w.key("fn").number(m.fn);
    w.key("accuracy").number(m.accuracy);
    w.key("precision").number(m.precision);
    w.key("recall").number(m.recall);
    w.key("f1").number(m.f1);
    w.key("retention").number(m.retention);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

} // namespace kpsynth::quality
