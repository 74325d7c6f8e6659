#pragma once

// Supervision of a running pipeline (VAST's node: a down message is never
// ignored). Every actor of the pipeline is watched; one that ends before
// the run is stopped -- an escaped exception, a failed write, a kill -- ends
// the run: the sink flushes what it has and the run reports the actor by
// name with its reason, so `kpsynth run` exits non-zero instead of waiting
// forever with a frozen progress line.

#include "actors/pipeline.hpp"

#include <caf/actor_system.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kpsynth {

/// Watches the actors of a pipeline from the moment it is made.
class pipeline_watch {
 public:
  explicit pipeline_watch(const pipeline& p);

  /// "stage 'solve' ended: <reason>" for the first actor that ended while
  /// the run was live; nothing while all live.
  std::optional<std::string> failure() const;

  /// From now on actors end because the run stops them: not a failure.
  void stopping();

 private:
  struct shared;
  std::shared_ptr<shared> state_;
};

/// How a run ended.
enum class run_end { done, interrupted, failed };

/// What run_until_done saw last.
struct run_outcome {
  run_end end = run_end::done;
  pipeline_status status;
  std::vector<endpoint_status> endpoints;
  std::string failure;  ///< Set when end == failed.
  bool flushed = false; ///< The sink confirmed its files are on disk.
};

/// Settings of the run loop.
struct run_loop_options {
  std::chrono::milliseconds progress_interval{1000};
  /// Set by a signal or the control API's stop.
  const std::atomic<bool>* interrupted = nullptr;
  /// Called at every progress interval with the numbers so far.
  std::function<void(const run_outcome&)> on_progress;
  /// Further reasons to stop a batch job, judged at every poll (a model
  /// down too long, a sink that reports a write error); empty: none.
  std::function<std::optional<std::string>(const run_outcome&)> check;
};

/// Polls the sink and the pools until the sink is done, the run is
/// interrupted or a watched actor ends (noticed within 20 ms), then asks the
/// sink to flush (a dead sink answers at once with an error).
run_outcome run_until_done(caf::actor_system& sys, const pipeline& p,
                           const pipeline_watch& watch,
                           const run_loop_options& opts);

} // namespace kpsynth
