#pragma once

// The message handlers of pipeline stages, written once: the flow port
// (attach, push, done, pull), pool credit and the status protocol. Stages
// whose state holds a stage_core use core_stage_behavior; stages that drive
// their own work (decontaminator, verifier, panel) use own_stage_behavior
// and add their extra handlers to it.

#include "protocols/actors.hpp"

#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace kpsynth {

/// The handlers of a stage whose state has a `core` (stage_core<In, ...>).
template<class Actor, class In, class Self>
typename Actor::behavior_type core_stage_behavior(Self* self) {
  return {
    [=](atom::attach, producer_actor& up) {
      self->state.core.on_attach(self, std::move(up));
    },
    [=](atom::push, std::vector<In>& xs) {
      self->state.core.on_push(self, xs);
    },
    [=](atom::done) { self->state.core.on_done(self); },
    [=](atom::pull, uint32_t n) { self->state.core.on_pull(self, n); },
    [=](atom::credit, const std::string&, uint32_t n) {
      self->state.core.on_credit(self, n);
    },
    [=](atom::status) { return self->state.core.status(); },
  };
}

/// The handlers of an item stage such as the generator or the solver.
template<class Self>
item_stage_actor::behavior_type item_stage_behavior(Self* self) {
  return core_stage_behavior<item_stage_actor, item_record>(self);
}

/// The flow-port handlers of a stage that drives its own work instead of
/// using stage_core. Its state has `upstream`, `in` (flow::inbound_window),
/// `out` (flow::outbound_buffer) and `status()`; `admit` takes one pushed
/// item and `pump` moves work forward.
template<class Self, class Admit, class Pump>
auto flow_handlers(Self* self, Admit admit, Pump pump) {
  return std::make_tuple(
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
    [=](atom::status) { return self->state.status(); });
}

/// The behavior of such a stage: the flow-port handlers plus its own
/// (pool credit, the panel's live judge change...).
template<class Actor, class Self, class Admit, class Pump, class... Extra>
typename Actor::behavior_type own_stage_behavior(Self* self, Admit admit,
                                                 Pump pump, Extra... extra) {
  return std::apply(
    [&](auto... port) {
      return
        typename Actor::behavior_type{std::move(port)..., std::move(extra)...};
    },
    flow_handlers(self, admit, pump));
}

/// Items that already failed or were rejected pass through untouched.
inline std::optional<item_record> pass_finished(item_record& x) {
  if (x.status == item_status::in_flight)
    return std::nullopt;
  return std::move(x);
}

} // namespace kpsynth
