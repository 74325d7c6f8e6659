#include "actors/llm_client.hpp"

#include "actors/llm_client_internal.hpp"
#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "protocols/errors.hpp"
#include "protocols/openai/prometheus.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

namespace kpsynth {

llm_client_state::llm_client_state() = default;
llm_client_state::~llm_client_state() {
  if (http)
    http->shutdown();
  if (metrics_http)
    metrics_http->shutdown();
}

namespace {

using llm_client_detail::absorb_completion;
using llm_client_detail::absorb_embeddings;
using llm_client_detail::classify;
using llm_client_detail::clock_type;
using llm_client_detail::make_request;
using llm_client_detail::refuses_n;
using llm_client_detail::scrape;
using llm_client_detail::self_ptr;

double now_s(const llm_client_state& st) {
  return std::chrono::duration<double>(clock_type::now() - st.epoch).count();
}

/// The concurrency limit in force: fixed for benchmarks, adaptive otherwise;
/// zero while the circuit breaker is open, one while it probes.
uint32_t effective_limit(const llm_client_state& st, double now) {
  if (!st.breaker->allows(now))
    return st.breaker->state_at(now) == control::breaker_state::half_open ? 1
                                                                          : 0;
  if (st.cfg.fixed_limit > 0)
    return st.cfg.fixed_limit;
  if (st.controller->paused_until() > now)
    return std::min<uint32_t>(st.inflight, st.controller->limit());
  return st.controller->limit();
}

/// Logs a change of the adaptive limit that matters (a quarter or more
/// since the last line) with the controller's reason.
void log_limit(llm_client_state& st) {
  if (st.cfg.fixed_limit > 0)
    return;
  auto limit = st.controller->limit();
  auto last = st.last_logged_limit;
  if (last == 0) {
    st.last_logged_limit = limit;
    return;
  }
  auto delta = limit > last ? limit - last : last - limit;
  if (delta * 4 < last || delta < 2)
    return;
  auto snap = st.controller->snapshot();
  spdlog::info("{}: concurrency limit {} -> {} ({}; {} in flight, server "
               "running {} waiting {}, {:.0f} queued unseen by its gauges)",
               st.url, last, limit, st.controller->reason(), st.inflight,
               st.last_metrics.running, st.last_metrics.waiting,
               snap.hidden_queue);
  st.last_logged_limit = limit;
}

/// Tells the pool when our capacity or health changed.
void report(self_ptr self) {
  auto& st = self->state;
  auto now = now_s(st);
  log_limit(st);
  auto limit = effective_limit(st, now);
  bool healthy = st.breaker->state_at(now) == control::breaker_state::closed;
  if (limit == st.last_reported_limit && healthy == st.last_reported_healthy)
    return;
  if (healthy != st.last_reported_healthy) {
    if (healthy)
      spdlog::info("{}: endpoint healthy again", st.url);
    else
      spdlog::warn("{}: endpoint unhealthy (circuit {} after {} failures; "
                   "{} in flight, {} completed)",
                   st.url, control::to_string(st.breaker->state_at(now)),
                   st.failed, st.inflight, st.completed);
  }
  // Idle connections beyond the limit only hold server resources.
  if (limit != st.last_reported_limit)
    st.http->set_max_idle(std::max<uint32_t>(limit, 2));
  st.last_reported_limit = limit;
  st.last_reported_healthy = healthy;
  self->send(st.pool, atom::capacity_v, st.index, limit, st.inflight, healthy);
}

/// Delivers the final error of a call.
void fail(self_ptr self, uint64_t call_id, caf::error err) {
  auto& st = self->state;
  auto i = st.calls.find(call_id);
  if (i == st.calls.end() || i->second.failed)
    return;
  ++st.failed;
  i->second.failed = true;
  std::visit([&](auto& rp) { rp.deliver(std::move(err)); }, i->second.rp);
  // Parts still in flight are dropped when they come back.
  if (i->second.returned == i->second.started)
    st.calls.erase(i);
}

void start_waiting(self_ptr self);

/// Starts one HTTP request for the next part of call `call_id`.
void start_part(self_ptr self, uint64_t call_id) {
  auto& st = self->state;
  auto& c = st.calls.at(call_id);
  auto part = c.started++;
  auto req_id = st.next_request++;
  st.request_call.emplace(req_id, call_id);
  ++st.inflight;
  st.controller->on_send(now_s(st), st.inflight);
  auto req = make_request(st, c, part);
  auto hdl = llm_client_actor{self};
  st.http->async_request(std::move(req), [hdl, req_id](net::http_response r) {
    http_outcome out;
    out.transport_error = static_cast<uint8_t>(r.error);
    out.error_detail = std::move(r.error_detail);
    out.status = r.status;
    out.body = std::move(r.body);
    out.retry_after = std::move(r.retry_after);
    out.ttfb_ms = r.ttfb_ms;
    out.elapsed_ms = r.elapsed_ms;
    caf::anon_send(hdl, atom::http_done_v, req_id, std::move(out));
  });
}

/// Starts waiting calls while the limit allows.
void start_waiting(self_ptr self) {
  auto& st = self->state;
  auto now = now_s(st);
  while (!st.waiting.empty()) {
    auto call_id = st.waiting.front();
    auto i = st.calls.find(call_id);
    if (i == st.calls.end() || i->second.failed) {
      st.waiting.pop_front();
      continue;
    }
    if (clock_type::now() >= i->second.deadline) {
      st.waiting.pop_front();
      fail(self, call_id,
           make_error(ec::deadline, fmt::format("{}: deadline passed while "
                                                "waiting for a slot",
                                                st.url)));
      continue;
    }
    if (st.breaker->state_at(now) == control::breaker_state::open) {
      // Fail fast: the pool retries elsewhere or later.
      st.waiting.pop_front();
      fail(self, call_id,
           make_error(
             ec::unavailable,
             fmt::format("{}: circuit open after repeated failures", st.url)));
      continue;
    }
    if (st.inflight >= effective_limit(st, now))
      break;
    if (!st.breaker->try_acquire(now))
      break;
    auto& c = i->second;
    start_part(self, call_id);
    if (c.started == c.parts)
      st.waiting.pop_front();
  }
  report(self);
}

void on_http_done(self_ptr self, uint64_t req_id, http_outcome& out) {
  auto& st = self->state;
  auto r = st.request_call.find(req_id);
  if (r == st.request_call.end())
    return;
  auto call_id = r->second;
  st.request_call.erase(r);
  if (st.inflight > 0)
    --st.inflight;
  auto now = now_s(st);
  auto i = st.calls.find(call_id);
  if (i == st.calls.end()) {
    start_waiting(self);
    return;
  }
  auto& c = i->second;
  ++c.returned;
  if (c.failed) {
    if (c.returned == c.started)
      st.calls.erase(i);
    start_waiting(self);
    return;
  }
  double latency_s = out.elapsed_ms / 1000.0;
  bool http_ok =
    out.transport_error == 0 && out.status >= 200 && out.status < 300;
  caf::error err;
  embed_reply ereply;
  if (!http_ok && refuses_n(st, c, out)) {
    // llama.cpp answers n > 1 with HTTP 500: from now on ask for each
    // choice separately, starting with this call.
    spdlog::warn("{}: the server refuses n > 1 (HTTP {}); sending one "
                 "request per choice from now on",
                 st.url, out.status);
    st.cfg.supports_n = false;
    c.parts = std::get<llm_call>(c.what).n;
    c.started = 0;
    c.returned = 0;
    st.waiting.push_front(call_id);
    start_waiting(self);
    return;
  }
  if (!http_ok) {
    err = classify(self, out, now, latency_s);
  } else if (std::holds_alternative<llm_call>(c.what)) {
    err = absorb_completion(self, c, out);
  } else {
    err = absorb_embeddings(self, c, out, ereply);
  }
  if (err) {
    if (http_ok)
      st.breaker->on_failure(now); // 2xx with garbage is still a failure.
    fail(self, call_id, std::move(err));
    start_waiting(self);
    return;
  }
  // A real completion succeeded: the only thing that closes the breaker.
  st.breaker->on_success(now);
  st.controller->on_success(now, latency_s, c.reply.usage.completion_tokens,
                            st.inflight + 1);
  ++c.finished;
  if (c.finished == c.parts) {
    ++st.completed;
    if (auto* rp = std::get_if<0>(&c.rp)) {
      c.reply.endpoint = st.url;
      c.reply.latency_ms =
        std::chrono::duration<double, std::milli>(clock_type::now() - c.start)
          .count();
      rp->deliver(std::move(c.reply));
    } else {
      std::get<1>(c.rp).deliver(std::move(ereply));
    }
    st.calls.erase(i);
  }
  start_waiting(self);
}

template<class Call, class Reply>
caf::result<Reply> accept_call(self_ptr self, Call call, uint32_t parts,
                               uint32_t deadline_ms) {
  auto& st = self->state;
  auto rp = self->template make_response_promise<Reply>();
  auto id = st.next_call++;
  llm_client_state::call c;
  c.what = std::move(call);
  c.rp = rp;
  c.parts = std::max<uint32_t>(1, parts);
  c.start = clock_type::now();
  c.deadline = c.start + std::chrono::milliseconds{deadline_ms};
  st.calls.emplace(id, std::move(c));
  st.waiting.push_back(id);
  start_waiting(self);
  return rp;
}

/// The endpoint's limit, load and health.
endpoint_status status_of(llm_client_state& s) {
  auto now = now_s(s);
  endpoint_status x;
  x.model = s.cfg.name;
  x.url = s.url;
  x.limit = effective_limit(s, now);
  x.inflight = s.inflight;
  x.backlog = static_cast<uint32_t>(s.waiting.size());
  x.healthy = s.breaker->state_at(now) == control::breaker_state::closed;
  x.completed = s.completed;
  x.failed = s.failed;
  if (s.last_metrics.has_running)
    x.server_running = s.last_metrics.running;
  if (s.last_metrics.has_waiting)
    x.server_waiting = s.last_metrics.waiting;
  return x;
}

/// A /metrics scrape finished: feed the controller, or treat a failed
/// scrape under load as a flooded server.
void on_metrics(self_ptr self, http_outcome& out) {
  auto& s = self->state;
  s.scrape_pending = false;
  if (out.transport_error == 0 && out.status == 404) {
    s.scrape = false; // The server exports no metrics: latency only.
    return;
  }
  if (out.transport_error != 0 || out.status != 200) {
    if (s.scrape_failures++ == 0)
      spdlog::warn("{}: /metrics scrape failed ({}) with {} requests in "
                   "flight: treating it as a flooded server",
                   s.url,
                   out.transport_error != 0
                     ? net::to_string(
                       static_cast<net::transport_error>(out.transport_error))
                     : fmt::format("HTTP {}", out.status),
                   s.inflight);
    s.controller->on_metrics_failure(now_s(s), s.inflight);
    start_waiting(self);
    return;
  }
  if (s.scrape_failures > 0)
    spdlog::info("{}: /metrics answers again after {} failed scrapes", s.url,
                 s.scrape_failures);
  s.scrape_failures = 0;
  s.last_metrics = openai::parse_prometheus(out.body);
  s.controller->on_metrics(now_s(s), s.last_metrics, s.inflight);
  auto snap = s.controller->snapshot();
  spdlog::debug("{}: running {} waiting {} kv {:.2f} -> limit {} ({}) "
                "inflight {}",
                s.url, s.last_metrics.running, s.last_metrics.waiting,
                s.last_metrics.kv_usage, snap.limit,
                control::to_string(snap.phase), s.inflight);
  start_waiting(self);
}

} // namespace

llm_client_actor::behavior_type
llm_client(llm_client_actor::stateful_pointer<llm_client_state> self,
           config::model_config cfg, uint32_t index, model_pool_actor pool,
           net::io_runtime* io) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.index = index;
  st.pool = std::move(pool);
  auto& ep = st.cfg.endpoints.at(index);
  auto parsed = net::url::parse(
    ep.url, fmt::format("models.{}.endpoints[{}]", st.cfg.name, index));
  if (!parsed) {
    self->quit(make_error(ec::fatal, parsed.error().to_string()));
    return llm_client_actor::behavior_type::make_empty_behavior();
  }
  st.url = parsed->to_string();
  if (!ep.api_key_env.empty())
    if (auto* key = std::getenv(ep.api_key_env.c_str()))
      st.auth_header = std::string{"Bearer "} + key;
  st.http = std::make_unique<net::http_client>(*io, *parsed);
  st.scrape = ep.scrape_metrics && st.cfg.fixed_limit == 0;
  if (st.scrape) {
    auto root = *parsed;
    root.base_path.clear(); // Prometheus metrics live at the server root.
    st.metrics_http = std::make_unique<net::http_client>(*io, root);
  }
  control::controller_options copts;
  copts.initial_limit = st.cfg.initial_limit;
  copts.min_limit = st.cfg.min_limit;
  copts.max_limit = st.cfg.max_limit;
  st.controller = std::make_unique<control::concurrency_controller>(copts);
  st.breaker =
    std::make_unique<control::circuit_breaker>(control::breaker_options{});
  st.last_reported_limit = effective_limit(st, 0);
  self->send(self, atom::tick_v);
  return {
    // Runs one chat completion on this endpoint.
    [=](atom::complete, llm_call& call) -> caf::result<llm_reply> {
      auto parts = self->state.cfg.supports_n ? 1u : call.n;
      auto deadline = call.deadline_ms;
      return accept_call<llm_call, llm_reply>(self, std::move(call), parts,
                                              deadline);
    },
    // Computes embeddings on this endpoint.
    [=](atom::embed, embed_call& call) -> caf::result<embed_reply> {
      auto deadline = call.deadline_ms;
      return accept_call<embed_call, embed_reply>(self, std::move(call), 1,
                                                  deadline);
    },
    // Reports limit, load and health.
    [=](atom::status) { return status_of(self->state); },
    // INTERNAL: an HTTP exchange finished on the io thread.
    [=](atom::http_done, uint64_t req_id, http_outcome& out) {
      on_http_done(self, req_id, out);
    },
    // INTERNAL: a /metrics scrape finished.
    [=](atom::metrics, http_outcome& out) { on_metrics(self, out); },
    // INTERNAL: periodic scrape, deadline sweep and breaker timing.
    [=](atom::tick) {
      auto& s = self->state;
      scrape(self);
      start_waiting(self);
      self->delayed_send(self,
                         std::chrono::milliseconds{
                           std::max<uint32_t>(50, s.cfg.metrics_interval_ms)},
                         atom::tick_v);
    },
  };
}

} // namespace kpsynth
