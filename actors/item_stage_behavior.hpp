#pragma once

// The message handlers of an item stage, shared by the generator, the solver
// and any future stage whose state holds a `core` of item records.

#include "protocols/actors.hpp"

namespace kpsynth {

template<class Self>
item_stage_actor::behavior_type item_stage_behavior(Self* self) {
  return {
    [=](atom::attach, producer_actor& up) {
      self->state.core.on_attach(self, std::move(up));
    },
    [=](atom::push, std::vector<item_record>& xs) {
      self->state.core.on_push(self, xs);
    },
    [=](atom::done) { self->state.core.on_done(self); },
    [=](atom::pull, uint32_t n) { self->state.core.on_pull(self, n); },
    [=](atom::credit, const std::string&, uint32_t n) {
      self->state.core.on_credit(self, n);
    },
  };
}

/// Items that already failed or were rejected pass through untouched.
inline std::optional<item_record> pass_finished(item_record& x) {
  if (x.status == item_status::in_flight)
    return std::nullopt;
  return std::move(x);
}

} // namespace kpsynth
