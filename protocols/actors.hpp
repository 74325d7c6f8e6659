#pragma once

// The catalogue of every typed actor interface in kpsynth, one `using` per
// actor with a comment per handler (the VAST actors.hpp pattern). Reading this
// file tells how the pipeline is wired:
//
//   seed_source -> extractor -> planner -> generator -> solver -> panel -> sink
//                      |                      |           |        |
//                      |                      |           |      judges
//                      +------ model pools (one per model) --------+
//                                 |
//                            llm_client (one per endpoint) -- HTTP --> server
//
// Items flow downstream as `push` batches; demand flows upstream as `pull`
// credit, and LLM capacity flows from the model pools to the stages as
// `credit`. No stage ever holds more than its configured bound, however many
// seeds there are. CAF 0.17 streams are deliberately not used (CAF note 1.6).

#include "protocols/fwd.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kpsynth::net {
class response_writer;
} // namespace kpsynth::net

namespace kpsynth {

/// One control API request, handed from the io thread to the CONTROL actor
/// with the writer that answers it. Local only: it never crosses a network.
struct control_request {
  std::string method;
  std::string path;
  std::string body;
  std::string authorization; ///< The Authorization header.
  std::shared_ptr<net::response_writer> writer;
};

} // namespace kpsynth

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kpsynth::control_request)

namespace kpsynth {

// -- flow control -------------------------------------------------------------

/// The CREDIT LISTENER interface: every stage that draws capacity from a
/// model pool.
using credit_listener_actor = caf::typed_actor<
  // Grants the listener `n` more calls on the named pool.
  caf::reacts_to<atom::credit, std::string, uint32_t>>;

/// The PRODUCER interface: a stage that emits items on demand.
using producer_actor = caf::typed_actor<
  // Asks for up to `n` more items; they arrive as `push` batches.
  caf::reacts_to<atom::pull, uint32_t>>;

/// The CONSUMER interface for items of type T.
template<class T>
using consumer_actor = caf::typed_actor<
  // Introduces the upstream producer; the consumer answers with `pull`.
  caf::reacts_to<atom::attach, producer_actor>,
  // Delivers items. Never more than the consumer pulled.
  caf::reacts_to<atom::push, std::vector<T>>,
  // The upstream will send nothing more.
  caf::reacts_to<atom::done>>;

/// The STAGE STATUS interface every pipeline stage answers (the one status
/// protocol of VAST's components): queue, in flight, credit, in/out/failed.
using stage_status_actor = caf::typed_actor<
  // Reports the stage's numbers.
  caf::replies_to<atom::status>::with<stage_status>>;

// -- inference ----------------------------------------------------------------

/// The LLM CLIENT actor interface: one per OpenAI-compatible endpoint. It
/// owns the endpoint's adaptive concurrency limit and circuit breaker and
/// runs exactly one attempt per call; retries belong to the model pool.
using llm_client_actor = caf::typed_actor<
  // Runs one chat completion on this endpoint.
  caf::replies_to<atom::complete, llm_call>::with<llm_reply>,
  // Computes embeddings on this endpoint.
  caf::replies_to<atom::embed, embed_call>::with<embed_reply>,
  // Reports limit, load and health.
  caf::replies_to<atom::status>::with<endpoint_status>,
  // INTERNAL: an HTTP exchange finished on the io thread.
  caf::reacts_to<atom::http_done, uint64_t, http_outcome>,
  // INTERNAL: a /metrics scrape finished on the io thread.
  caf::reacts_to<atom::metrics, http_outcome>,
  // INTERNAL: periodic scrape and backlog sweep.
  caf::reacts_to<atom::tick>>;

/// The MODEL POOL actor interface: a named model served by one or more
/// endpoints (e.g. several vLLM replicas). Routes each call to the endpoint
/// with the most free capacity, retries retryable failures with backoff on
/// the best endpoint, and grants credit to stages so that the endpoints stay
/// saturated without a flood.
using model_pool_actor = caf::typed_actor<
  // Runs a chat completion with retries; the caller must hold a credit.
  caf::replies_to<atom::complete, llm_call>::with<llm_reply>,
  // Computes embeddings with retries.
  caf::replies_to<atom::embed, embed_call>::with<embed_reply>,
  // Registers a stage for credit; higher priority is served first, which
  // drains downstream stages first and keeps memory bounded.
  caf::reacts_to<atom::attach, credit_listener_actor, int32_t>,
  // A stage states how many calls it could start now, credit it holds
  // included. The pool alone books outstanding credit: a grant adds to it,
  // each `complete` or `embed` from the stage spends one, `release` returns
  // some; a stage never reports what it holds, which would be stale while
  // grants are in flight.
  caf::reacts_to<atom::demand, credit_listener_actor, uint32_t>,
  // A stage hands back `n` granted credits it cannot use, so that other
  // stages of the pool get them.
  caf::reacts_to<atom::release, credit_listener_actor, uint32_t>,
  // Reports every endpoint.
  caf::replies_to<atom::status>::with<std::vector<endpoint_status>>,
  // INTERNAL: endpoint `i` changed: limit, in flight, healthy.
  caf::reacts_to<atom::capacity, uint32_t, uint32_t, uint32_t, bool>,
  // INTERNAL: a backed-off call is due for another attempt.
  caf::reacts_to<atom::retry, uint64_t>>;

// -- pipeline stages ----------------------------------------------------------

/// The SEED SOURCE actor interface: reads seed JSONL lazily, on demand.
using seed_source_actor = producer_actor;

/// The EXTRACTOR actor interface: seeds in, knowledge-point lists out.
using extractor_actor =
  consumer_actor<seed_problem>::extend_with<producer_actor>::extend_with<
    credit_listener_actor>::extend_with<stage_status_actor>;

/// The PLANNER actor interface: collects knowledge points, builds the KP
/// graph once extraction is done and emits combinations as new items.
using planner_actor = consumer_actor<kp_list>::extend_with<
  producer_actor>::extend_with<stage_status_actor>;

/// The ITEM STAGE interface: generator, solver and any other stage that
/// transforms items one by one with LLM calls.
using item_stage_actor =
  consumer_actor<item_record>::extend_with<producer_actor>::extend_with<
    credit_listener_actor>::extend_with<stage_status_actor>;

/// The SANDBOX WORKER actor interface: runs one generated program in the
/// sandbox. Workers are detached actors (own thread), since a run blocks.
using sandbox_worker_actor = caf::typed_actor<
  // Runs a Python program and reports what it printed.
  caf::replies_to<atom::run, std::string>::with<program_run>>;

/// The JUDGE actor interface: one per judge model.
using judge_actor = caf::typed_actor<
  // Scores the problem and checks the solutions of an item.
  caf::replies_to<atom::judge, item_record>::with<verdict>>::
  extend_with<credit_listener_actor>;

/// A judge with its weight in the panel's problem score.
struct panel_member {
  std::string name;
  judge_actor handle;
  double weight = 1;
};

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, panel_member& x) {
  return f(caf::meta::type_name("kpsynth.panel_member"), x.name, x.handle,
           x.weight);
}

/// The PANEL actor interface (vote aggregator): fans items out to the
/// judges, combines their verdicts (weighted problem score against the
/// threshold, single-vote veto on the solution) and forwards the result.
using panel_actor = consumer_actor<item_record>::extend_with<producer_actor>::
  extend_with<stage_status_actor>::extend_with<caf::typed_actor<
    // Replaces the judge panel while the pipeline runs; items already being
    // judged finish with the panel they started with. Returns the new size.
    caf::replies_to<atom::panel, std::vector<panel_member>>::with<uint32_t>>>;

/// The SINK actor interface: appends finished items and seed outcomes to
/// JSONL files and keeps the run's counters.
using sink_actor = consumer_actor<item_record>::extend_with<caf::typed_actor<
  // Records what happened to one seed.
  caf::reacts_to<atom::outcome, seed_outcome>,
  // Reports the counters.
  caf::replies_to<atom::status>::with<pipeline_status>,
  // Flushes and fsyncs the output files.
  caf::replies_to<atom::flush>::with<bool>>>;

/// The CONTROL actor interface: answers the control API (status, live judge
/// panel changes, stop), behind a bearer token on loopback.
using control_actor = caf::typed_actor<
  // Answers one control API request.
  caf::reacts_to<atom::status, control_request>>;

/// The narrow view of the sink that stages use to report seed outcomes.
using seed_ledger_actor =
  caf::typed_actor<caf::reacts_to<atom::outcome, seed_outcome>>;

} // namespace kpsynth
