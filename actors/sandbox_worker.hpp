#pragma once

#include "protocols/actors.hpp"
#include "sandbox/sandbox.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <optional>

namespace kpsynth {

/// State of a SANDBOX WORKER. Spawn it `caf::detached`: a run blocks its
/// thread for up to the wall-clock limit, which must never stall the
/// scheduler's workers.
struct sandbox_worker_state {
  std::optional<quality::sandbox> box;

  static inline const char* name = "sandbox_worker";
};

sandbox_worker_actor::behavior_type sandbox_worker(
  sandbox_worker_actor::stateful_pointer<sandbox_worker_state> self,
  quality::sandbox box);

} // namespace kpsynth
