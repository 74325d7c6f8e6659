// `kpsynth report`: resolves the options (config file, price table and its
// command-line overrides) and writes the HTML page and JSON summary.

#include "app/quality_commands.hpp"
#include "core/config.hpp"
#include "report/report_html.hpp"
#include "report/report_price.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

namespace kpsynth::app {

namespace {

int fail(const problem& p) {
  fmt::print(stderr, "kpsynth report: {}\n", p.to_string());
  return 1;
}

result<quality::price_table> prices_of(const report_options& o) {
  quality::price_table t;
  if (!o.prices.empty()) {
    auto loaded = quality::load_price_table(o.prices);
    if (!loaded)
      return loaded.error();
    t = std::move(*loaded);
  }
  if (o.gpu_hour_price >= 0)
    t.gpu_dollars_per_hour = o.gpu_hour_price;
  if (o.gpus >= 0)
    t.gpu_count = o.gpus;
  if (o.wall_hours >= 0)
    t.wall_hours = o.wall_hours;
  for (auto& arg : o.token_prices) {
    auto p = quality::parse_token_price_arg(arg);
    if (!p)
      return p.error();
    t.tokens[p->first] = p->second;
  }
  return quality::validate_prices(std::move(t), "price options");
}

} // namespace

int report_command(const report_options& o) {
  namespace fs = std::filesystem;
  quality::report_config cfg;
  cfg.run_dir = o.run_dir;
  std::error_code ec;
  if (!fs::is_regular_file(cfg.run_dir / "items.jsonl", ec))
    return fail(make_problem("io_error", "no items.jsonl: not a run directory",
                             o.run_dir));
  cfg.seeds = o.seeds;
  cfg.accept_threshold = o.accept_threshold;
  if (!o.config.empty()) {
    auto c = config::load(o.config);
    if (!c)
      return fail(c.error());
    if (cfg.seeds.empty())
      cfg.seeds = c->run.seeds;
    if (cfg.accept_threshold < 0)
      cfg.accept_threshold = c->run.accept_threshold;
  }
  if (cfg.accept_threshold < 0)
    cfg.accept_threshold = 0.85;
  auto prices = prices_of(o);
  if (!prices)
    return fail(prices.error());
  cfg.prices = std::move(*prices);
  cfg.embeddings = o.embeddings;
  cfg.diversity_sample = o.diversity_sample;
  cfg.min_pts = o.min_pts;
  cfg.similarity_sample = o.similarity_sample;
  cfg.sample_seed = o.sample_seed;
  quality::report_files out;
  out.html =
    o.html_out.empty() ? cfg.run_dir / "report.html" : fs::path{o.html_out};
  out.json =
    o.json_out.empty() ? cfg.run_dir / "report.json" : fs::path{o.json_out};
  auto s = quality::write_report(cfg, out);
  if (!s)
    return fail(s.error());
  fmt::print("items:        {} ({} accepted, {} rejected, {} failed)\n",
             s->items.total, s->items.accepted, s->items.rejected,
             s->items.failed);
  if (!std::isnan(s->expansion_ratio))
    fmt::print("expansion:    x{:.2f} accepted items per extracted seed\n",
               s->expansion_ratio);
  if (s->cost.gpu_priced)
    fmt::print("cost:         ${:.6f} per accepted item (GPU time)\n",
               s->cost.gpu_per_accepted);
  if (s->cost.token_priced)
    fmt::print("cost:         ${:.6f} per accepted item (tokens)\n",
               s->cost.token_per_accepted);
  if (s->similarity.computed)
    fmt::print("seed sim.:    median {:.3f}, {} of {} items >= 0.9\n",
               s->similarity.median, s->similarity.above_0_9,
               s->similarity.items);
  else
    fmt::print("seed sim.:    not computed ({})\n", s->similarity.note);
  if (s->diversity.computed)
    fmt::print("diversity:    {} clusters, {} noise, eps {:.3f} (sample {})\n",
               s->diversity.clusters, s->diversity.noise, s->diversity.eps,
               s->diversity.sample);
  else
    fmt::print("diversity:    not computed ({})\n", s->diversity.note);
  fmt::print("embedding:    {}\n", s->embedding);
  fmt::print("report:       {}\nsummary:      {}\n", out.html.string(),
             out.json.string());
  return 0;
}

} // namespace kpsynth::app
