#pragma once

// The control API of a running job: an HTTP/JSON interface on loopback,
// guarded by a bearer token, answered by the CONTROL actor. It is how an
// operator watches a weeks-long job and changes its judge panel without
// stopping it.
//
//   GET  /v1/status   counters and every endpoint's limit and load
//   GET  /v1/panel    the judges now in use
//   PUT  /v1/panel    {"judges": [{"name", "model", "weight"}]}
//   POST /v1/stop     flush and stop (resumable)

#include "actors/context.hpp"
#include "protocols/actors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace kpsynth {

/// The parts of a running pipeline the control API reaches into.
struct control_targets {
  std::map<std::string, model_pool_actor> pools;
  sink_actor sink;
  panel_actor panel;
  /// Credit priority of the panel's stage; new judges attach with it.
  int32_t judge_priority = 0;
  /// Every stage by name, in flow order, for per-stage status.
  std::vector<std::pair<std::string, stage_status_actor>> stages;
};

struct pipeline;

/// The control targets of a running pipeline.
control_targets control_targets_of(const pipeline& p);

/// State of the CONTROL actor.
struct control_state {
  context_ptr ctx;
  std::string token;
  control_targets targets;
  std::vector<config::judge_config> judges; ///< The panel now in use.
  std::function<void()> stop;

  static inline const char* name = "control";
};

/// Parses a PUT /v1/panel body against the job's model pools. Errors name
/// the field: unknown fields, unknown models, judge names used twice, and
/// weights that are not positive finite numbers are all rejected.
result<std::vector<config::judge_config>>
parse_panel(std::string_view body, const std::set<std::string>& models);

/// Whether `authorization` is "Bearer <token>"; constant time in the token.
bool authorized(std::string_view authorization, std::string_view token);

control_actor::behavior_type
control(control_actor::stateful_pointer<control_state> self, context_ptr ctx,
        std::string token, control_targets targets, std::function<void()> stop);

} // namespace kpsynth
