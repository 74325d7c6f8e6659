#pragma once

// kpsynth's configuration as plain structs. The TOML file is parsed here, at
// the edge, and nothing else ever sees TOML. Every default lives in the
// member initialisers below and is documented in config/kpsynth.example.toml.

#include "core/result.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace kpsynth::config {

/// One OpenAI-compatible endpoint of a model.
struct endpoint_config {
  /// Base URL such as "http://10.0.0.7:8000/v1", or "sim" for the built-in
  /// simulator of this process.
  std::string url;
  /// Name of an environment variable holding the API key (never the key).
  std::string api_key_env;
  /// Whether the server exports Prometheus /metrics at the server root.
  bool scrape_metrics = true;
  /// "<file>:<line>" of the entry, so that later checks (the URL syntax,
  /// which the net library knows) can name it.
  std::string origin;
};

/// A model served by a pool of endpoints.
struct model_config {
  std::string name;      ///< Pool name used in [stages] and [[panel]].
  std::string served_as; ///< Model name sent in requests.
  std::vector<endpoint_config> endpoints;
  /// Use SSE streaming so long answers never hit the idle-read timeout.
  bool stream = true;
  /// Ask for n choices in one request; off for servers that refuse n > 1.
  bool supports_n = true;
  uint32_t request_timeout_ms = 600'000;
  uint32_t idle_timeout_ms = 60'000;
  uint32_t connect_timeout_ms = 5'000;
  uint32_t max_attempts = 4;
  /// Cap on attempts for HTTP 500, which llama.cpp also uses for bad input.
  uint32_t max_500_attempts = 2;
  uint32_t backoff_base_ms = 200;
  uint32_t backoff_cap_ms = 20'000;
  /// Adaptive concurrency bounds per endpoint.
  uint32_t initial_limit = 8;
  uint32_t min_limit = 1;
  uint32_t max_limit = 4096;
  /// Fixed concurrency instead of adaptive (0 = adaptive). For benchmarks.
  uint32_t fixed_limit = 0;
  uint32_t metrics_interval_ms = 500;
  /// Calls waiting in the pool beyond the endpoints' limits.
  uint32_t backlog = 4096;
};

/// Settings of one LLM stage.
struct stage_config {
  std::string model;       ///< Pool name.
  uint32_t queue = 256;    ///< Input bound (items held before processing).
  double temperature = -1; ///< < 0: the prompt pack's default.
  uint32_t max_tokens = 0; ///< 0: the prompt pack's default.
  uint32_t samples = 1;    ///< Solutions per problem (solve stage).
};

/// One stage of the configured pipeline (`[[pipeline.stages]]`), in the
/// order items flow through it. The core knows only these common fields; a
/// stage kind reads its own keys from `options` and the stage registry
/// rejects keys the kind does not declare.
struct pipeline_stage {
  std::string name; ///< Unique; names the stage in traces, status, errors.
  std::string kind; ///< A registered stage kind ("solve", "judge_panel"...).
  stage_config settings;
  /// The kind's own keys as written: strings verbatim, numbers and booleans
  /// in TOML spelling.
  std::map<std::string, std::string> options;
  std::string where; ///< "file:line" of the entry, for errors.
};

/// A judge of the panel.
struct judge_config {
  std::string name;
  std::string model; ///< Pool name.
  double weight = 1;
};

/// The in-process simulator (default run, tests, benchmarks).
struct simulator_config {
  bool enabled = true;
  std::string address = "127.0.0.1";
  uint16_t port = 0; ///< 0 picks a free port.
  std::string profile = "7b-h100";
  /// Overrides of the profile, e.g. max_num_seqs, itl_ms; see sim/profiles.
  std::map<std::string, double> overrides;
  uint64_t seed = 1;
  double unsound_rate = 0.2;
  double default_solver_accuracy = 0.8;
  std::map<std::string, double> solver_accuracy;
  /// Judge model name -> {accuracy, bias}.
  std::map<std::string, std::pair<double, double>> judges;
  /// Fault injection rates, e.g. {"http_500": 0.02, "reset": 0.01}.
  std::map<std::string, double> faults;
  double loading_seconds = 0; ///< /health answers 503 this long at start.
  /// Emulate llama.cpp: refuse n > 1 with HTTP 500.
  bool refuse_n = false;
  /// Export /metrics; false emulates a server without them.
  bool metrics = true;
};

/// Which GSDP combinations the planner draws, as interleaving weights
/// (0 leaves a kind out).
struct planner_config {
  uint32_t one_hop = 1;   ///< Both ends of an edge, repeated by weight.
  uint32_t two_hop = 1;   ///< a-b-c with a, c not adjacent.
  uint32_t three_hop = 1; ///< a-b-c-d paths through a core KP.
  uint32_t community = 1; ///< Triangles.
  /// Share of nodes (by degree) that count as core KPs for three-hop.
  double core_fraction = 0.01;
  /// Three-hop paths drawn per core KP.
  uint32_t three_hop_per_core = 2000;
};

/// Decontamination against benchmarks and dedup of generated problems.
struct decontam_config {
  bool enabled = true;
  /// Directory of benchmark test sets (the bundled data/bench layout).
  /// Required while enabled.
  std::filesystem::path benchmarks;
  /// Drop generated problems that nearly copy a seed or an earlier problem.
  bool dedup = true;
  uint32_t ngram_n = 13;
  double ngram_overlap = 0.5;
  double minhash_threshold = 0.7;
  /// Model pool that embeds benchmark and generated problems, so that
  /// rephrased benchmark problems are found as nearest neighbours; empty
  /// turns the embedding layer off. Needs `llm_check_model`.
  std::string embedding_model;
  /// Cosine similarity from which a benchmark neighbour goes to the check.
  double embedding_threshold = 0.85;
  /// Model pool that answers the same_problem prompt for each candidate;
  /// empty turns the LLM check off.
  std::string llm_check_model;
  /// MinHash matches in [minhash_threshold - llm_band, minhash_threshold)
  /// are near misses that also go to the LLM check.
  double llm_band = 0.2;
};

/// Program-assisted verification: on when [stages.program] exists.
struct verify_config {
  std::string python = "python3";
  double cpu_seconds = 5;
  double wall_seconds = 10;
  uint64_t memory_mb = 512;
  /// Sandbox runs at once (each on its own thread).
  uint32_t workers = 2;
};

/// Consensus voting over several solutions (KPDDS); used when
/// stages.solve.samples > 1.
struct consensus_config {
  /// Share of solutions that must agree with the majority answer.
  double min_share = 0.5;
  /// Per-comparison time budget of the equivalence checker.
  double budget_ms = 100;
};

/// Whole-run settings.
struct run_config {
  std::filesystem::path seeds;
  std::filesystem::path output_dir = "out";
  std::filesystem::path prompts = "prompts/math";
  /// Stop after this many combinations (0: enumerate the whole graph).
  uint64_t max_items = 0;
  uint32_t max_points = 10;
  uint64_t seed = 42;
  double progress_interval_s = 1;
  /// Minimum weighted problem score to accept an item.
  double accept_threshold = 0.85;
  /// fsync the output after this many records.
  uint32_t sync_every = 64;
  /// Longest seed line read; a longer line is reported and skipped.
  uint64_t max_seed_line_bytes = uint64_t{1} << 20;
  /// Seconds every endpoint of a model may be down before the job stops
  /// with an error (a rerun retries what failed meanwhile); 0 waits for the
  /// servers however long they take.
  double model_down_timeout_s = 60;
};

/// The control API: status and live reconfiguration of a running job.
struct control_config {
  bool enabled = true;
  /// Loopback by default; anything else also needs allow_remote = true.
  std::string address = "127.0.0.1";
  uint16_t port = 0; ///< 0 picks a free port (written to control.json).
  bool allow_remote = false;
  /// Environment variable with the bearer token; when unset a random token
  /// is generated and written, mode 0600, to <output_dir>/control.json.
  std::string token_env = "KPSYNTH_TOKEN";
  /// Connections served at once; more are closed at once, so that idle or
  /// stalled clients cannot exhaust the process's file descriptors.
  uint32_t max_connections = 64;
  /// A request (headers and body) must arrive within this time, and an idle
  /// keep-alive connection is closed after it: slow clients cannot hold
  /// connections open.
  uint32_t read_timeout_ms = 10'000;
};

/// The whole configuration.
struct kpsynth_config {
  std::filesystem::path file; ///< Where it was read from.
  run_config run;
  simulator_config simulator;
  std::map<std::string, model_config> models;
  /// Legacy `[stages.<name>]` tables (extract, generate, solve, program);
  /// used only when `pipeline` is empty, see effective_pipeline().
  std::map<std::string, stage_config> stages;
  /// The configured topology, `[[pipeline.stages]]`, in order.
  std::vector<pipeline_stage> pipeline;
  std::vector<judge_config> panel;
  planner_config planner;
  decontam_config decontam;
  verify_config verify;
  consensus_config consensus;
  control_config control;
  /// Options forwarded to CAF's actor_system_config, e.g.
  /// "scheduler.max-threads" = 2.
  std::map<std::string, int64_t> caf_int;
  std::map<std::string, std::string> caf_string;
};

/// The pipeline to run: `pipeline` as configured, or, for a file that uses
/// the legacy `[stages.*]` tables, the fixed chain those tables describe:
/// extract, plan, generate, decontam (when enabled), solve, program and
/// verify (when [stages.program] exists), judge_panel.
std::vector<pipeline_stage> effective_pipeline(const kpsynth_config& c);

/// Reads and validates a configuration file. Relative paths in it are
/// resolved against the file's directory. Errors name file:line and key.
result<kpsynth_config> load(const std::filesystem::path& file);

/// Parses configuration text; `name` stands for the file in errors and
/// `base` resolves relative paths.
result<kpsynth_config> parse(std::string_view text, std::string_view name,
                             const std::filesystem::path& base);

} // namespace kpsynth::config
