#include "actors/sink.hpp"

#include "protocols/errors.hpp"
#include "protocols/records.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <unistd.h>
#include <utility>

namespace kpsynth {

sink_state::~sink_state() {
  for (auto* f : {items, seeds}) {
    if (f != nullptr) {
      std::fflush(f);
      ::fsync(fileno(f));
      std::fclose(f);
    }
  }
}

namespace {

using self_ptr = sink_actor::stateful_pointer<sink_state>;

/// Writes one line; the record is durable once the next sync ran.
void append(std::FILE* f, std::string line) {
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), f);
}

/// fsyncs duplicates of `fds` (still valid should the sink close its files
/// meanwhile) and closes them; throws naming the file that failed.
void fsync_all(std::vector<std::pair<int, std::string>> fds) {
  std::string failed;
  for (auto& [fd, what] : fds) {
    if (::fsync(fd) != 0 && failed.empty())
      failed = fmt::format("fsync of {}: {}", what, std::strerror(errno));
    ::close(fd);
  }
  if (!failed.empty())
    throw std::runtime_error(failed);
}

/// Flushes the files and has the worker fsync them; answers the waiting
/// `flush` requests when it finished.
void sync(self_ptr self) {
  auto& st = self->state;
  for (auto* f : {st.items, st.seeds})
    std::fflush(f);
  st.unsynced = 0;
  if (st.syncing) {
    st.sync_again = true;
    return;
  }
  st.syncing = true;
  auto dir = st.ctx->cfg.run.output_dir;
  std::vector<std::pair<int, std::string>> fds{
    {::dup(fileno(st.items)), (dir / "items.jsonl").string()},
    {::dup(fileno(st.seeds)), (dir / "seeds.jsonl").string()}};
  auto waiting =
    std::make_shared<decltype(st.flush_waiting)>(std::move(st.flush_waiting));
  st.flush_waiting.clear();
  auto finish = [self, waiting](bool ok) {
    auto& s = self->state;
    s.syncing = false;
    for (auto& rp : *waiting)
      rp.deliver(ok);
    if (std::exchange(s.sync_again, false) || !s.flush_waiting.empty())
      sync(self);
  };
  offload(
    self, st.worker, blocking_timeout, [fds] { fsync_all(fds); },
    [finish] { finish(true); },
    [finish](caf::error& err) {
      spdlog::error("sink: {}", decode_error(err).message);
      finish(false);
    });
}

void maybe_sync(self_ptr self) {
  auto& st = self->state;
  if (++st.unsynced >= st.ctx->cfg.run.sync_every)
    sync(self);
  else
    for (auto* f : {st.items, st.seeds})
      std::fflush(f); // Visible to readers at once; durable at sync.
}

void pull_more(self_ptr self) {
  auto& st = self->state;
  if (st.upstream)
    if (auto n = st.in.to_pull(0); n > 0)
      self->send(st.upstream, atom::pull_v, n);
}

} // namespace

sink_actor::behavior_type sink(sink_actor::stateful_pointer<sink_state> self,
                               context_ptr ctx,
                               std::unordered_set<std::string> item_ids,
                               std::unordered_set<std::string> seed_ids,
                               pipeline_status counters) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.item_ids = std::move(item_ids);
  st.seed_ids = std::move(seed_ids);
  st.counters = std::move(counters);
  st.in.bound = 256;
  auto dir = st.ctx->cfg.run.output_dir;
  st.items = std::fopen((dir / "items.jsonl").c_str(), "ab");
  st.seeds = std::fopen((dir / "seeds.jsonl").c_str(), "ab");
  if (st.items == nullptr || st.seeds == nullptr) {
    self->quit(make_error(ec::fatal, "cannot append to the output files in "
                                       + dir.string()));
    return sink_actor::behavior_type::make_empty_behavior();
  }
  st.worker = spawn_blocking_worker(self);
  return {
    [=](atom::attach, producer_actor& up) {
      self->state.upstream = std::move(up);
      pull_more(self);
    },
    [=](atom::push, std::vector<item_record>& xs) {
      auto& s = self->state;
      s.in.received(xs.size());
      for (auto& x : xs) {
        if (!s.item_ids.insert(x.id).second)
          continue; // Written before a crash; never twice.
        switch (x.status) {
        case item_status::accepted:
          ++s.counters.accepted;
          break;
        case item_status::rejected:
          ++s.counters.rejected;
          break;
        default:
          x.status = item_status::failed;
          ++s.counters.failed;
        }
        for (auto& t : x.trace) {
          s.counters.prompt_tokens += t.usage.prompt_tokens;
          s.counters.completion_tokens += t.usage.completion_tokens;
        }
        append(s.items, to_json(x));
        maybe_sync(self);
      }
      pull_more(self);
    },
    [=](atom::done) {
      sync(self);
      self->state.counters.done = true;
      spdlog::debug("sink: upstream done");
    },
    // Records what happened to one seed.
    [=](atom::outcome, seed_outcome& x) {
      auto& s = self->state;
      if (!s.seed_ids.insert(x.seed_id).second)
        return;
      if (x.why.stage == "read")
        ++s.counters.seeds_bad;
      else if (x.ok)
        ++s.counters.seeds_extracted, s.counters.knowledge_points += x.points;
      else
        ++s.counters.seeds_failed;
      append(s.seeds, to_json(x));
      maybe_sync(self);
    },
    // Reports the counters.
    [=](atom::status) -> pipeline_status { return self->state.counters; },
    // Flushes and fsyncs the output files.
    [=](atom::flush) -> caf::result<bool> {
      auto rp = self->make_response_promise<bool>();
      self->state.flush_waiting.push_back(rp);
      sync(self);
      return rp;
    },
  };
}

} // namespace kpsynth
