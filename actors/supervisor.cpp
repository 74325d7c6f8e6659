#include "actors/supervisor.hpp"

#include "protocols/errors.hpp"

#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <thread>

namespace kpsynth {

struct pipeline_watch::shared {
  std::mutex mtx;
  std::optional<std::string> first;
  std::atomic<bool> failed{false};
  std::atomic<bool> stopping{false};
};

pipeline_watch::pipeline_watch(const pipeline& p)
  : state_(std::make_shared<shared>()) {
  for (auto& [name, handle] : named_actors(p)) {
    // The functor runs on the ending actor's thread; it only records.
    handle->attach_functor(
      [st = state_, name = name](const caf::error& reason) {
        if (st->stopping)
          return;
        auto text = fmt::format("{} ended: {}", name,
                                reason ? decode_error(reason).message
                                       : std::string{"without a reason"});
        std::lock_guard<std::mutex> guard{st->mtx};
        if (!st->first) {
          st->first = std::move(text);
          st->failed = true;
        }
      });
  }
}

std::optional<std::string> pipeline_watch::failure() const {
  if (!state_->failed)
    return std::nullopt;
  std::lock_guard<std::mutex> guard{state_->mtx};
  return state_->first;
}

void pipeline_watch::stopping() {
  state_->stopping = true;
}

namespace {

/// The sink's counters and every pool's endpoints, each with a deadline.
void poll(caf::scoped_actor& self, const pipeline& p, run_outcome& out) {
  self->request(p.sink, std::chrono::seconds{5}, atom::status_v)
    .receive([&](pipeline_status& s) { out.status = std::move(s); },
             [&](caf::error&) {});
  out.endpoints.clear();
  for (auto& [name, pool] : p.pools)
    self->request(pool, std::chrono::seconds{5}, atom::status_v)
      .receive(
        [&](std::vector<endpoint_status>& xs) {
          for (auto& x : xs)
            out.endpoints.push_back(std::move(x));
        },
        [&](caf::error&) {});
}

} // namespace

run_outcome run_until_done(caf::actor_system& sys, const pipeline& p,
                           const pipeline_watch& watch,
                           const run_loop_options& opts) {
  caf::scoped_actor self{sys};
  run_outcome out;
  auto stop_now = [&] {
    if (auto f = watch.failure()) {
      out.end = run_end::failed;
      out.failure = *f;
      return true;
    }
    if (opts.interrupted != nullptr && *opts.interrupted) {
      out.end = run_end::interrupted;
      return true;
    }
    return false;
  };
  for (;;) {
    auto next = std::chrono::steady_clock::now() + opts.progress_interval;
    while (std::chrono::steady_clock::now() < next && !stop_now())
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    poll(self, p, out);
    if (opts.on_progress)
      opts.on_progress(out);
    if (out.end != run_end::failed && opts.check) {
      if (auto why = opts.check(out)) {
        out.end = run_end::failed;
        out.failure = std::move(*why);
        break;
      }
    }
    if (out.status.done || stop_now())
      break;
  }
  if (out.end == run_end::failed)
    spdlog::error("the run stops: {}", out.failure);
  self->request(p.sink, std::chrono::seconds{10}, atom::flush_v)
    .receive([&](bool ok) { out.flushed = ok; },
             [&](caf::error& err) {
               spdlog::error("the sink could not flush: {}",
                             caf::to_string(err));
             });
  return out;
}

} // namespace kpsynth
