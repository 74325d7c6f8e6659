#pragma once

#include "actors/context.hpp"
#include "actors/flow.hpp"
#include "protocols/actors.hpp"

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <deque>
#include <unordered_map>

namespace kpsynth {

/// State of a JUDGE actor: one per judge model. Each item costs two calls:
/// the problem score (prompt judge_problem, 0..1) and the solution check
/// (prompt judge_solution, True/False), plus a third when the item carries
/// a generated program: does the program match the problem (program_judge)?
struct judge_state {
  /// One item being judged.
  struct job {
    item_record item;
    caf::typed_response_promise<verdict> rp;
    verdict result;
    uint32_t pending = 2;
  };

  /// Which prompt a task asks.
  enum class prompt : uint8_t { problem, solution, program };

  /// One LLM call still to start: the job and which prompt.
  struct task {
    uint64_t job_id;
    prompt kind;
  };

  context_ptr ctx;
  config::judge_config cfg;
  model_pool_actor pool;
  std::unordered_map<uint64_t, job> jobs;
  std::deque<task> tasks;
  uint64_t next_job = 1;
  flow::credit_account credit; ///< Pool credit held, unused.

  static inline const char* name = "judge";
};

judge_actor::behavior_type
judge(judge_actor::stateful_pointer<judge_state> self, context_ptr ctx,
      config::judge_config cfg, model_pool_actor pool, int32_t priority);

} // namespace kpsynth
