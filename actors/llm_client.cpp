#include "actors/llm_client.hpp"

#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "protocols/errors.hpp"
#include "protocols/openai/prometheus.hpp"
#include "protocols/openai/sse.hpp"
#include "protocols/openai/wire.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
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

using self_ptr = llm_client_actor::stateful_pointer<llm_client_state>;
using clock_type = std::chrono::steady_clock;

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

/// Tells the pool when our capacity or health changed.
void report(self_ptr self) {
  auto& st = self->state;
  auto now = now_s(st);
  auto limit = effective_limit(st, now);
  bool healthy = st.breaker->state_at(now) == control::breaker_state::closed;
  if (limit == st.last_reported_limit && healthy == st.last_reported_healthy)
    return;
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

/// Builds the HTTP request for one part of a call.
net::http_request make_request(const llm_client_state& st,
                               const llm_client_state::call& c, uint32_t part) {
  net::http_request req;
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
    c.deadline - clock_type::now());
  req.deadline = std::clamp(remaining, std::chrono::milliseconds{1},
                            std::chrono::milliseconds{st.cfg.request_timeout_ms});
  req.idle_timeout = std::chrono::milliseconds{st.cfg.idle_timeout_ms};
  req.connect_timeout = std::chrono::milliseconds{st.cfg.connect_timeout_ms};
  if (!st.auth_header.empty())
    req.headers.emplace_back("Authorization", st.auth_header);
  if (auto* call = std::get_if<llm_call>(&c.what)) {
    openai::chat_request chat;
    chat.model = st.cfg.served_as;
    for (auto& m : call->messages)
      chat.messages.push_back({m.role, m.content});
    chat.params.temperature = call->temperature;
    chat.params.top_p = call->top_p;
    chat.params.max_tokens = call->max_tokens;
    chat.params.n = c.parts > 1 ? 1 : call->n;
    chat.params.has_seed = call->has_seed;
    // Separate requests for the choices of one call need distinct seeds.
    chat.params.seed = call->seed + part;
    chat.params.stop = call->stop;
    chat.stream = st.cfg.stream;
    req.target = "/chat/completions";
    req.body = openai::to_json(chat);
  } else {
    auto& ecall = std::get<embed_call>(c.what);
    openai::embedding_request er;
    er.model = st.cfg.served_as;
    er.input = ecall.texts;
    req.target = "/embeddings";
    req.body = openai::to_json(er);
  }
  return req;
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
           make_error(ec::unavailable,
                      fmt::format("{}: circuit open after repeated failures",
                                  st.url)));
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

/// Handles a successful HTTP exchange of a chat call part.
caf::error absorb_completion(self_ptr self, llm_client_state::call& c,
                             const http_outcome& out) {
  auto& st = self->state;
  auto where = fmt::format("POST {}/chat/completions", st.url);
  auto parsed = [&]() -> result<openai::completion_response> {
    bool sse = out.body.rfind("data:", 0) == 0
               || out.body.find("\ndata:") != std::string::npos;
    if (st.cfg.stream && sse) {
      openai::stream_accumulator acc{where, true};
      acc.feed(out.body);
      return acc.finish(true);
    }
    return openai::parse_completion_response(out.body, where);
  }();
  if (!parsed)
    return make_error(ec::bad_response, parsed.error().to_string());
  if (parsed->choices.empty())
    return make_error(ec::bad_response, where + ": response has no choices");
  auto& reply = c.reply;
  for (auto& ch : parsed->choices)
    reply.texts.push_back(ch.text);
  reply.usage.prompt_tokens += parsed->tokens.prompt_tokens;
  reply.usage.completion_tokens += parsed->tokens.completion_tokens;
  return {};
}

/// Handles a successful HTTP exchange of an embedding call.
caf::error absorb_embeddings(self_ptr self, llm_client_state::call& c,
                             const http_outcome& out, embed_reply& reply) {
  auto& st = self->state;
  auto where = fmt::format("POST {}/embeddings", st.url);
  auto parsed = openai::parse_embedding_response(out.body, where);
  if (!parsed)
    return make_error(ec::bad_response, parsed.error().to_string());
  auto& ecall = std::get<embed_call>(c.what);
  if (parsed->data.size() != ecall.texts.size())
    return make_error(ec::bad_response,
                      fmt::format("{}: {} embeddings for {} inputs", where,
                                  parsed->data.size(), ecall.texts.size()));
  reply.vectors = std::move(parsed->data);
  reply.usage.prompt_tokens = parsed->tokens.prompt_tokens;
  return {};
}

/// Turns a failed exchange into an error and feeds the controllers.
caf::error classify(self_ptr self, const http_outcome& out, double now,
                    double latency_s) {
  auto& st = self->state;
  auto terr = static_cast<net::transport_error>(out.transport_error);
  if (terr == net::transport_error::truncated && out.status >= 200
      && out.status < 300) {
    // The server answered and cut the body short: it is alive, but the
    // answer is unusable -- a bad response (see ec::bad_response), not a
    // sign of overload, so the concurrency limit stays.
    st.breaker->on_failure(now);
    return make_error(ec::bad_response,
                      fmt::format("{}: HTTP {} response truncated ({})", st.url,
                                  out.status, out.error_detail));
  }
  if (terr != net::transport_error::none) {
    st.controller->on_failure(now);
    st.breaker->on_failure(now);
    auto msg = fmt::format("{}: {} ({}) after {:.0f} ms", st.url,
                           net::to_string(terr), out.error_detail,
                           latency_s * 1000);
    return make_error(terr == net::transport_error::deadline ? ec::deadline
                                                             : ec::retryable,
                      std::move(msg));
  }
  auto err = openai::classify_error(out.status, out.body, out.retry_after);
  auto msg = fmt::format("{}: HTTP {} {}", st.url, out.status, err.message);
  switch (err.kind) {
    case openai::error_class::overloaded:
      st.controller->on_overload(now, err.retry_after_s);
      // An overloaded server is alive: no breaker failure.
      st.breaker->on_neutral(now);
      return make_error(ec::overloaded, std::move(msg), err.retry_after_s);
    case openai::error_class::retryable:
      st.controller->on_failure(now);
      st.breaker->on_failure(now);
      return make_error(ec::retryable, std::move(msg), err.retry_after_s);
    case openai::error_class::bad_response:
      st.breaker->on_failure(now);
      return make_error(ec::bad_response, std::move(msg));
    case openai::error_class::fatal:
      // The server works; our request was bad.
      st.breaker->on_neutral(now);
      return make_error(ec::fatal, std::move(msg));
  }
  return make_error(ec::fatal, std::move(msg));
}

/// Whether a failed exchange says the server cannot produce n choices in one
/// request; then the call is split instead of failed.
bool refuses_n(const llm_client_state& st, const llm_client_state::call& c,
               const http_outcome& out) {
  auto* call = std::get_if<llm_call>(&c.what);
  if (call == nullptr || call->n <= 1 || c.parts != 1 || !st.cfg.supports_n
      || out.transport_error != 0)
    return false;
  if (out.status != 400 && out.status != 422 && out.status != 500)
    return false;
  auto err = openai::classify_error(out.status, out.body, out.retry_after);
  std::string msg = err.message;
  for (auto& ch : msg)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return msg.find("choice") != std::string::npos
         || msg.find(" n ") != std::string::npos
         || msg.find("'n'") != std::string::npos
         || msg.find("\"n\"") != std::string::npos
         || msg.find("n must") != std::string::npos
         || msg.find("n >") != std::string::npos;
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
  bool http_ok = out.transport_error == 0 && out.status >= 200
                 && out.status < 300;
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
      c.reply.latency_ms = std::chrono::duration<double, std::milli>(
                             clock_type::now() - c.start)
                             .count();
      rp->deliver(std::move(c.reply));
    } else {
      std::get<1>(c.rp).deliver(std::move(ereply));
    }
    st.calls.erase(i);
  }
  start_waiting(self);
}

/// Scrapes /metrics; the answer arrives as a `metrics` message.
void scrape(self_ptr self) {
  auto& st = self->state;
  if (!st.scrape || st.scrape_pending || !st.metrics_http)
    return;
  st.scrape_pending = true;
  net::http_request req;
  req.method = "GET";
  req.target = "/metrics";
  req.content_type.clear();
  req.deadline = std::chrono::milliseconds{2'000};
  req.idle_timeout = std::chrono::milliseconds{2'000};
  auto hdl = llm_client_actor{self};
  st.metrics_http->async_request(std::move(req), [hdl](net::http_response r) {
    http_outcome out;
    out.transport_error = static_cast<uint8_t>(r.error);
    out.status = r.status;
    out.body = std::move(r.body);
    caf::anon_send(hdl, atom::metrics_v, std::move(out));
  });
}

template <class Call, class Reply>
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
  st.breaker = std::make_unique<control::circuit_breaker>(
    control::breaker_options{});
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
    [=](atom::status) -> endpoint_status {
      auto& s = self->state;
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
    },
    // INTERNAL: an HTTP exchange finished on the io thread.
    [=](atom::http_done, uint64_t req_id, http_outcome& out) {
      on_http_done(self, req_id, out);
    },
    // INTERNAL: a /metrics scrape finished.
    [=](atom::metrics, http_outcome& out) {
      auto& s = self->state;
      s.scrape_pending = false;
      if (out.transport_error == 0 && out.status == 404) {
        s.scrape = false; // The server exports no metrics: latency only.
        return;
      }
      if (out.transport_error != 0 || out.status != 200)
        return;
      s.last_metrics = openai::parse_prometheus(out.body);
      s.controller->on_metrics(now_s(s), s.last_metrics);
      auto snap = s.controller->snapshot();
      spdlog::debug("{}: running {} waiting {} kv {:.2f} -> limit {} ({}) "
                    "inflight {}",
                    s.url, s.last_metrics.running, s.last_metrics.waiting,
                    s.last_metrics.kv_usage, snap.limit,
                    control::to_string(snap.phase), s.inflight);
      start_waiting(self);
    },
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
