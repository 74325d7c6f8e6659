// kpsynth: turns seed problems into verified synthetic training problems.
// This file only parses the command line; the work is in the subcommands.

#include "app/commands.hpp"
#include "app/quality_commands.hpp"
#include "app/tool_commands.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

namespace {

/// Everything the command line sets, and the subcommands to dispatch on.
struct args {
  bool verbose = false;
  std::string config_file;
  bool quiet = false;
  kpsynth::app::sim_command_options so;
  std::string ans_a, ans_b;
  bool ordered = false;
  double budget_ms = 100;
  kpsynth::app::decontam_options dopts;
  bool no_dedup = false;
  kpsynth::app::panel_calibrate_options pc;
  kpsynth::app::report_options ro;
  CLI::App* run = nullptr;
  CLI::App* show = nullptr;
  CLI::App* sim = nullptr;
  CLI::App* equiv = nullptr;
  CLI::App* decontam = nullptr;
  CLI::App* calibrate = nullptr;
  CLI::App* report = nullptr;
};

void add_run(CLI::App& cli, args& a) {
  auto& config_file = a.config_file;
  auto& quiet = a.quiet;
  auto* run = cli.add_subcommand("run", "run a synthesis job");
  run->add_option("config", config_file, "job configuration (TOML)")
    ->required()
    ->check(CLI::ExistingFile);
  run->add_flag("-q,--quiet", quiet, "no progress lines");
  a.run = run;
}

void add_pipeline(CLI::App& cli, args& a) {
  auto& config_file = a.config_file;
  auto* pipeline = cli.add_subcommand("pipeline", "pipeline tools");
  pipeline->require_subcommand(1);
  auto* show = pipeline->add_subcommand(
    "show", "print the resolved topology and check the prompt pack");
  show->add_option("config", config_file, "job configuration (TOML)")
    ->required()
    ->check(CLI::ExistingFile);
  a.show = show;
}

void add_sim(CLI::App& cli, args& a) {
  auto& so = a.so;
  auto* sim = cli.add_subcommand(
    "sim", "serve the built-in OpenAI-compatible simulator until stopped");
  sim->add_option("--config", so.config_file,
                  "take the [simulator] table of this job configuration");
  sim->add_option("--address", so.address, "listen address")
    ->capture_default_str();
  sim->add_option("--port", so.port, "listen port (0: any)")
    ->capture_default_str();
  sim
    ->add_option("--profile", so.profile,
                 "capacity profile: 7b-h100, 70b-4xh100, 8b-l4, tiny-cpu, "
                 "zero")
    ->capture_default_str();
  sim
    ->add_option("--faults", so.fault_rate,
                 "total rate of injected faults, spread over every kind")
    ->capture_default_str();
  sim
    ->add_option("--loading", so.loading_seconds,
                 "answer 503 on /health for this many seconds")
    ->capture_default_str();
  sim->add_flag("--refuse-n", so.refuse_n,
                "refuse n > 1 with HTTP 500, like llama.cpp");
  sim->add_flag("--no-metrics", so.no_metrics, "do not export /metrics");
  sim->add_option("--seed", so.seed, "seed of answers and faults")
    ->capture_default_str();
  a.sim = sim;
}

void add_equiv(CLI::App& cli, args& a) {
  auto& ans_a = a.ans_a;
  auto& ans_b = a.ans_b;
  auto& ordered = a.ordered;
  auto& budget_ms = a.budget_ms;
  auto* equiv = cli.add_subcommand(
    "equiv", "are two final answers the same? (exit 0 yes, 1 no, 3 unknown)");
  equiv->add_option("a", ans_a, "first answer (LaTeX or plain)")->required();
  equiv->add_option("b", ans_b, "second answer")->required();
  equiv->add_flag("--ordered", ordered, "lists of answers must match in order");
  equiv->add_option("--budget-ms", budget_ms, "time budget")
    ->capture_default_str();
  a.equiv = equiv;
}

void add_decontam(CLI::App& cli, args& a) {
  auto& dopts = a.dopts;
  auto& no_dedup = a.no_dedup;
  auto* decontam = cli.add_subcommand(
    "decontam", "flag benchmark contamination and near-duplicates in a JSONL");
  decontam->add_option("input", dopts.input, "JSONL file")
    ->required()
    ->check(CLI::ExistingFile);
  decontam
    ->add_option("--field", dopts.field,
                 "field with the text; a+b joins fields")
    ->capture_default_str();
  decontam->add_option("--benchmarks", dopts.benchmarks,
                       "bundled sets to check against, comma-separated "
                       "(e.g. math500,gsm8k; default: all)");
  decontam->add_option("--bench-dir", dopts.bench_dir,
                       "directory of the bundled sets (default: found next "
                       "to the binary or installed)");
  decontam->add_option("--clean", dopts.clean_out, "write kept lines here");
  decontam->add_option("--flagged", dopts.flagged_out,
                       "write flagged lines with reasons here");
  decontam
    ->add_option("--threshold", dopts.threshold, "MinHash Jaccard threshold")
    ->capture_default_str();
  decontam->add_flag("--no-dedup", no_dedup,
                     "do not drop near-duplicates within the file");
  a.decontam = decontam;
}

void add_panel(CLI::App& cli, args& a) {
  auto& pc = a.pc;
  auto* panel = cli.add_subcommand("panel", "judge-panel tools");
  panel->require_subcommand(1);
  auto* calibrate = panel->add_subcommand(
    "calibrate", "score every subset of candidate judges against reference "
                 "labels and recommend a panel (GSDP Table 4)");
  calibrate
    ->add_option("--labels", pc.labels,
                 "labelled set JSONL {id, problem, solution, label}")
    ->check(CLI::ExistingFile);
  calibrate
    ->add_option("--votes", pc.votes,
                 "judge votes JSONL {id, judge, problem_score, "
                 "solution_ok}")
    ->check(CLI::ExistingFile);
  calibrate->add_option("--judge", pc.judges,
                        "simulated judge name=accuracy[:bias] (repeatable)");
  calibrate->add_option("--only", pc.only,
                        "restrict candidate judges to these names");
  calibrate->add_option("--weight", pc.weights,
                        "judge weight name=weight (repeatable)");
  calibrate
    ->add_option("--threshold", pc.threshold, "minimum weighted problem score")
    ->capture_default_str();
  calibrate
    ->add_option("--target-precision", pc.target_precision,
                 "precision the recommended panel must reach")
    ->capture_default_str();
  calibrate
    ->add_option("--from-run", pc.from_run,
                 "label the items of this simulated run directory")
    ->check(CLI::ExistingDirectory);
  calibrate->add_option("--write-labels", pc.write_labels,
                        "write the labelled set built by --from-run here");
  calibrate->add_option("--write-votes", pc.write_votes,
                        "write the scored votes here (JSONL)");
  calibrate
    ->add_option("--sim-seed", pc.sim_seed,
                 "simulator seed (the run's [simulator] seed)")
    ->capture_default_str();
  calibrate
    ->add_option("--prompts", pc.prompts,
                 "prompt pack for the simulated judges")
    ->capture_default_str();
  calibrate->add_option("--json", pc.json_out, "JSON result file")
    ->capture_default_str();
  calibrate->add_option("--top", pc.top, "table rows to print (0: all)")
    ->capture_default_str();
  a.calibrate = calibrate;
}

void add_report(CLI::App& cli, args& a) {
  auto& ro = a.ro;
  auto* report = cli.add_subcommand(
    "report", "write a self-contained HTML report and a JSON summary of a "
              "run directory");
  report->add_option("output_dir", ro.run_dir, "the run's output directory")
    ->required()
    ->check(CLI::ExistingDirectory);
  report->add_option("--html", ro.html_out,
                     "HTML file (default <output_dir>/report.html)");
  report->add_option("--json", ro.json_out,
                     "JSON summary (default <output_dir>/report.json)");
  report->add_option("--seeds", ro.seeds, "seed problems JSONL")
    ->check(CLI::ExistingFile);
  report
    ->add_option("--config", ro.config,
                 "the run's configuration (seeds, accept_threshold)")
    ->check(CLI::ExistingFile);
  report->add_option("--prices", ro.prices, "price table TOML")
    ->check(CLI::ExistingFile);
  report->add_option("--gpu-hour-price", ro.gpu_hour_price,
                     "dollars per GPU-hour");
  report->add_option("--gpus", ro.gpus, "GPUs the run used");
  report->add_option("--wall-hours", ro.wall_hours, "the run's wall time");
  report->add_option("--token-price", ro.token_prices,
                     "model=prompt:completion dollars per 1M tokens");
  report
    ->add_option("--embeddings", ro.embeddings,
                 "precomputed embeddings JSONL {id, embedding}")
    ->check(CLI::ExistingFile);
  report->add_option("--threshold", ro.accept_threshold,
                     "panel threshold (default: the config's, or 0.85)");
  report
    ->add_option("--diversity-sample", ro.diversity_sample,
                 "accepted problems clustered (max 5000)")
    ->capture_default_str();
  report->add_option("--min-pts", ro.min_pts, "DBSCAN minPts (= k)")
    ->capture_default_str();
  report
    ->add_option("--similarity-sample", ro.similarity_sample,
                 "accepted items compared with the seeds (0: all)")
    ->capture_default_str();
  report->add_option("--sample-seed", ro.sample_seed, "seed of the samples")
    ->capture_default_str();
  a.report = report;
}

/// Runs the chosen subcommand; returns the process exit code.
int dispatch(args& a) {
  using namespace kpsynth::app;
  if (*a.run)
    return run_command(a.config_file, a.quiet);
  if (*a.show)
    return pipeline_show_command(a.config_file);
  if (*a.sim) {
    a.so.address_given = a.sim->count("--address") > 0;
    a.so.port_given = a.sim->count("--port") > 0;
    return sim_command(a.so);
  }
  if (*a.calibrate)
    return panel_calibrate_command(a.pc);
  if (*a.report)
    return report_command(a.ro);
  if (*a.equiv)
    return equiv_command(a.ans_a, a.ans_b, a.ordered, a.budget_ms);
  if (*a.decontam) {
    a.dopts.dedup = !a.no_dedup;
    return decontam_command(a.dopts);
  }
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App cli{"kpsynth: knowledge-point graph synthesis of verified "
               "training problems"};
  cli.require_subcommand(1);
  args a;
  cli.add_flag("-v,--verbose", a.verbose, "debug logging");
  add_run(cli, a);
  add_pipeline(cli, a);
  add_sim(cli, a);
  add_equiv(cli, a);
  add_decontam(cli, a);
  add_panel(cli, a);
  add_report(cli, a);
  try {
    cli.parse(kpsynth::app::command_line(argc, argv));
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  spdlog::set_level(a.verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_pattern("%H:%M:%S.%e %^%l%$ %v");
  return dispatch(a);
}
