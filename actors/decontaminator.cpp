#include "actors/decontaminator.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>

namespace kpsynth {

void screen(item_record& x, const quality::decontaminator* benchmarks,
            quality::dedup_index* dedup) {
  if (x.status != item_status::in_flight)
    return;
  if (benchmarks != nullptr) {
    auto v = benchmarks->check(x.problem);
    if (v.contaminated) {
      x.status = item_status::rejected;
      x.why = {"decontam", "contaminated", v.reason};
      return;
    }
  }
  if (dedup != nullptr) {
    if (auto dup = dedup->insert_if_new(x.id, x.problem)) {
      x.status = item_status::rejected;
      x.why = {"decontam", "duplicate",
               fmt::format("near-duplicate (similarity {:.2f}) of {}",
                           dup->similarity, dup->id)};
    }
  }
}

namespace {

using self_ptr = item_stage_actor::stateful_pointer<decontaminator_state>;

void pump(self_ptr self) {
  auto& st = self->state;
  if (auto batch = st.out.take(); !batch.empty())
    self->send(st.downstream, atom::push_v, std::move(batch));
  if (st.upstream)
    if (auto n = st.in.to_pull(st.out.ready.size()); n > 0)
      self->send(st.upstream, atom::pull_v, n);
  if (st.in.upstream_done && st.out.ready.empty() && !st.out.done_sent) {
    st.out.done_sent = true;
    self->send(st.downstream, atom::done_v);
  }
}

} // namespace

item_stage_actor::behavior_type
decontaminator(item_stage_actor::stateful_pointer<decontaminator_state> self,
               context_ptr ctx,
               std::shared_ptr<const quality::decontaminator> benchmarks,
               std::shared_ptr<quality::dedup_index> dedup,
               consumer_actor<item_record> downstream) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.benchmarks = std::move(benchmarks);
  if (dedup)
    st.dedup = std::make_unique<quality::dedup_index>(std::move(*dedup));
  st.downstream = std::move(downstream);
  st.in.bound = st.ctx->cfg.stages.at("generate").queue;
  self->send(st.downstream, atom::attach_v, producer_actor{self});
  return {
    [=](atom::attach, producer_actor& up) {
      self->state.upstream = std::move(up);
      pump(self);
    },
    [=](atom::push, std::vector<item_record>& xs) {
      auto& s = self->state;
      s.in.received(xs.size());
      for (auto& x : xs) {
        screen(x, s.benchmarks.get(), s.dedup.get());
        if (x.why.code == "contaminated")
          ++s.contaminated;
        else if (x.why.code == "duplicate")
          ++s.duplicates;
        s.out.ready.push_back(std::move(x));
      }
      pump(self);
    },
    [=](atom::done) {
      self->state.in.upstream_done = true;
      pump(self);
    },
    [=](atom::pull, uint32_t n) {
      self->state.out.credit += n;
      pump(self);
    },
    // This stage makes no LLM calls; it never asks for credit.
    [=](atom::credit, const std::string&, uint32_t) {},
  };
}

} // namespace kpsynth
