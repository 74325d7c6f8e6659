#include "actors/model_pool.hpp"

#include "actors/llm_client.hpp"
#include "net/io_runtime.hpp"
#include "protocols/errors.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace kpsynth {

namespace {

using self_ptr = model_pool_actor::stateful_pointer<model_pool_state>;
using clock_type = std::chrono::steady_clock;

/// Total capacity and load over healthy endpoints.
std::pair<uint64_t, uint64_t> capacity_and_load(const model_pool_state& st) {
  uint64_t cap = 0;
  uint64_t load = 0;
  for (auto& ep : st.endpoints) {
    if (ep.healthy)
      cap += ep.limit;
    load += ep.inflight;
  }
  return {cap, load + st.queue.size()};
}

/// Hands out pool credit to the stages that want it.
void grant(self_ptr self) {
  auto& st = self->state;
  auto [cap, committed] = capacity_and_load(st);
  auto headroom = std::max<uint64_t>(2, cap / 16);
  auto grants = st.credit.grant(committed, cap, headroom);
  if (spdlog::should_log(spdlog::level::trace))
    spdlog::trace("pool {}: capacity {} committed {} outstanding {}",
                  st.cfg.name, cap, committed, st.credit.outstanding());
  for (std::size_t i = 0; i < grants.size(); ++i)
    if (grants[i] > 0)
      self->send(st.listeners[i], atom::credit_v, st.cfg.name, grants[i]);
}

/// Fails a call with `err` and forgets it.
void fail_call(self_ptr self, uint64_t id, caf::error err) {
  auto& st = self->state;
  auto i = st.calls.find(id);
  if (i == st.calls.end())
    return;
  std::visit([&](auto& rp) { rp.deliver(std::move(err)); }, i->second.rp);
  st.calls.erase(i);
}

/// Picks the healthy endpoint with the most free capacity, if any has room.
int pick_endpoint(const model_pool_state& st) {
  int best = -1;
  int64_t best_free = 0;
  for (std::size_t i = 0; i < st.endpoints.size(); ++i) {
    auto& ep = st.endpoints[i];
    if (!ep.healthy && ep.limit == 0)
      continue;
    auto free = static_cast<int64_t>(ep.limit) - ep.inflight;
    if (free > best_free) {
      best_free = free;
      best = static_cast<int>(i);
    }
  }
  return best;
}

void dispatch(self_ptr self);

/// Decides what to do after an attempt failed.
void on_attempt_failed(self_ptr self, uint64_t id, const caf::error& err) {
  auto& st = self->state;
  auto i = st.calls.find(id);
  if (i == st.calls.end())
    return;
  auto& c = i->second;
  auto info = decode_error(err);
  c.last_error = info.message;
  bool is_500 = info.message.find("HTTP 500") != std::string::npos;
  if (is_500)
    ++c.attempts_500;
  bool retry = info.code == ec::retryable || info.code == ec::overloaded
               || info.code == ec::bad_response || info.code == ec::unavailable
               || info.code == ec::deadline;
  if (is_500 && c.attempts_500 >= st.cfg.max_500_attempts)
    retry = false;
  if (!retry || c.attempts >= st.cfg.max_attempts) {
    auto msg = fmt::format("{} after {} attempt(s): {}", to_string(info.code),
                           c.attempts, info.message);
    fail_call(self, id, make_error(info.code, std::move(msg)));
    return;
  }
  // Exponential backoff with full jitter, at least the server's Retry-After.
  auto cap =
    std::min<double>(st.cfg.backoff_cap_ms,
                     st.cfg.backoff_base_ms * std::pow(2.0, c.attempts - 1));
  std::uniform_real_distribution<double> jitter{0, cap};
  auto delay_ms = std::max(jitter(st.rng), info.retry_after_s * 1000);
  auto delay = std::chrono::milliseconds{static_cast<int64_t>(delay_ms)};
  if (clock_type::now() + delay >= c.deadline) {
    fail_call(self, id,
              make_error(ec::deadline,
                         fmt::format("deadline passed after {} attempt(s): {}",
                                     c.attempts, info.message)));
    return;
  }
  self->delayed_send(self, delay, atom::retry_v, id);
}

/// Sends one attempt of call `id` to endpoint `idx`; its reply or error
/// comes back to the pool, which then dispatches and grants again.
void send_attempt(self_ptr self, uint64_t id, int idx,
                  clock_type::time_point now) {
  auto& st = self->state;
  auto i = st.calls.find(id);
  auto& ep = st.endpoints[static_cast<std::size_t>(idx)];
  auto on_error = [self, id, idx](caf::error& err) {
    auto& eps = self->state.endpoints[static_cast<std::size_t>(idx)];
    if (eps.inflight > 0)
      --eps.inflight;
    on_attempt_failed(self, id, err);
    dispatch(self);
    grant(self);
  };
  auto done = [self, idx] {
    auto& eps = self->state.endpoints[static_cast<std::size_t>(idx)];
    if (eps.inflight > 0)
      --eps.inflight;
  };
  // The client owns the per-request deadline; this timeout is only a
  // safety net against a lost reply.
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
                     i->second.deadline - now)
                   + std::chrono::seconds{30};
  if (auto* call = std::get_if<llm_call>(&i->second.what)) {
    self->request(ep.client, remaining, atom::complete_v, *call)
      .then(
        [self, id, done](llm_reply& reply) {
          done();
          auto& st2 = self->state;
          if (auto j = st2.calls.find(id); j != st2.calls.end()) {
            reply.attempts = j->second.attempts;
            reply.model = st2.cfg.name;
            std::get<0>(j->second.rp).deliver(std::move(reply));
            st2.calls.erase(j);
          }
          dispatch(self);
          grant(self);
        },
        on_error);
  } else {
    auto& ecall = std::get<embed_call>(i->second.what);
    self->request(ep.client, remaining, atom::embed_v, ecall)
      .then(
        [self, id, done](embed_reply& reply) {
          done();
          auto& st2 = self->state;
          if (auto j = st2.calls.find(id); j != st2.calls.end()) {
            std::get<1>(j->second.rp).deliver(std::move(reply));
            st2.calls.erase(j);
          }
          dispatch(self);
          grant(self);
        },
        on_error);
  }
}

/// Sends queued calls to endpoints while they have room.
void dispatch(self_ptr self) {
  auto& st = self->state;
  auto now = clock_type::now();
  while (!st.queue.empty()) {
    auto id = st.queue.front();
    auto i = st.calls.find(id);
    if (i == st.calls.end()) {
      st.queue.pop_front();
      continue;
    }
    if (now >= i->second.deadline) {
      st.queue.pop_front();
      fail_call(self, id,
                make_error(ec::deadline,
                           fmt::format("no endpoint of '{}' had capacity "
                                       "before the deadline; last error: {}",
                                       st.cfg.name, i->second.last_error)));
      continue;
    }
    auto idx = pick_endpoint(st);
    if (idx < 0)
      break;
    st.queue.pop_front();
    auto& ep = st.endpoints[static_cast<std::size_t>(idx)];
    ++ep.inflight;
    ++i->second.attempts;
    send_attempt(self, id, idx, now);
  }
  // Calls stuck in the queue need a timer so their deadlines fire even when
  // no endpoint ever frees up.
  if (!st.queue.empty() && !st.sweep_armed) {
    st.sweep_armed = true;
    self->delayed_send(self, std::chrono::milliseconds{500}, atom::retry_v,
                       uint64_t{0});
  }
}

/// The ledger index of `listener`, if it attached.
std::optional<std::size_t> listener_index(const model_pool_state& st,
                                          const caf::strong_actor_ptr& x) {
  for (std::size_t i = 0; i < st.listeners.size(); ++i)
    if (caf::actor_cast<caf::strong_actor_ptr>(st.listeners[i]) == x)
      return i;
  return std::nullopt;
}

/// Books a credit as used by the sender of the current message.
void book_credit_use(self_ptr self) {
  auto& st = self->state;
  if (auto i = listener_index(st, self->current_sender()))
    st.credit.use(*i);
}

template<class Call, class Reply>
caf::result<Reply> enqueue(self_ptr self, Call call, uint32_t deadline_ms) {
  auto& st = self->state;
  // Before make_response_promise: in CAF 0.17 it takes the sender out of
  // the current message, after which current_sender() is null.
  book_credit_use(self);
  auto rp = self->template make_response_promise<Reply>();
  if (st.queue.size() >= st.cfg.backlog) {
    rp.deliver(make_error(ec::backlog_full,
                          fmt::format("model '{}': backlog of {} calls is full",
                                      st.cfg.name, st.cfg.backlog)));
    return rp;
  }
  auto id = st.next_id++;
  model_pool_state::call c;
  c.what = std::move(call);
  c.rp = rp;
  c.deadline = clock_type::now() + std::chrono::milliseconds{deadline_ms};
  st.calls.emplace(id, std::move(c));
  st.queue.push_back(id);
  dispatch(self);
  return rp;
}

/// Asks every endpoint client for its status and answers with all replies
/// that came within five seconds.
caf::result<std::vector<endpoint_status>> collect_status(self_ptr self) {
  auto rp = self->make_response_promise<std::vector<endpoint_status>>();
  auto& s = self->state;
  if (s.endpoints.empty()) {
    rp.deliver(std::vector<endpoint_status>{});
    return rp;
  }
  struct acc {
    std::vector<endpoint_status> got;
    std::size_t pending;
  };
  auto a = std::make_shared<acc>(acc{{}, s.endpoints.size()});
  for (auto& ep : s.endpoints) {
    auto finish = [a, rp]() mutable {
      if (--a->pending == 0)
        rp.deliver(std::move(a->got));
    };
    self->request(ep.client, std::chrono::seconds{5}, atom::status_v)
      .then(
        [a, finish](endpoint_status& x) mutable {
          a->got.push_back(std::move(x));
          finish();
        },
        [finish](caf::error&) mutable { finish(); });
  }
  return rp;
}

} // namespace

model_pool_actor::behavior_type
model_pool(model_pool_actor::stateful_pointer<model_pool_state> self,
           config::model_config cfg, net::io_runtime* io) {
  auto factory =
    [io, cfg](model_pool_actor::stateful_pointer<model_pool_state> pool,
              uint32_t i) -> llm_client_actor {
    return pool->spawn(llm_client, cfg, i, model_pool_actor{pool}, io);
  };
  return model_pool_with(self, std::move(cfg), std::move(factory));
}

model_pool_actor::behavior_type
model_pool_with(model_pool_actor::stateful_pointer<model_pool_state> self,
                config::model_config cfg, client_factory make_client) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.rng.seed(static_cast<uint32_t>(std::hash<std::string>{}(st.cfg.name)));
  for (std::size_t i = 0; i < st.cfg.endpoints.size(); ++i) {
    auto client = make_client(self, static_cast<uint32_t>(i));
    model_pool_state::endpoint ep;
    ep.client = client;
    ep.url = st.cfg.endpoints[i].url;
    ep.limit =
      st.cfg.fixed_limit > 0 ? st.cfg.fixed_limit : st.cfg.initial_limit;
    st.endpoints.push_back(std::move(ep));
    self->link_to(client);
  }
  return {
    // Runs a chat completion with retries; the caller must hold a credit.
    [=](atom::complete, llm_call& call) -> caf::result<llm_reply> {
      auto deadline = call.deadline_ms;
      return enqueue<llm_call, llm_reply>(self, std::move(call), deadline);
    },
    // Computes embeddings with retries.
    [=](atom::embed, embed_call& call) -> caf::result<embed_reply> {
      auto deadline = call.deadline_ms;
      return enqueue<embed_call, embed_reply>(self, std::move(call), deadline);
    },
    // Registers a stage for credit.
    [=](atom::attach, credit_listener_actor& listener, int32_t priority) {
      auto& s = self->state;
      s.listeners.push_back(std::move(listener));
      s.credit.attach(priority);
    },
    // A stage states how many calls it could start now.
    [=](atom::demand, credit_listener_actor& listener, uint32_t wanted) {
      auto& s = self->state;
      auto ptr = caf::actor_cast<caf::strong_actor_ptr>(listener);
      if (auto i = listener_index(s, ptr))
        s.credit.demand(*i, wanted);
      grant(self);
    },
    // A stage hands back credit it cannot use.
    [=](atom::release, credit_listener_actor& listener, uint32_t n) {
      auto& s = self->state;
      auto ptr = caf::actor_cast<caf::strong_actor_ptr>(listener);
      if (auto i = listener_index(s, ptr))
        s.credit.release(*i, n);
      grant(self);
    },
    // Reports every endpoint.
    [=](atom::status) { return collect_status(self); },
    // INTERNAL: endpoint `i` changed.
    [=](atom::capacity, uint32_t i, uint32_t limit, uint32_t, bool healthy) {
      auto& s = self->state;
      if (i >= s.endpoints.size())
        return;
      s.endpoints[i].limit = limit;
      s.endpoints[i].healthy = healthy;
      dispatch(self);
      grant(self);
    },
    // INTERNAL: a backed-off call is due (id 0: deadline sweep).
    [=](atom::retry, uint64_t id) {
      auto& s = self->state;
      if (id == 0) {
        s.sweep_armed = false;
      } else if (s.calls.count(id)) {
        s.queue.push_front(id);
      }
      dispatch(self);
      grant(self);
    },
  };
}

} // namespace kpsynth
