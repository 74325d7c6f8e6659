#pragma once

// Work that blocks its thread -- symbolic equivalence under a time budget,
// fsync, building the KP graph -- must not run on CAF's shared scheduler:
// with two workers, one long GiNaC comparison halves the throughput of every
// other actor and delays their replies and credit. A BLOCKING WORKER is a
// detached actor (its own thread, like the sandbox workers) that runs such
// a job and answers when it is done, so the result comes back as a message.

#include "protocols/actors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <functional>
#include <utility>

namespace kpsynth {

/// One job for a blocking worker. It runs on another thread, so it must own
/// (or share through a shared_ptr) everything it touches and never reach
/// into an actor's state.
struct blocking_job {
  std::function<void()> work;
};

} // namespace kpsynth

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kpsynth::blocking_job)

namespace kpsynth {

/// How long an owner waits for a job before failing what it was for: far
/// beyond any symbolic budget or fsync, only a guard against a lost answer.
inline constexpr auto blocking_timeout = std::chrono::minutes{5};

/// The BLOCKING WORKER interface.
using blocking_worker_actor = caf::typed_actor<
  // Runs the job on the worker's own thread; answers once it finished.
  caf::replies_to<atom::run, blocking_job>::with<bool>>;

/// The behavior of a blocking worker. Spawn it `caf::detached`.
blocking_worker_actor::behavior_type
blocking_worker(blocking_worker_actor::pointer self);

/// Whether `sys` runs on CAF's test_coordinator, which is single-threaded:
/// a detached actor answering from its own thread would race with it.
bool runs_deterministic(caf::actor_system& sys);

/// Spawns a blocking worker linked to `self` (it ends with its owner, and
/// its owner learns of its death): detached, except on the test_coordinator,
/// where it is scheduled like any actor so that tests stay deterministic.
template<class Self>
blocking_worker_actor spawn_blocking_worker(Self* self) {
  if (runs_deterministic(self->home_system()))
    return self->template spawn<caf::linked>(blocking_worker);
  return self->template spawn<caf::detached + caf::linked>(blocking_worker);
}

/// Runs `work` on `worker`, then `done()` on `self` (in its own turn, so it
/// may touch the actor's state), or `failed(error)` when the worker is gone
/// or `timeout` passed. The caller bounds how many jobs it has out.
template<class Self, class Done, class Failed>
void offload(Self* self, const blocking_worker_actor& worker,
             std::chrono::milliseconds timeout, std::function<void()> work,
             Done done, Failed failed) {
  self->request(worker, timeout, atom::run_v, blocking_job{std::move(work)})
    .then([done](bool) mutable { done(); },
          [failed](caf::error& err) mutable { failed(err); });
}

} // namespace kpsynth
