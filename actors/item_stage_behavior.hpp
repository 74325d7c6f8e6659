#pragma once

// The message handlers of an item stage, shared by the generator, the solver
// and any future stage whose state holds a `core` of item records.

#include "protocols/actors.hpp"

#include <optional>
#include <string>
#include <vector>

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

/// The handlers of an item stage that drives its own work instead of using
/// stage_core (the decontaminator, the verifier). Its state has `upstream`,
/// `in` (flow::inbound_window) and `out` (flow::outbound_buffer); `admit`
/// takes one pushed item, `pump` moves work forward and `on_credit` receives
/// pool credit (a stage without LLM calls ignores it).
template<class Self, class Admit, class Pump, class Credit>
item_stage_actor::behavior_type
own_stage_behavior(Self* self, Admit admit, Pump pump, Credit on_credit) {
  return {
    [=](atom::attach, producer_actor& up) {
      self->state.upstream = std::move(up);
      pump(self);
    },
    [=](atom::push, std::vector<item_record>& xs) {
      self->state.in.received(xs.size());
      for (auto& x : xs)
        admit(self, std::move(x));
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
    [=](atom::credit, const std::string&, uint32_t n) { on_credit(self, n); },
  };
}

/// Items that already failed or were rejected pass through untouched.
inline std::optional<item_record> pass_finished(item_record& x) {
  if (x.status == item_status::in_flight)
    return std::nullopt;
  return std::move(x);
}

} // namespace kpsynth
