#pragma once

// Spawns and wires the whole pipeline from a configuration. Shared by the
// `kpsynth run` command and the end-to-end tests.

#include "actors/context.hpp"
#include "protocols/actors.hpp"

#include <caf/actor_system.hpp>

#include <map>
#include <string>
#include <vector>

namespace kpsynth {

namespace net {
class io_runtime;
} // namespace net

/// Handles of a running pipeline.
struct pipeline {
  std::map<std::string, model_pool_actor> pools;
  sink_actor sink;
  panel_actor panel;
  std::vector<panel_member> judges;
  planner_actor planner;
  item_stage_actor generator;
  item_stage_actor decontam; ///< Invalid when decontam.enabled = false.
  item_stage_actor solver;
  item_stage_actor programmer; ///< Invalid without [stages.program].
  item_stage_actor verifier;   ///< Invalid without [stages.program].
  std::vector<sandbox_worker_actor> sandbox_workers;
  extractor_actor extractor;
  seed_source_actor source;
  /// What earlier runs already wrote (resume).
  uint64_t resumed_items = 0;
  uint64_t resumed_seeds = 0;
};

/// Prepares the output directory, reads what earlier runs left there
/// (repairing a torn last line), and spawns every actor. The models' endpoint
/// URLs must be final (the simulator already substituted).
result<pipeline> spawn_pipeline(caf::actor_system& sys, context_ptr ctx,
                                net::io_runtime& io);

/// Builds judge actors for `judges` (pool names must exist in `p.pools`).
std::vector<panel_member>
spawn_judges(caf::actor_system& sys, const context_ptr& ctx, pipeline& p,
             const std::vector<config::judge_config>& judges);

/// Every actor of the pipeline, for shutdown: the actor system only ends
/// once each of them has exited.
std::vector<caf::actor> all_actors(const pipeline& p);

/// Registers kpsynth's message types with an actor system configuration.
void add_message_types(caf::actor_system_config& cfg);

} // namespace kpsynth
