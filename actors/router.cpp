#include "actors/router.hpp"

#include "protocols/errors.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace kpsynth {

// -- route --------------------------------------------------------------------

stage_status route_state::status() const {
  stage_status s;
  s.name = spec.name;
  s.kind = spec.kind;
  for (auto& l : lanes) {
    s.ready += l.out.ready.size();
    s.out += l.out.sent;
  }
  s.in = in.total;
  s.upstream_done = in.upstream_done;
  s.done = std::all_of(lanes.begin(), lanes.end(),
                       [](auto& l) { return l.out.done_sent; });
  return s;
}

std::string route_state::lane_counts() const {
  std::string result;
  for (auto& l : lanes)
    result += fmt::format(
      "{}{}->{}: sent {}, waiting {}, credit {}", result.empty() ? "" : "; ",
      l.spec.value, l.spec.first, l.out.sent, l.out.ready.size(), l.out.credit);
  return result;
}

stage_status route_state::lane_status(std::size_t i) const {
  auto& l = lanes.at(i);
  stage_status s;
  s.name = spec.name + "/" + l.spec.value;
  s.kind = "lane";
  s.ready = l.out.ready.size();
  s.credit = l.out.credit;
  s.in = l.out.sent + l.out.ready.size();
  s.out = l.out.sent;
  s.upstream_done = in.upstream_done;
  s.done = l.out.done_sent;
  return s;
}

namespace {

/// Sends what each lane asked for, pulls while every lane has room, and
/// ends each lane's stream once the upstream is done and it is drained.
void pump_route(route_actor::stateful_pointer<route_state> self) {
  auto& st = self->state;
  std::size_t fullest = 0;
  for (auto& l : st.lanes) {
    if (auto batch = l.out.take(); !batch.empty())
      self->send(l.consumer, atom::push_v, std::move(batch));
    fullest = std::max(fullest, l.out.ready.size());
    if (st.in.upstream_done && l.out.ready.empty() && !l.out.done_sent) {
      l.out.done_sent = true;
      self->send(l.consumer, atom::done_v);
    }
  }
  // Any pulled item may belong to any lane, so the fullest lane bounds the
  // pull: no lane ever holds more than `queue` items here, and a lane that
  // does not pull stops the route only once its own buffer is full.
  if (st.upstream)
    if (auto n = st.in.to_pull(fullest); n > 0)
      self->send(st.upstream, atom::pull_v, n);
  if (st.in.upstream_done
      && std::all_of(st.lanes.begin(), st.lanes.end(),
                     [](auto& l) { return l.out.done_sent; }))
    spdlog::info("route '{}' done: {}", st.spec.name, st.lane_counts());
}

} // namespace

route_actor::behavior_type
router(route_actor::stateful_pointer<route_state> self, stage_spec spec,
       const route_field* field, std::vector<lane_spec> lanes,
       std::vector<consumer_actor<item_record>> consumers) {
  auto& st = self->state;
  st.spec = std::move(spec);
  st.field = field;
  st.in.bound = st.spec.settings.queue;
  st.specs = lanes;
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    route_lane l;
    l.spec = std::move(lanes[i]);
    l.consumer = consumers.at(i);
    l.addr = l.consumer.address();
    st.lanes.push_back(std::move(l));
    self->send(st.lanes.back().consumer, atom::attach_v,
               caf::actor_cast<producer_actor>(self));
  }
  return {
    [=](atom::attach, producer_actor& up) {
      self->state.upstream = std::move(up);
      pump_route(self);
    },
    [=](atom::push, std::vector<item_record>& xs) {
      auto& st = self->state;
      st.in.received(xs.size());
      for (auto& x : xs) {
        auto value = st.field->of(x);
        auto lane = lane_for(st.specs, value);
        // The topology guarantees a lane for every value; keep the item
        // anyway rather than drop it should that ever break.
        if (lane == st.lanes.size()) {
          spdlog::error("route '{}': no lane for {} '{}' (item {}); sent to "
                        "lane '{}'",
                        st.spec.name, st.field->name, value, x.id,
                        st.lanes.front().spec.value);
          lane = 0;
        }
        st.lanes[lane].out.ready.push_back(std::move(x));
      }
      pump_route(self);
    },
    [=](atom::done) {
      self->state.in.upstream_done = true;
      pump_route(self);
    },
    [=](atom::pull, uint32_t n) {
      auto& st = self->state;
      auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
      auto l = std::find_if(st.lanes.begin(), st.lanes.end(),
                            [&](auto& l) { return l.addr == sender; });
      if (l == st.lanes.end()) {
        spdlog::warn("route '{}': pull from an actor that is no lane's "
                     "consumer, ignored",
                     st.spec.name);
        return;
      }
      l->out.credit += n;
      pump_route(self);
    },
    [=](atom::status) { return self->state.status(); },
    [=](atom::status, uint32_t lane) -> caf::result<stage_status> {
      auto& st = self->state;
      if (lane >= st.lanes.size())
        return make_error(ec::fatal, "route '" + st.spec.name + "' has no lane "
                                       + std::to_string(lane));
      return st.lane_status(lane);
    },
  };
}

stage_status_actor::behavior_type lane_view(stage_status_actor::pointer self,
                                            route_actor route, uint32_t lane) {
  return {
    [=](atom::status) { return self->delegate(route, atom::status_v, lane); },
  };
}

// -- merge --------------------------------------------------------------------

stage_status merge_state::status() const {
  stage_status s;
  s.name = spec.name;
  s.kind = spec.kind;
  s.ready = ready.size();
  s.out = sent;
  for (auto& i : inputs)
    s.in += i.in.total;
  s.upstream_done = inputs.size() == expected
                    && std::all_of(inputs.begin(), inputs.end(),
                                   [](auto& i) { return i.in.upstream_done; });
  s.done = done_sent;
  return s;
}

std::string merge_state::lane_counts() const {
  std::string result;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    result +=
      fmt::format("{}input {}: received {}, waiting {}{}",
                  result.empty() ? "" : "; ", i, inputs[i].in.total,
                  inputs[i].held, inputs[i].in.upstream_done ? ", done" : "");
  return result;
}

namespace {

/// The input that `sender` is, added on first contact.
merge_input& input_of(merge_state& st, const caf::actor_addr& sender) {
  for (auto& i : st.inputs)
    if (i.addr == sender)
      return i;
  auto& i = st.inputs.emplace_back();
  i.addr = sender;
  i.in.bound = st.spec.settings.queue;
  return i;
}

/// Sends what downstream asked for, pulls from every input with room, and
/// ends the stream once every lane is done and the buffer is empty.
void pump_merge(lane_actor::stateful_pointer<merge_state> self) {
  auto& st = self->state;
  std::vector<item_record> batch;
  while (st.credit > 0 && !st.ready.empty()) {
    auto& [from, x] = st.ready.front();
    --st.inputs[from].held;
    batch.push_back(std::move(x));
    st.ready.pop_front();
    --st.credit;
  }
  if (!batch.empty()) {
    st.sent += batch.size();
    self->send(st.downstream, atom::push_v, std::move(batch));
  }
  // Each lane has its own window: a lane whose items wait here for
  // downstream stops only its own pulls.
  for (auto& i : st.inputs)
    if (i.producer)
      if (auto n = i.in.to_pull(i.held); n > 0)
        self->send(i.producer, atom::pull_v, n);
  auto status = st.status();
  if (status.upstream_done && st.ready.empty() && !st.done_sent) {
    st.done_sent = true;
    self->send(st.downstream, atom::done_v);
    spdlog::info("merge '{}' done: {}", st.spec.name, st.lane_counts());
  }
}

} // namespace

lane_actor::behavior_type merger(lane_actor::stateful_pointer<merge_state> self,
                                 stage_spec spec, uint32_t expected,
                                 consumer_actor<item_record> downstream) {
  auto& st = self->state;
  st.spec = std::move(spec);
  st.expected = expected;
  st.downstream = std::move(downstream);
  self->send(st.downstream, atom::attach_v,
             caf::actor_cast<producer_actor>(self));
  return {
    [=](atom::attach, producer_actor& up) {
      auto& i = input_of(
        self->state, caf::actor_cast<caf::actor_addr>(self->current_sender()));
      i.producer = std::move(up);
      pump_merge(self);
    },
    [=](atom::push, std::vector<item_record>& xs) {
      auto& st = self->state;
      auto& i =
        input_of(st, caf::actor_cast<caf::actor_addr>(self->current_sender()));
      auto from = static_cast<std::size_t>(&i - st.inputs.data());
      i.in.received(xs.size());
      i.held += xs.size();
      for (auto& x : xs)
        st.ready.emplace_back(from, std::move(x));
      pump_merge(self);
    },
    [=](atom::done) {
      input_of(self->state,
               caf::actor_cast<caf::actor_addr>(self->current_sender()))
        .in.upstream_done = true;
      pump_merge(self);
    },
    [=](atom::pull, uint32_t n) {
      self->state.credit += n;
      pump_merge(self);
    },
    [=](atom::status) { return self->state.status(); },
  };
}

} // namespace kpsynth
