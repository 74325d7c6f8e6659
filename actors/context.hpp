#pragma once

// What every pipeline actor shares, read-only: the configuration and the
// loaded prompt pack. Passed as a shared pointer at spawn time; it never
// travels in messages.

#include "core/config.hpp"
#include "core/prompt_pack.hpp"
#include "core/result.hpp"
#include "protocols/errors.hpp"
#include "protocols/messages.hpp"

#include <map>
#include <memory>
#include <string>

namespace kpsynth {

/// Read-only state shared by the pipeline's actors.
struct pipeline_context {
  config::kpsynth_config cfg;
  core::prompt_pack prompts;
};

using context_ptr = std::shared_ptr<const pipeline_context>;

/// Who a stage actor is: its configured name (traces, status, errors),
/// kind, settings and the kind's own options, and its credit priority (its
/// position in the pipeline: later stages are served first).
struct stage_spec {
  std::string name;
  std::string kind;
  config::stage_config settings;
  std::map<std::string, std::string> options;
  int32_t priority = 0;
};

/// Renders prompt `kind` into a chat call for `stage`, taking sampling from
/// the stage's configuration where set and from the prompt pack otherwise.
result<llm_call> render_call(const pipeline_context& ctx, std::string_view kind,
                             const std::map<std::string, std::string>& values,
                             std::string_view stage,
                             const config::stage_config* stage_cfg);

/// Formats knowledge points as a numbered list ("1. ...\n2. ...").
std::string numbered(const std::vector<std::string>& xs);

/// The trace entry for a finished call.
step_trace trace_of(std::string_view stage, const llm_reply& reply);

/// Marks `x` failed at `stage` with the error, keeping what it had.
void mark_failed(item_record& x, std::string_view stage, const error_info& e);

} // namespace kpsynth
