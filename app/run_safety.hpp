#pragma once

// What keeps `kpsynth run` from hanging or from ending quietly after losing
// work: start-up checks of the outside inputs that the configuration loader
// cannot judge, a signal thread that always ends the process, and a watch on
// models whose every endpoint is down. (Actors that die are watched by
// actors/supervisor.)

#include "core/config.hpp"
#include "core/result.hpp"
#include "protocols/messages.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kpsynth::app {

/// Every endpoint URL must parse (scheme, host, port 1..65535), except the
/// simulator's "sim". Errors name the file:line and the key.
std::optional<problem> check_endpoints(const config::kpsynth_config& cfg);

/// Blocks SIGINT and SIGTERM in every thread and starts a thread that
/// takes them: the first sets `interrupted` (the job stops and flushes); a
/// second one, or `grace` seconds without the process ending, ends it at
/// once with exit code 130. The output files are the checkpoint, so ending
/// hard loses nothing written; a hang on shutdown can never keep a stopped
/// job alive.
void handle_stop_signals(std::atomic<bool>& interrupted, int grace_s = 30);

/// Raises the soft limit on open files to the hard limit: connections to
/// many endpoints at adaptive concurrency need descriptors, and the control
/// API's cap keeps outside clients from taking them.
void raise_open_file_limit();

/// Tells when every endpoint of one model has been down (circuit open) for
/// longer than run.model_down_timeout_s: a batch job then stops within
/// seconds of the timeout instead of grinding each item through its whole
/// retry budget.
class model_down_watch {
 public:
  using clock = std::chrono::steady_clock;

  /// `timeout_s` = 0 never reports.
  explicit model_down_watch(double timeout_s) : timeout_s_(timeout_s) {}

  /// Feeds the endpoints' states at `now`; the failure, naming the model
  /// and its URLs, once one model has been down for the timeout.
  std::optional<std::string> update(const std::vector<endpoint_status>& eps,
                                    clock::time_point now);

 private:
  double timeout_s_;
  std::map<std::string, clock::time_point> down_since_;
};

} // namespace kpsynth::app
