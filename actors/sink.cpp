#include "actors/sink.hpp"

#include "protocols/errors.hpp"
#include "protocols/records.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

namespace kpsynth {

namespace {

using self_ptr = sink_actor::stateful_pointer<sink_state>;

/// Stops the job's intake after a failed write; the first error wins.
void fail(self_ptr self, const problem& p) {
  auto& st = self->state;
  if (!st.counters.error.empty())
    return;
  st.counters.error = p.to_string();
  spdlog::error("sink: {}; the job stops taking work. Free space or fix the "
                "cause, then run the same command again: nothing written is "
                "lost and the rest is redone",
                st.counters.error);
}

bool failed(self_ptr self) {
  return !self->state.counters.error.empty();
}

/// Appends one record line; false (and the job stopped) if it failed.
bool append(self_ptr self, std::optional<append_file>& f, std::string line) {
  line.push_back('\n');
  if (auto p = f->append(line)) {
    fail(self, *p);
    return false;
  }
  return true;
}

/// Makes both files durable; the records are on disk once this succeeds.
void sync(self_ptr self) {
  auto& st = self->state;
  if (failed(self))
    return;
  for (auto* f : {&st.items, &st.seeds})
    if (auto p = (*f)->sync()) {
      fail(self, *p);
      return;
    }
  st.unsynced = 0;
}

/// Writes are unbuffered, so readers see every record at once; durability
/// comes every `sync_every` records.
void maybe_sync(self_ptr self) {
  auto& st = self->state;
  if (++st.unsynced >= st.ctx->cfg.run.sync_every)
    sync(self);
}

void pull_more(self_ptr self) {
  auto& st = self->state;
  if (st.upstream && !failed(self))
    if (auto n = st.in.to_pull(0); n > 0)
      self->send(st.upstream, atom::pull_v, n);
}

/// Writes one finished item and counts it.
void write_item(self_ptr self, item_record& x) {
  auto& s = self->state;
  if (!s.item_ids.insert(x.id).second)
    return; // Written before a crash; never twice.
  if (x.status != item_status::accepted && x.status != item_status::rejected)
    x.status = item_status::failed;
  if (!append(self, s.items, to_json(x))) {
    s.item_ids.erase(x.id);
    return;
  }
  switch (x.status) {
  case item_status::accepted:
    ++s.counters.accepted;
    break;
  case item_status::rejected:
    ++s.counters.rejected;
    break;
  default:
    ++s.counters.failed;
  }
  for (auto& t : x.trace) {
    s.counters.prompt_tokens += t.usage.prompt_tokens;
    s.counters.completion_tokens += t.usage.completion_tokens;
  }
  maybe_sync(self);
}

/// Opens the output files, or explains why not.
std::optional<problem> open_outputs(sink_state& st) {
  auto dir = st.ctx->cfg.run.output_dir;
  auto items = append_file::open(dir / "items.jsonl");
  if (!items)
    return items.error();
  auto seeds = append_file::open(dir / "seeds.jsonl");
  if (!seeds)
    return seeds.error();
  st.items.emplace(std::move(*items));
  st.seeds.emplace(std::move(*seeds));
  return std::nullopt;
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
  if (auto p = open_outputs(st)) {
    self->quit(make_error(ec::fatal, p->to_string()));
    return sink_actor::behavior_type::make_empty_behavior();
  }
  return {
    [=](atom::attach, producer_actor& up) {
      self->state.upstream = std::move(up);
      pull_more(self);
    },
    [=](atom::push, std::vector<item_record>& xs) {
      auto& s = self->state;
      s.in.received(xs.size());
      for (auto& x : xs) {
        // After a failed write nothing more is written: a record behind a
        // lost one would make the loss invisible to the next run.
        if (failed(self))
          return;
        write_item(self, x);
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
      if (failed(self) || !s.seed_ids.insert(x.seed_id).second)
        return;
      if (!append(self, s.seeds, to_json(x))) {
        s.seed_ids.erase(x.seed_id);
        return;
      }
      if (x.why.stage == "read")
        ++s.counters.seeds_bad;
      else if (x.ok)
        ++s.counters.seeds_extracted, s.counters.knowledge_points += x.points;
      else
        ++s.counters.seeds_failed;
      maybe_sync(self);
    },
    // Reports the counters.
    [=](atom::status) -> pipeline_status { return self->state.counters; },
    // Makes the output files durable; false if they are not.
    [=](atom::flush) -> bool {
      sync(self);
      return !failed(self);
    },
  };
}

} // namespace kpsynth
