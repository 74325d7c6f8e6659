#include "actors/sandbox_worker.hpp"

#include <caf/typed_event_based_actor.hpp>

namespace kpsynth {

sandbox_worker_actor::behavior_type sandbox_worker(
  sandbox_worker_actor::stateful_pointer<sandbox_worker_state> self,
  quality::sandbox box) {
  self->state.box.emplace(std::move(box));
  return {
    // Runs a Python program and reports what it printed.
    [=](atom::run, const std::string& source) -> program_run {
      auto r = self->state.box->run(source);
      program_run result;
      result.outcome = std::string{quality::to_string(r.outcome)};
      result.output = std::move(r.stdout_text);
      result.detail = r.detail;
      if (r.outcome != quality::run_outcome::ok && !r.stderr_text.empty()) {
        // The last line of a traceback says what went wrong.
        auto text = std::string_view{r.stderr_text};
        while (!text.empty() && text.back() == '\n')
          text.remove_suffix(1);
        auto nl = text.rfind('\n');
        result.detail += ": ";
        result.detail += text.substr(nl == text.npos ? 0 : nl + 1);
      }
      result.wall_seconds = r.wall_seconds;
      return result;
    },
  };
}

} // namespace kpsynth
