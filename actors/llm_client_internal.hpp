#pragma once

// Internal to the LLM CLIENT actor: the HTTP side (building requests, reading
// answers, classifying failures, scraping /metrics), implemented in
// actors/llm_client_http.cpp and used by the message handling in
// actors/llm_client.cpp. Not part of the public API: include
// "actors/llm_client.hpp" instead.

#include "actors/llm_client.hpp"
#include "net/http_client.hpp"

#include <caf/error.hpp>

#include <chrono>
#include <cstdint>

namespace kpsynth::llm_client_detail {

using self_ptr = llm_client_actor::stateful_pointer<llm_client_state>;
using clock_type = std::chrono::steady_clock;

/// Builds the HTTP request for one part of a call.
net::http_request make_request(const llm_client_state& st,
                               const llm_client_state::call& c, uint32_t part);

/// Handles a successful HTTP exchange of a chat call part.
caf::error absorb_completion(self_ptr self, llm_client_state::call& c,
                             const http_outcome& out);

/// Handles a successful HTTP exchange of an embedding call.
caf::error absorb_embeddings(self_ptr self, llm_client_state::call& c,
                             const http_outcome& out, embed_reply& reply);

/// Turns a failed exchange into an error and feeds the controllers.
caf::error classify(self_ptr self, const http_outcome& out, double now,
                    double latency_s);

/// Whether a failed exchange says the server cannot produce n choices in one
/// request; then the call is split instead of failed.
bool refuses_n(const llm_client_state& st, const llm_client_state::call& c,
               const http_outcome& out);

/// Scrapes /metrics; the answer arrives as a `metrics` message.
void scrape(self_ptr self);

} // namespace kpsynth::llm_client_detail
