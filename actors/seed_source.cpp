#include "actors/seed_source.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

namespace kpsynth {

seed_source_actor::behavior_type
seed_source(seed_source_actor::stateful_pointer<seed_source_state> self,
            seed_reader reader, consumer_actor<seed_problem> downstream,
            seed_ledger_actor ledger) {
  auto& st = self->state;
  st.reader.emplace(std::move(reader));
  st.downstream = std::move(downstream);
  st.ledger = std::move(ledger);
  self->send(st.downstream, atom::attach_v, producer_actor{self});
  return {
    // Reads up to `n` more seeds.
    [=](atom::pull, uint32_t n) {
      auto& s = self->state;
      if (s.done)
        return;
      std::vector<seed_problem> batch;
      while (batch.size() < n) {
        auto next = s.reader->next();
        if (!next) {
          s.done = true;
          break;
        }
        if (*next) {
          batch.push_back(std::move(**next));
        } else {
          auto& p = next->error();
          spdlog::warn("skipping seed: {}", p.to_string());
          seed_outcome bad;
          bad.seed_id = p.where;
          bad.why = failure{"read", p.code, p.to_string()};
          self->send(s.ledger, atom::outcome_v, std::move(bad));
        }
      }
      if (!batch.empty())
        self->send(s.downstream, atom::push_v, std::move(batch));
      if (s.done)
        self->send(s.downstream, atom::done_v);
    },
  };
}

} // namespace kpsynth
