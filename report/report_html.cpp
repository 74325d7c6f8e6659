#include "report/report_html.hpp"

#include "report/report_html_parts.hpp"
#include "report/report_run.hpp"
#include "report/report_svg.hpp"

#include <fmt/format.h>

#include <cmath>

namespace kpsynth::quality {

namespace html {

std::string percent(double ratio) {
  if (std::isnan(ratio))
    return "n/a";
  return format_number(ratio * 100.0, 1) + "%";
}

std::string dollars(double v) {
  if (std::isnan(v))
    return "n/a";
  if (v != 0 && std::abs(v) < 0.01)
    return fmt::format("${:.6f}", v);
  return fmt::format("${:.2f}", v);
}

std::string count(uint64_t n) {
  auto digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return out;
}

std::string table(const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows) {
  std::string o = "<table><thead><tr>";
  for (std::size_t i = 0; i < head.size(); ++i)
    o += fmt::format("<th{}>{}</th>", i == 0 ? " class=\"l\"" : "",
                     xml_escape(head[i]));
  o += "</tr></thead><tbody>";
  for (auto& r : rows) {
    o += "<tr>";
    for (std::size_t i = 0; i < r.size(); ++i)
      o += fmt::format("<td{}>{}</td>", i == 0 ? " class=\"l\"" : "",
                       xml_escape(r[i]));
    o += "</tr>";
  }
  o += "</tbody></table>";
  return o;
}

std::string note(const std::string& text) {
  return "<p class=\"note\">" + xml_escape(text) + "</p>";
}

std::string card(const std::string& label, const std::string& value,
                 const std::string& detail) {
  return fmt::format("<div class=\"card\"><div class=\"card-label\">{}</div>"
                     "<div class=\"card-value\">{}</div><div "
                     "class=\"card-detail\">{}</div></div>",
                     xml_escape(label), xml_escape(value), xml_escape(detail));
}

std::string section(const std::string& id, const std::string& title,
                    const std::string& body) {
  return fmt::format("<section id=\"{}\"><h2>{}</h2>{}</section>\n",
                     xml_escape(id), xml_escape(title), body);
}

} // namespace html

namespace {

constexpr const char* style = R"css(
body{margin:0;background:#f4f5f7;color:#1f2328;
font-family:Helvetica,Arial,sans-serif;font-size:14px;line-height:1.45}
main{max-width:1040px;margin:0 auto;padding:24px 28px 48px}
header h1{font-size:26px;margin:8px 0 4px}
header p{margin:2px 0;color:#555}
section{background:#fff;border:1px solid #d9dce1;border-radius:8px;
padding:16px 22px 18px;margin:18px 0}
h2{font-size:19px;margin:2px 0 12px;border-bottom:2px solid #2f6f9f;
padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{padding:4px 12px;border-bottom:1px solid #e6e8eb;text-align:right;
vertical-align:top}
th{background:#f0f2f5;font-weight:600}
.l{text-align:left}
td.text{text-align:left;max-width:560px;white-space:pre-wrap;
font-family:Menlo,Consolas,monospace;font-size:12px}
.note{color:#5a6270;font-size:13px;margin:6px 0}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{flex:1 1 170px;border:1px solid #d9dce1;border-radius:6px;
padding:10px 14px;background:#fafbfc}
.card-label{font-size:12px;color:#5a6270;text-transform:uppercase;
letter-spacing:.04em}
.card-value{font-size:24px;font-weight:700;margin:2px 0}
.card-detail{font-size:12px;color:#5a6270}
svg.chart{display:block;max-width:100%;height:auto;margin:8px 0}
footer{color:#5a6270;font-size:12px;margin-top:24px}
)css";

std::string overview(const report_summary& s) {
  using namespace html;
  std::string o = "<div class=\"cards\">";
  o += card("Items", count(s.items.total),
            fmt::format("{} accepted, {} rejected, {} failed",
                        count(s.items.accepted), count(s.items.rejected),
                        count(s.items.failed)));
  o += card("Acceptance", percent(s.items.acceptance()),
            "accepted / all items written");
  o += card("Seeds extracted", count(s.seeds_extracted),
            fmt::format("of {} seeds ({} failed)", count(s.seeds),
                        count(s.seeds_failed)));
  o += card("Expansion ratio",
            std::isnan(s.expansion_ratio)
              ? "n/a"
              : "x" + format_number(s.expansion_ratio, 2),
            "accepted items per extracted seed");
  std::string cost = "n/a";
  std::string basis = "no price table given";
  if (s.cost.gpu_priced) {
    cost = dollars(s.cost.gpu_per_accepted);
    basis = fmt::format("GPU time: {} GPU-hours, {} total",
                        format_number(s.cost.gpu_hours, 2),
                        dollars(s.cost.gpu_dollars));
    if (s.cost.token_priced)
      basis += "; by token prices " + dollars(s.cost.token_per_accepted);
  } else if (s.cost.token_priced) {
    cost = dollars(s.cost.token_per_accepted);
    basis =
      fmt::format("token prices: {} total", dollars(s.cost.token_dollars));
  }
  o += card("Cost per accepted item", cost, basis);
  o += card("Tokens", count(s.prompt_tokens + s.completion_tokens),
            fmt::format("{} prompt, {} completion", count(s.prompt_tokens),
                        count(s.completion_tokens)));
  o += "</div>";
  if (s.torn_lines > 0)
    o += note(fmt::format("{} torn last line(s) of items.jsonl were skipped "
                          "(the run was stopped mid-write).",
                          s.torn_lines));
  return o;
}

} // namespace

std::string render_html(const report_summary& s) {
  std::string o = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
                  "charset=\"utf-8\"><meta name=\"viewport\" "
                  "content=\"width=device-width, initial-scale=1\">";
  o += "<title>kpsynth report: " + xml_escape(s.run_dir) + "</title>";
  o += std::string{"<style>"} + style + "</style></head><body><main>\n";
  o += "<header><h1>kpsynth dataset report</h1><p>Run directory: <code>"
       + xml_escape(s.run_dir) + "</code></p><p>Panel threshold: "
       + format_number(s.accept_threshold, 3)
       + " &middot; Embedding: " + xml_escape(s.embedding) + "</p></header>\n";
  o += html::section("overview", "Overview", overview(s));
  o += html::section("acceptance", "Acceptance by combination kind",
                     html::acceptance_part(s));
  o += html::section("losses", "Where items were lost", html::losses_part(s));
  o += html::section("difficulty", "Difficulty distribution",
                     html::difficulty_part(s));
  o += html::section("tokens", "Tokens and cost", html::tokens_part(s));
  o += html::section("latency", "Latency per stage", html::latency_part(s));
  o += html::section("similarity", "Similarity to the seed problems",
                     html::similarity_part(s));
  o += html::section("diversity", "Diversity", html::diversity_part(s));
  o += html::section("judges", "Judge agreement", html::judges_part(s));
  o += "<footer>Generated by <code>kpsynth report</code>. Self-contained: "
       "no scripts, fonts or images are loaded from anywhere.</footer>\n";
  o += "</main></body></html>\n";
  return o;
}

result<report_summary> write_report(const report_config& cfg,
                                    const report_files& out) {
  auto s = analyse_run(cfg);
  if (!s)
    return s;
  if (!out.html.empty())
    if (auto p = write_text_file(out.html, render_html(*s)))
      return *p;
  if (!out.json.empty())
    if (auto p = write_text_file(out.json, to_json(*s) + "\n"))
      return *p;
  return s;
}

} // namespace kpsynth::quality
