#pragma once

// The one place that registers kpsynth's message types and atoms with CAF.
// The pattern follows Broker v1.4.0's fwd.hh: a type-ID block for the message
// types, atoms in `kpsynth::atom`, helper macros undefined at the end.

#include "protocols/inspect.hpp"
#include "protocols/messages.hpp"

#include <caf/fwd.hpp>
#include <caf/type_id.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kpsynth {

struct http_outcome;
struct panel_member;

} // namespace kpsynth

#define KPSYNTH_ADD_TYPE_ID(type) CAF_ADD_TYPE_ID(kpsynth, type)
#define KPSYNTH_ADD_ATOM(name, text)                                           \
  CAF_ADD_ATOM(kpsynth, kpsynth::atom, name, text)

CAF_BEGIN_TYPE_ID_BLOCK(kpsynth, caf::first_custom_type_id)

  // -- pipeline messages ------------------------------------------------------
  KPSYNTH_ADD_TYPE_ID((kpsynth::token_usage))
  KPSYNTH_ADD_TYPE_ID((kpsynth::step_trace))
  KPSYNTH_ADD_TYPE_ID((kpsynth::failure))
  KPSYNTH_ADD_TYPE_ID((kpsynth::seed_problem))
  KPSYNTH_ADD_TYPE_ID((kpsynth::kp_list))
  KPSYNTH_ADD_TYPE_ID((kpsynth::seed_outcome))
  KPSYNTH_ADD_TYPE_ID((kpsynth::combination))
  KPSYNTH_ADD_TYPE_ID((kpsynth::solution))
  KPSYNTH_ADD_TYPE_ID((kpsynth::verdict))
  KPSYNTH_ADD_TYPE_ID((kpsynth::item_record))
  KPSYNTH_ADD_TYPE_ID((std::vector<kpsynth::seed_problem>))
  KPSYNTH_ADD_TYPE_ID((std::vector<kpsynth::kp_list>))
  KPSYNTH_ADD_TYPE_ID((std::vector<kpsynth::item_record>))
  KPSYNTH_ADD_TYPE_ID((std::vector<kpsynth::verdict>))

  // -- LLM calls --------------------------------------------------------------
  KPSYNTH_ADD_TYPE_ID((kpsynth::chat_turn))
  KPSYNTH_ADD_TYPE_ID((kpsynth::llm_call))
  KPSYNTH_ADD_TYPE_ID((kpsynth::llm_reply))
  KPSYNTH_ADD_TYPE_ID((kpsynth::embed_call))
  KPSYNTH_ADD_TYPE_ID((kpsynth::embed_reply))
  KPSYNTH_ADD_TYPE_ID((kpsynth::http_outcome))
  KPSYNTH_ADD_TYPE_ID((kpsynth::program_run))

  // -- status and control -----------------------------------------------------
  KPSYNTH_ADD_TYPE_ID((kpsynth::endpoint_status))
  KPSYNTH_ADD_TYPE_ID((std::vector<kpsynth::endpoint_status>))
  KPSYNTH_ADD_TYPE_ID((kpsynth::pipeline_status))
  KPSYNTH_ADD_TYPE_ID((kpsynth::stage_status))
  KPSYNTH_ADD_TYPE_ID((kpsynth::panel_member))
  KPSYNTH_ADD_TYPE_ID((std::vector<kpsynth::panel_member>))

  // -- atoms (at most 10 characters) ------------------------------------------
  KPSYNTH_ADD_ATOM(complete, "complete")
  KPSYNTH_ADD_ATOM(embed, "embed")
  KPSYNTH_ADD_ATOM(http_done, "http_done")
  KPSYNTH_ADD_ATOM(metrics, "metrics")
  KPSYNTH_ADD_ATOM(tick, "tick")
  KPSYNTH_ADD_ATOM(capacity, "capacity")
  KPSYNTH_ADD_ATOM(attach, "attach")
  KPSYNTH_ADD_ATOM(demand, "demand")
  KPSYNTH_ADD_ATOM(credit, "credit")
  KPSYNTH_ADD_ATOM(release, "release")
  KPSYNTH_ADD_ATOM(pull, "pull")
  KPSYNTH_ADD_ATOM(push, "push")
  KPSYNTH_ADD_ATOM(done, "done")
  KPSYNTH_ADD_ATOM(judge, "judge")
  KPSYNTH_ADD_ATOM(panel, "panel")
  KPSYNTH_ADD_ATOM(status, "status")
  KPSYNTH_ADD_ATOM(retry, "retry")
  KPSYNTH_ADD_ATOM(flush, "flush")
  KPSYNTH_ADD_ATOM(outcome, "outcome")
  KPSYNTH_ADD_ATOM(run, "run")

CAF_END_TYPE_ID_BLOCK(kpsynth)

#undef KPSYNTH_ADD_TYPE_ID
#undef KPSYNTH_ADD_ATOM
