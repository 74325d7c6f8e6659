#include "report/report_html_parts.hpp"

#include "core/json.hpp"
#include "report/report_svg.hpp"

#include <fmt/format.h>

#include <cmath>

namespace kpsynth::quality::html {

namespace {

constexpr const char* accepted_color = "#2e8b57";
constexpr const char* rejected_color = "#e08e2b";
constexpr const char* failed_color = "#c0392b";

/// Stacked accepted/rejected/failed bars and a table for named groups.
std::string outcome_chart(const std::vector<named_counts>& groups,
                          const std::string& title, const std::string& axis) {
  bar_chart c;
  c.title = title;
  c.x_label = axis;
  c.y_label = "items";
  bar_series acc{"accepted", accepted_color, {}};
  bar_series rej{"rejected", rejected_color, {}};
  bar_series fail{"failed", failed_color, {}};
  std::vector<std::vector<std::string>> rows;
  for (auto& g : groups) {
    c.categories.push_back(g.name);
    acc.values.push_back(static_cast<double>(g.counts.accepted));
    rej.values.push_back(static_cast<double>(g.counts.rejected));
    fail.values.push_back(static_cast<double>(g.counts.failed));
    rows.push_back({g.name, count(g.counts.total), count(g.counts.accepted),
                    count(g.counts.rejected), count(g.counts.failed),
                    percent(g.counts.acceptance())});
  }
  c.series = {acc, rej, fail};
  return svg_bar_chart(c)
         + table(
           {axis, "items", "accepted", "rejected", "failed", "acceptance"},
           rows);
}

std::string loss_label(const loss_row& r) {
  return r.code.empty() ? r.stage : r.stage + " / " + r.code;
}

std::string text_cell(const std::string& text, std::size_t max_bytes = 600) {
  auto cut =
    text.size() > max_bytes
      ? std::string{core::utf8_prefix(text, max_bytes)} + "\xE2\x80\xA6"
      : text;
  return "<td class=\"text\">" + xml_escape(cut) + "</td>";
}

} // namespace

std::string acceptance_part(const report_summary& s) {
  if (s.kinds.empty())
    return note("The run has no items yet.");
  return note("Every item written to items.jsonl, by the kind of "
              "knowledge-point combination it was generated from.")
         + outcome_chart(s.kinds, "Items per combination kind",
                         "combination kind");
}

std::string losses_part(const report_summary& s) {
  std::string o;
  if (s.stage_losses.empty()) {
    o += note("No item was rejected or failed.");
  } else {
    bar_chart c;
    c.title = "Items lost per stage";
    c.x_label = "stage (why.stage)";
    c.y_label = "items lost";
    c.horizontal = true;
    bar_series rej{"rejected", rejected_color, {}};
    bar_series fail{"failed", failed_color, {}};
    for (auto& r : s.stage_losses) {
      c.categories.push_back(r.stage);
      rej.values.push_back(static_cast<double>(r.rejected));
      fail.values.push_back(static_cast<double>(r.failed));
    }
    c.series = {rej, fail};
    o += svg_bar_chart(c);
    std::vector<std::vector<std::string>> rows;
    for (auto& r : s.losses)
      rows.push_back({loss_label(r), count(r.rejected), count(r.failed),
                      percent(static_cast<double>(r.rejected + r.failed)
                              / static_cast<double>(s.items.total))});
    o += "<h3>By stage and reason code</h3>";
    o +=
      table({"stage / code", "rejected", "failed", "share of all items"}, rows);
  }
  if (!s.seed_losses.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (auto& r : s.seed_losses)
      rows.push_back({loss_label(r), count(r.failed)});
    o += "<h3>Seeds that yielded no knowledge points</h3>";
    o += table({"stage / code", "seeds"}, rows);
  }
  return o;
}

std::string difficulty_part(const report_summary& s) {
  if (s.difficulty.empty())
    return note("The run has no items yet.");
  return note("Difficulty as rated by the difficulty stage; \"unknown\" "
              "means the item was not rated.")
         + outcome_chart(s.difficulty, "Items per difficulty", "difficulty");
}

std::string tokens_part(const report_summary& s) {
  std::vector<std::vector<std::string>> rows;
  for (auto& m : s.models)
    rows.push_back({m.model.empty() ? "(unnamed)" : m.model, count(m.calls),
                    count(m.prompt_tokens), count(m.completion_tokens),
                    s.cost.token_priced ? dollars(m.dollars) : "not priced"});
  std::string o =
    note("Tokens as reported by the servers, summed over the LLM calls in "
         "the items' traces (seed extraction calls are not in items.jsonl).");
  o += table(
    {"model", "calls", "prompt tokens", "completion tokens", "token cost"},
    rows);
  std::vector<std::vector<std::string>> cost;
  if (s.cost.gpu_priced)
    cost.push_back(
      {"GPU time", format_number(s.cost.gpu_hours, 2) + " GPU-hours",
       dollars(s.cost.gpu_dollars), dollars(s.cost.gpu_per_accepted)});
  if (s.cost.token_priced)
    cost.push_back({"tokens", "per-model prices", dollars(s.cost.token_dollars),
                    dollars(s.cost.token_per_accepted)});
  if (cost.empty())
    return o
           + note("No prices given: pass --prices, --gpu-hour-price or "
                  "--token-price for cost figures.");
  o += "<h3>Cost</h3>";
  o += table({"basis", "quantity", "total", "per accepted item"}, cost);
  return o;
}

std::string latency_part(const report_summary& s) {
  if (s.latency.empty())
    return note("No LLM calls in the items' traces.");
  bar_chart c;
  c.title = "Call latency per stage";
  c.x_label = "stage";
  c.y_label = "latency (ms)";
  c.stacked = false;
  c.counts = false;
  bar_series p50{"p50", "#2f6f9f", {}};
  bar_series p99{"p99", "#9cc3e4", {}};
  std::vector<std::vector<std::string>> rows;
  for (auto& l : s.latency) {
    c.categories.push_back(l.stage);
    p50.values.push_back(l.p50_ms);
    p99.values.push_back(l.p99_ms);
    rows.push_back({l.stage, count(l.calls), count(l.retries),
                    format_number(l.p50_ms, 1), format_number(l.p99_ms, 1),
                    format_number(l.mean_ms, 1), format_number(l.max_ms, 1)});
  }
  c.series = {p50, p99};
  return note("Per LLM call, from request to complete answer, including "
              "retries; nearest-rank percentiles.")
         + svg_bar_chart(c)
         + table({"stage", "calls", "retries", "p50 ms", "p99 ms", "mean ms",
                  "max ms"},
                 rows);
}

std::string similarity_part(const report_summary& s) {
  auto& x = s.similarity;
  if (!x.computed)
    return note("Not computed: " + x.note + ".");
  histogram_chart h;
  h.title = "Highest cosine similarity of each accepted item to any seed";
  h.x_label = "cosine similarity to the closest seed problem";
  h.y_label = "accepted items";
  h.counts = x.histogram;
  std::string o = note(x.note + ". Embedding: " + s.embedding + ".");
  o += svg_histogram(h);
  o += table({"items", "seeds", "mean", "median", "p90", "max", "items >= 0.9"},
             {{count(x.items), count(x.seeds), format_number(x.mean, 3),
               format_number(x.median, 3), format_number(x.p90, 3),
               format_number(x.max, 3), count(x.above_0_9)}});
  if (!x.closest.empty()) {
    o += "<h3>Accepted items closest to a seed</h3><table><thead><tr>"
         "<th>similarity</th><th class=\"l\">item</th><th class=\"l\">"
         "closest seed</th></tr></thead><tbody>";
    for (auto& c : x.closest)
      o += "<tr><td>" + format_number(c.similarity, 3) + "</td>"
           + text_cell(c.item_id + "\n" + c.item_problem)
           + text_cell(c.seed_id + "\n" + c.seed_problem) + "</tr>";
    o += "</tbody></table>";
  }
  return o;
}

std::string diversity_part(const report_summary& s) {
  auto& d = s.diversity;
  if (!d.computed)
    return note("Not computed: " + d.note + ".");
  line_chart c;
  c.title =
    fmt::format("Sorted {}-distance graph (eps from its knee)", d.min_pts);
  c.x_label = "sampled problems, sorted by k-distance";
  c.y_label = "cosine distance to k-th neighbour";
  c.y = d.k_curve;
  c.marker = d.knee;
  c.marker_label = "eps = " + format_number(d.eps, 3);
  std::string o = note(d.note + ".");
  o += "<div class=\"cards\">";
  o += card("Clusters", count(d.clusters),
            fmt::format("DBSCAN, minPts = {}, eps = {}", d.min_pts,
                        format_number(d.eps, 3)));
  o += card("Noise", count(d.noise),
            percent(d.sample == 0 ? std::nan("")
                                  : static_cast<double>(d.noise)
                                      / static_cast<double>(d.sample))
              + " of the sample");
  o += card("Sample", count(d.sample),
            "of " + count(d.population) + " accepted problems");
  o += "</div>";
  o += svg_line_chart(c);
  if (!d.largest.empty()) {
    o += "<h3>Largest clusters</h3><table><thead><tr><th>size</th>"
         "<th class=\"l\">example problem</th></tr></thead><tbody>";
    for (auto& cl : d.largest)
      o += "<tr><td>" + count(cl.size) + "</td>"
           + text_cell(cl.example_id + "\n" + cl.example_problem) + "</tr>";
    o += "</tbody></table>";
  }
  return o;
}

std::string judges_part(const report_summary& s) {
  if (s.judges.empty())
    return note("No judge verdicts in the items.");
  std::vector<std::vector<std::string>> rows;
  for (auto& j : s.judges) {
    auto votes = static_cast<double>(j.votes);
    rows.push_back(
      {j.judge, count(j.votes), count(j.abstained),
       format_number(j.mean_score, 3),
       percent(j.votes ? static_cast<double>(j.problem_pass) / votes
                       : std::nan("")),
       percent(j.votes ? static_cast<double>(j.solution_ok) / votes
                       : std::nan("")),
       percent(j.decided ? static_cast<double>(j.agree_with_panel)
                             / static_cast<double>(j.decided)
                         : std::nan(""))});
  }
  std::string o =
    note(fmt::format("A judge's own verdict is \"keep\" when its problem "
                     "score is at least {} and it accepts the solution; "
                     "agreement is measured on the items the panel decided.",
                     format_number(s.accept_threshold, 3)));
  o += table({"judge", "votes", "abstained", "mean score", "problem pass",
              "solution ok", "agrees with panel"},
             rows);
  if (!s.judge_pairs.empty()) {
    std::vector<std::vector<std::string>> pairs;
    for (auto& p : s.judge_pairs)
      pairs.push_back({p.a + " / " + p.b, count(p.both),
                       percent(p.both ? static_cast<double>(p.agree)
                                          / static_cast<double>(p.both)
                                      : std::nan("")),
                       format_number(p.kappa, 3)});
    o += "<h3>Pairwise agreement</h3>";
    o += table({"judges", "items both voted on", "agreement", "Cohen's kappa"},
               pairs);
  }
  return o;
}

} // namespace kpsynth::quality::html
