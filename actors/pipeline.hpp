#pragma once

// Spawns and wires a pipeline from its configured topology. Shared by the
// `kpsynth run` command and the end-to-end tests.

#include "actors/context.hpp"
#include "actors/stage_registry.hpp"
#include "protocols/actors.hpp"
#include "protocols/resume.hpp"

#include <caf/actor_system.hpp>

#include <map>
#include <string>
#include <vector>

namespace kpsynth {

namespace net {
class io_runtime;
} // namespace net

/// A stage of a running pipeline.
struct running_stage {
  std::string name;
  std::string kind;
  caf::actor handle; ///< Invalid when the stage left itself out.
};

/// Handles of a running pipeline.
struct pipeline {
  std::map<std::string, model_pool_actor> pools;
  sink_actor sink;
  seed_source_actor source;
  /// Every configured stage in flow order.
  std::vector<running_stage> stages;
  /// The judge panel's stage (for the control API); invalid without one.
  panel_actor panel;
  int32_t judge_priority = 0;
  std::vector<panel_member> judges;
  /// Actors a stage started besides itself (judges, sandbox workers).
  std::vector<caf::actor> helpers;
  /// What earlier runs wrote; factories take what they need from it.
  resume_state resumed;
  uint64_t resumed_items = 0;
  uint64_t resumed_seeds = 0;
};

/// Resolves the configuration's topology with the built-in registry (plus
/// linked domain libraries), checks the prompt pack against it, reads what
/// earlier runs left in the output directory (repairing a torn last line),
/// and spawns every actor. The models' endpoint URLs must be final (the
/// simulator already substituted).
result<pipeline> spawn_pipeline(caf::actor_system& sys, context_ptr ctx,
                                net::io_runtime& io);

/// The same with a topology resolved by the caller.
result<pipeline> spawn_pipeline(caf::actor_system& sys, context_ptr ctx,
                                net::io_runtime& io, const topology& t);

/// Builds judge actors for `judges` (pool names must exist in `p.pools`),
/// attached to their pools with the panel's priority.
std::vector<panel_member>
spawn_judges(caf::actor_system& sys, const context_ptr& ctx, pipeline& p,
             const std::vector<config::judge_config>& judges);

/// Every actor of the pipeline, for shutdown and supervision: the actor
/// system only ends once each of them has exited.
std::vector<caf::actor> all_actors(const pipeline& p);

/// Every actor with the name a person knows it by ("stage 'solve'",
/// "pool 'math-7b'", "sink"), for supervision messages.
std::vector<std::pair<std::string, caf::actor>> named_actors(const pipeline& p);

/// Registers kpsynth's message types with an actor system configuration.
void add_message_types(caf::actor_system_config& cfg);

} // namespace kpsynth
