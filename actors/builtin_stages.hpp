#pragma once

// The built-in stage kinds of the math pipeline, registered by
// stage_registry::with_builtins(). Each kind's factory lives beside the
// actor it spawns; this header only lists the ones defined in other files.

#include "actors/stage_registry.hpp"

namespace kpsynth {

/// Registers extract, plan, generate, decontam, solve, program, verify and
/// judge_panel.
void register_builtin_stages(stage_registry& registry);

/// The decontam kind's factory (actors/decontam_stage.cpp).
result<caf::actor> spawn_decontam(stage_env& env);

} // namespace kpsynth
