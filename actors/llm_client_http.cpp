// The HTTP side of the LLM CLIENT actor: request building, response
// absorption, failure classification and /metrics scraping (see
// actors/llm_client_internal.hpp). Message handling is in llm_client.cpp.

#include "actors/llm_client_internal.hpp"
#include "net/http_client.hpp"
#include "protocols/errors.hpp"
#include "protocols/openai/sse.hpp"
#include "protocols/openai/wire.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace kpsynth::llm_client_detail {

/// Builds the HTTP request for one part of a call.
net::http_request make_request(const llm_client_state& st,
                               const llm_client_state::call& c, uint32_t part) {
  net::http_request req;
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
    c.deadline - clock_type::now());
  req.deadline =
    std::clamp(remaining, std::chrono::milliseconds{1},
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
    auto msg =
      fmt::format("{}: {} ({}) after {:.0f} ms", st.url, net::to_string(terr),
                  out.error_detail, latency_s * 1000);
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
  // A fresh connection per scrape: llama.cpp pins one of its `-np + 2` HTTP
  // threads to every open connection, and a kept-alive scrape connection
  // would hold one between scrapes that other clients' probes need.
  req.headers.emplace_back("Connection", "close");
  auto hdl = llm_client_actor{self};
  st.metrics_http->async_request(std::move(req), [hdl](net::http_response r) {
    http_outcome out;
    out.transport_error = static_cast<uint8_t>(r.error);
    out.status = r.status;
    out.body = std::move(r.body);
    caf::anon_send(hdl, atom::metrics_v, std::move(out));
  });
}

} // namespace kpsynth::llm_client_detail
