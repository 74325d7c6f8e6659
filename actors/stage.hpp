#pragma once

// The machinery every LLM stage shares: a bounded input queue fed by pull
// credit, LLM calls started only with pool credit, finished items buffered
// until downstream asks for them, and end-of-stream propagation. A concrete
// stage (extractor, generator, solver) only says how to turn an input into a
// call and a reply into an output -- which is what makes a new domain a
// matter of new stages and a prompt pack, not of editing this core.

#include "actors/blocking_worker.hpp"
#include "actors/context.hpp"
#include "actors/flow.hpp"
#include "protocols/actors.hpp"
#include "protocols/errors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kpsynth {

/// Whether a stage's output records a failure, for its status counters.
inline bool is_failed(const item_record& x) {
  return x.status == item_status::failed;
}
inline bool is_failed(const kp_list& x) {
  return x.points.empty();
}

/// Tells `pool` how many calls a credit listener could start now and hands
/// back the credit beyond that: the one place every stage, the judges and the
/// decontaminator's checks report demand. The pool books outstanding credit
/// itself; we never report what we hold.
template<class Self>
void report_demand(Self* self, const model_pool_actor& pool,
                   flow::credit_account& credit, std::size_t startable) {
  auto r = credit.settle(startable);
  auto me = caf::actor_cast<credit_listener_actor>(self);
  if (r.send_demand)
    self->send(pool, atom::demand_v, me, r.wanted);
  if (r.release > 0)
    self->send(pool, atom::release_v, me, r.release);
}

/// What a concrete stage plugs into the machinery.
template<class In, class Out>
struct stage_hooks {
  /// Output for an input that needs no LLM call (already done, or failed
  /// upstream and merely passing through); std::nullopt otherwise.
  std::function<std::optional<Out>(In&)> shortcut;
  /// Builds the LLM call for an input; a problem fails the item.
  std::function<result<llm_call>(const In&)> make_call;
  /// Turns the input and the reply (or the error) into the output.
  std::function<Out(In&&, const llm_reply*, const error_info*)> finish;
  /// Optional work on a finished output that may block its thread (the
  /// solver's symbolic consensus). It runs on the stage's blocking worker,
  /// so it must touch nothing but the output.
  std::function<void(Out&)> blocking;
  /// Marks an output whose blocking work failed (worker gone, timeout).
  std::function<void(Out&, const error_info&)> blocking_failed;
};

/// State of a stage. `Self` is the stage's typed actor pointer.
template<class In, class Out>
struct stage_core {
  stage_spec spec; ///< Name, queue bound, credit priority.
  stage_hooks<In, Out> hooks;
  model_pool_actor pool;
  blocking_worker_actor worker; ///< Runs hooks.blocking; set with it.
  producer_actor upstream;
  consumer_actor<Out> downstream;
  flow::inbound_window in;
  flow::outbound_buffer<Out> out;
  std::deque<In> queue;
  flow::credit_account credit; ///< Pool credit held, unused.
  uint32_t inflight = 0;       ///< LLM calls (and their blocking work).
  uint64_t failed = 0;         ///< Outputs this stage failed.

  template<class Self>
  void start(Self* self) {
    in.bound = spec.settings.queue;
    self->send(pool, atom::attach_v,
               caf::actor_cast<credit_listener_actor>(self), spec.priority);
    self->send(downstream, atom::attach_v,
               caf::actor_cast<producer_actor>(self));
  }

  /// Says who the stage is and whom it talks to; call before start().
  void wire(stage_spec s, model_pool_actor p, consumer_actor<Out> d) {
    spec = std::move(s);
    pool = std::move(p);
    downstream = std::move(d);
  }

  /// The stage's numbers for the status protocol.
  stage_status status() const {
    stage_status s;
    s.name = spec.name;
    s.kind = spec.kind;
    s.queued = queue.size();
    s.inflight = inflight;
    s.ready = out.ready.size();
    s.credit = credit.held;
    s.in = in.total;
    s.out = out.sent;
    s.failed = failed;
    s.upstream_done = in.upstream_done;
    s.done = out.done_sent;
    return s;
  }

  /// Books an output made from a reply or an error.
  void finished(Out&& o) {
    failed += is_failed(o) ? 1 : 0;
    out.ready.push_back(std::move(o));
  }

  /// Ends the work on one input: runs its blocking part on the worker, if
  /// any, and books the output. It counts as in flight until then, so the
  /// stage's bound also bounds the worker's queue.
  template<class Self>
  void settle(Self* self, Out&& o) {
    auto book = [this, self](Out&& x) {
      --inflight;
      finished(std::move(x));
      flush(self);
      pump(self);
    };
    if (!hooks.blocking) {
      book(std::move(o));
      return;
    }
    auto shared = std::make_shared<Out>(std::move(o));
    auto work = hooks.blocking;
    offload(
      self, worker, blocking_timeout, [work, shared] { work(*shared); },
      [book, shared]() mutable { book(std::move(*shared)); },
      [this, book, shared](caf::error& err) mutable {
        hooks.blocking_failed(*shared, decode_error(err));
        book(std::move(*shared));
      });
  }

  /// Moves finished items downstream as far as credit allows.
  template<class Self>
  void flush(Self* self) {
    auto batch = out.take();
    if (!batch.empty())
      self->send(downstream, atom::push_v, std::move(batch));
  }

  /// Room left for outputs: in-flight calls will each produce one.
  std::size_t out_room() const {
    auto used = out.ready.size() + inflight;
    auto bound = spec.settings.queue;
    return used >= bound ? 0 : bound - used;
  }

  /// Starts calls, tells the pool what we want, pulls, and ends the stream.
  template<class Self>
  void pump(Self* self) {
    // Items that need no LLM call go straight through.
    for (auto i = queue.begin(); i != queue.end();) {
      if (auto o = hooks.shortcut(*i)) {
        out.ready.push_back(std::move(*o));
        i = queue.erase(i);
      } else {
        ++i;
      }
    }
    while (credit.held > 0 && !queue.empty() && out_room() > 0) {
      auto x = std::move(queue.front());
      queue.pop_front();
      auto call = hooks.make_call(x);
      if (!call) {
        error_info e{ec::bad_output, call.error().to_string(), -1};
        finished(hooks.finish(std::move(x), nullptr, &e));
        continue;
      }
      credit.take();
      ++inflight;
      auto shared = std::make_shared<In>(std::move(x));
      auto timeout = reply_timeout(call->deadline_ms);
      self->request(pool, timeout, atom::complete_v, std::move(*call))
        .then(
          [this, self, shared](llm_reply& reply) {
            settle(self, hooks.finish(std::move(*shared), &reply, nullptr));
          },
          [this, self, shared](caf::error& err) {
            auto e = decode_error(err);
            settle(self, hooks.finish(std::move(*shared), nullptr, &e));
          });
    }
    flush(self);
    report_demand(self, pool, credit, std::min(queue.size(), out_room()));
    if (upstream) {
      auto held = queue.size() + inflight + out.ready.size();
      if (auto n = in.to_pull(held); n > 0)
        self->send(upstream, atom::pull_v, n);
    }
    if (in.upstream_done && queue.empty() && inflight == 0 && out.ready.empty()
        && !out.done_sent) {
      out.done_sent = true;
      self->send(downstream, atom::done_v);
    }
  }

  // -- message handlers -------------------------------------------------------

  template<class Self>
  void on_attach(Self* self, producer_actor up) {
    upstream = std::move(up);
    pump(self);
  }

  template<class Self>
  void on_push(Self* self, std::vector<In>& xs) {
    in.received(xs.size());
    for (auto& x : xs)
      queue.push_back(std::move(x));
    pump(self);
  }

  template<class Self>
  void on_done(Self* self) {
    in.upstream_done = true;
    pump(self);
  }

  template<class Self>
  void on_pull(Self* self, uint32_t n) {
    out.credit += n;
    flush(self);
    pump(self);
  }

  template<class Self>
  void on_credit(Self* self, uint32_t n) {
    credit.granted(n);
    pump(self);
  }
};

} // namespace kpsynth
