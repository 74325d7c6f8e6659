#pragma once

// CAF 0.17 `inspect` overloads for every message type. This is the only file
// that uses the 0.17 inspect API (`f(meta::type_name(...), fields...)`),
// which changed in 0.18, so a CAF upgrade touches this file alone.

#include "protocols/messages.hpp"

#include <caf/meta/type_name.hpp>

namespace kpsynth {

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, token_usage& x) {
  return f(caf::meta::type_name("kpsynth.token_usage"), x.prompt_tokens,
           x.completion_tokens);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, step_trace& x) {
  return f(caf::meta::type_name("kpsynth.step_trace"), x.stage, x.model,
           x.endpoint, x.usage, x.latency_ms, x.attempts);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, failure& x) {
  return f(caf::meta::type_name("kpsynth.failure"), x.stage, x.code, x.reason);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, seed_problem& x) {
  return f(caf::meta::type_name("kpsynth.seed_problem"), x.id, x.problem,
           x.solution, x.origin);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, kp_list& x) {
  return f(caf::meta::type_name("kpsynth.kp_list"), x.seed_id, x.points,
           x.trace);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, seed_outcome& x) {
  return f(caf::meta::type_name("kpsynth.seed_outcome"), x.seed_id, x.ok,
           x.points, x.why);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, combination& x) {
  return f(caf::meta::type_name("kpsynth.combination"), x.id, x.kind, x.points,
           x.seed_ids, x.ordinal);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, solution& x) {
  return f(caf::meta::type_name("kpsynth.solution"), x.text, x.answer, x.model);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, verdict& x) {
  return f(caf::meta::type_name("kpsynth.verdict"), x.judge, x.model, x.weight,
           x.problem_score, x.solution_ok, x.program_ok, x.program_judged,
           x.abstained, x.note, x.trace);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, item_record& x) {
  return f(caf::meta::type_name("kpsynth.item_record"), x.id, x.origin,
           x.problem, x.level, x.solutions, x.verdicts, x.problem_score,
           x.consensus_answer, x.consensus_share, x.program, x.program_output,
           x.program_agrees, x.status, x.why, x.trace);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, chat_turn& x) {
  return f(caf::meta::type_name("kpsynth.chat_turn"), x.role, x.content);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, llm_call& x) {
  return f(caf::meta::type_name("kpsynth.llm_call"), x.stage, x.messages,
           x.temperature, x.top_p, x.max_tokens, x.n, x.has_seed, x.seed,
           x.stop, x.deadline_ms);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, llm_reply& x) {
  return f(caf::meta::type_name("kpsynth.llm_reply"), x.texts, x.model,
           x.endpoint, x.usage, x.latency_ms, x.attempts);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, embed_call& x) {
  return f(caf::meta::type_name("kpsynth.embed_call"), x.stage, x.texts,
           x.deadline_ms);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, embed_reply& x) {
  return f(caf::meta::type_name("kpsynth.embed_reply"), x.vectors, x.usage);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, program_run& x) {
  return f(caf::meta::type_name("kpsynth.program_run"), x.outcome, x.output,
           x.detail, x.wall_seconds);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, http_outcome& x) {
  return f(caf::meta::type_name("kpsynth.http_outcome"), x.transport_error,
           x.error_detail, x.status, x.body, x.retry_after, x.ttfb_ms,
           x.elapsed_ms);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, endpoint_status& x) {
  return f(caf::meta::type_name("kpsynth.endpoint_status"), x.model, x.url,
           x.limit, x.inflight, x.backlog, x.healthy, x.completed, x.failed,
           x.server_running, x.server_waiting);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, stage_status& x) {
  return f(caf::meta::type_name("kpsynth.stage_status"), x.name, x.kind,
           x.queued, x.inflight, x.ready, x.credit, x.in, x.out, x.failed,
           x.upstream_done, x.done);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, pipeline_status& x) {
  return f(caf::meta::type_name("kpsynth.pipeline_status"), x.seeds_read,
           x.seeds_bad, x.seeds_extracted, x.seeds_failed, x.knowledge_points,
           x.combinations, x.generated, x.accepted, x.rejected, x.failed,
           x.prompt_tokens, x.completion_tokens, x.done, x.error, x.endpoints);
}

} // namespace kpsynth
