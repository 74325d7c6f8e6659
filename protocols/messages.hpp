#pragma once

// The messages that travel between kpsynth's actors, as plain aggregates.
// CAF-free on purpose: the sink, the report and the tests read and write
// these without an actor system. Their CAF `inspect` overloads live in
// protocols/inspect.hpp, the only place that knows CAF 0.17's inspect API.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace kpsynth {

// -- accounting ---------------------------------------------------------------

/// Tokens spent by one LLM call, as the server reported them.
struct token_usage {
  uint64_t prompt_tokens = 0;
  uint64_t completion_tokens = 0;
};

/// One LLM call in an item's history: which stage asked which model on which
/// endpoint, what it cost and how long it took. Kept per item so that every
/// accepted problem can be traced back to the models that made it.
struct step_trace {
  std::string stage;    ///< "extract", "generate", "solve", "judge:<name>"...
  std::string model;    ///< Model pool name as configured.
  std::string endpoint; ///< Base URL of the endpoint that answered.
  token_usage usage;
  double latency_ms = 0;
  uint32_t attempts = 1; ///< 1 + retries.
};

/// Why something could not be produced. Failures are records, not log lines:
/// every seed and every item ends accepted, rejected or failed with a reason.
struct failure {
  std::string stage;  ///< Stage that gave up.
  std::string code;   ///< Machine-readable: "timeout", "bad_output", ...
  std::string reason; ///< Human-readable, names the place.
};

// -- seeds and knowledge points
// -------------------------------------------------

/// A seed problem as read from the input JSONL.
struct seed_problem {
  std::string id; ///< `id` field or "<file>:<line>".
  std::string problem;
  std::string solution;
  std::string origin; ///< "<file>:<line>" for error messages.
};

/// The knowledge points extracted from one seed.
struct kp_list {
  std::string seed_id;
  std::vector<std::string> points;
  std::vector<step_trace> trace;
};

/// What happened to one seed in the extraction stage.
struct seed_outcome {
  std::string seed_id;
  bool ok = false;
  uint32_t points = 0;
  failure why; ///< Set when !ok.
};

// -- combinations and problems ------------------------------------------------

/// How the knowledge points of a combination relate in the KP graph.
enum class combination_kind : uint8_t {
  one_hop,
  two_hop,
  three_hop,
  community,
  cooccurrence,
};

/// Stable name of a combination kind ("one_hop", ...).
const char* to_string(combination_kind x);

/// A set of knowledge points to build one new problem from.
struct combination {
  std::string id; ///< Stable id (hash of kind, points and repetition).
  combination_kind kind = combination_kind::one_hop;
  std::vector<std::string> points;
  std::vector<std::string> seed_ids; ///< Seeds the points came from.
  uint64_t ordinal = 0;              ///< Position in the planner's enumeration.
};

/// Difficulty as rated by the difficulty stage; routes the solver.
enum class difficulty : uint8_t { unknown, easy, medium, hard };

/// Stable name of a difficulty ("easy", ...).
const char* to_string(difficulty x);

/// A candidate solution to a generated problem.
struct solution {
  std::string text;
  std::string answer; ///< Final answer (content of the last \boxed{}).
  std::string model;
};

/// One judge's opinion of an item.
struct verdict {
  std::string judge; ///< Judge name (one judge actor per model).
  std::string model;
  double weight = 1;             ///< Weight in the panel's problem score.
  double problem_score = 0;      ///< 0..1, from the problem-judging prompt.
  bool solution_ok = false;      ///< From the solution-judging prompt.
  bool program_ok = true;        ///< Program matches the problem (if asked).
  bool program_judged = false;   ///< The program check was asked.
  bool abstained = false;        ///< Timed out or unparseable: no vote.
  std::string note;              ///< Why it abstained, if it did.
  std::vector<step_trace> trace; ///< The judge's LLM calls.
};

/// Final state of an item.
enum class item_status : uint8_t { in_flight, accepted, rejected, failed };

/// Stable name of an item status.
const char* to_string(item_status x);

/// One generated item with its full provenance. It travels through the
/// pipeline and every stage fills in its part; the sink writes it as one
/// JSONL line.
struct item_record {
  std::string id; ///< Equals the combination id: one item per combination.
  combination origin;
  std::string problem;
  difficulty level = difficulty::unknown;
  std::vector<solution> solutions;
  std::vector<verdict> verdicts;
  double problem_score = 0; ///< Weighted panel score.
  /// Consensus voting (KPDDS): the majority answer among the solutions and
  /// the share of solutions that agree with it (symbolic equivalence).
  std::string consensus_answer;
  double consensus_share = 0;
  /// Program-assisted verification: the generated program, its output, and
  /// whether that output agrees with the consensus answer.
  std::string program;
  std::string program_output;
  bool program_agrees = false;
  item_status status = item_status::in_flight;
  failure why; ///< Reason for rejection or failure.
  std::vector<step_trace> trace;
};

// -- LLM calls
// ------------------------------------------------------------------

/// A chat message inside an LLM call.
struct chat_turn {
  std::string role;
  std::string content;
};

/// One chat completion asked of a model pool. Stages build it from a prompt
/// template; the client actor turns it into the wire format.
struct llm_call {
  std::string stage; ///< For traces and per-stage metrics.
  std::vector<chat_turn> messages;
  double temperature = 0.7;
  double top_p = 1.0;
  uint32_t max_tokens = 1024;
  uint32_t n = 1;
  bool has_seed = false;
  uint64_t seed = 0;
  std::vector<std::string> stop;
  /// Deadline for the whole call including retries, in milliseconds.
  uint32_t deadline_ms = 600'000;
};

/// How long a caller waits for the reply to a call with `deadline_ms`: the
/// pool answers by the deadline itself, so this only guards against a pool
/// that died holding the request.
inline std::chrono::milliseconds reply_timeout(uint32_t deadline_ms) {
  return std::chrono::milliseconds{deadline_ms} + std::chrono::seconds{60};
}

/// The answer to an llm_call.
struct llm_reply {
  std::vector<std::string> texts; ///< One per choice.
  std::string model;              ///< Pool name.
  std::string endpoint;
  token_usage usage;
  double latency_ms = 0;
  uint32_t attempts = 1;
};

/// A request for embeddings of several texts.
struct embed_call {
  std::string stage;
  std::vector<std::string> texts;
  uint32_t deadline_ms = 120'000;
};

/// Embeddings in input order.
struct embed_reply {
  std::vector<std::vector<float>> vectors;
  token_usage usage;
};

// -- status -------------------------------------------------------------------

/// Live numbers of one endpoint, for progress output and the control API.
struct endpoint_status {
  std::string model;
  std::string url;
  uint32_t limit = 0; ///< Adaptive concurrency limit now.
  uint32_t inflight = 0;
  uint32_t backlog = 0;
  bool healthy = true; ///< Circuit breaker closed.
  uint64_t completed = 0;
  uint64_t failed = 0;
  double server_running = -1; ///< From /metrics, -1 if unknown.
  double server_waiting = -1;
};

/// What one stage reports about itself, so that a user sees where items
/// pile up (GET /v1/status lists every stage).
struct stage_status {
  std::string name;
  std::string kind;
  uint64_t queued = 0;   ///< Received, waiting for work.
  uint64_t inflight = 0; ///< In work: LLM calls, sandbox runs, judging.
  uint64_t ready = 0;    ///< Finished, waiting for downstream to pull.
  uint64_t credit = 0;   ///< Pool credit held unused.
  uint64_t in = 0;       ///< Received in total.
  uint64_t out = 0;      ///< Sent downstream in total.
  uint64_t failed = 0;   ///< Of `out`, failed in this stage.
  bool upstream_done = false;
  bool done = false; ///< Sent end-of-stream downstream.
};

/// Counters of the pipeline, for progress output and the final summary.
struct pipeline_status {
  uint64_t seeds_read = 0;
  uint64_t seeds_bad = 0; ///< Malformed seed lines (reported, skipped).
  uint64_t seeds_extracted = 0;
  uint64_t seeds_failed = 0;
  uint64_t knowledge_points = 0;
  uint64_t combinations = 0;
  uint64_t generated = 0;
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t failed = 0;
  uint64_t prompt_tokens = 0;
  uint64_t completion_tokens = 0;
  bool done = false;
  /// Why the job cannot go on (e.g. an output file cannot be written);
  /// empty while it can.
  std::string error;
  std::vector<endpoint_status> endpoints;
};

} // namespace kpsynth

namespace kpsynth {

/// What running a generated program in the sandbox produced.
struct program_run {
  std::string outcome; ///< "ok", "timeout", "memory_limit", ...
  std::string output;  ///< Its standard output.
  std::string detail;  ///< Why it failed, if it did.
  double wall_seconds = 0;
};

/// What the io thread hands back to a client actor after one HTTP exchange.
/// Parsing happens in the actor (one simdjson parser per actor), never on the
/// io thread, so this carries raw bytes.
struct http_outcome {
  uint8_t transport_error = 0; ///< net::transport_error as an integer.
  std::string error_detail;
  int32_t status = 0;
  std::string body;
  std::string retry_after;
  double ttfb_ms = 0;
  double elapsed_ms = 0;
};

} // namespace kpsynth
