#include "actors/blocking_worker.hpp"

#include "protocols/errors.hpp"

#include <caf/actor_system.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <exception>

namespace kpsynth {

bool runs_deterministic(caf::actor_system& sys) {
  return dynamic_cast<caf::scheduler::test_coordinator*>(&sys.scheduler())
         != nullptr;
}

blocking_worker_actor::behavior_type
blocking_worker(blocking_worker_actor::pointer) {
  return {
    // A job that throws fails its request instead of killing the worker
    // (and, through the link, its owner).
    [](atom::run, blocking_job& job) -> caf::result<bool> {
      try {
        job.work();
      } catch (const std::exception& e) {
        return make_error(ec::fatal, std::string{"blocking job: "} + e.what());
      }
      return true;
    },
  };
}

} // namespace kpsynth
