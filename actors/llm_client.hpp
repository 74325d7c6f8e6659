#pragma once

#include "control/circuit_breaker.hpp"
#include "control/concurrency_controller.hpp"
#include "core/config.hpp"
#include "protocols/actors.hpp"

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <unordered_map>
#include <variant>

namespace kpsynth {

namespace net {
class http_client;
class io_runtime;
} // namespace net

/// State of the LLM CLIENT actor (one per endpoint).
struct llm_client_state {
  /// One call, possibly split into several HTTP requests when the server
  /// refuses `n > 1`.
  struct call {
    std::variant<llm_call, embed_call> what;
    std::variant<caf::typed_response_promise<llm_reply>,
                 caf::typed_response_promise<embed_reply>>
      rp;
    uint32_t parts = 1;    ///< HTTP requests this call needs.
    uint32_t started = 0;  ///< Requests started.
    uint32_t finished = 0; ///< Requests answered successfully.
    uint32_t returned = 0; ///< Requests answered at all.
    llm_reply reply;       ///< Accumulated choices and usage.
    std::chrono::steady_clock::time_point start;
    std::chrono::steady_clock::time_point deadline;
    bool failed = false;
  };

  config::model_config cfg;
  uint32_t index = 0; ///< Position in the pool.
  model_pool_actor pool;
  std::string url;
  std::unique_ptr<net::http_client> http;
  std::unique_ptr<net::http_client> metrics_http;
  std::unique_ptr<control::concurrency_controller> controller;
  std::unique_ptr<control::circuit_breaker> breaker;
  std::string auth_header;
  std::unordered_map<uint64_t, call> calls;
  std::deque<uint64_t> waiting;                        ///< Not yet started.
  std::unordered_map<uint64_t, uint64_t> request_call; ///< HTTP id -> call.
  uint64_t next_call = 1;
  uint64_t next_request = 1;
  uint32_t inflight = 0;
  uint64_t completed = 0;
  uint64_t failed = 0;
  bool scrape = true;
  bool scrape_pending = false;
  control::server_metrics last_metrics;
  uint32_t last_reported_limit = 0;
  bool last_reported_healthy = true;
  uint32_t last_logged_limit = 0; ///< The limit the last info line named.
  uint32_t scrape_failures = 0;   ///< In a row.
  std::chrono::steady_clock::time_point epoch =
    std::chrono::steady_clock::now();

  llm_client_state();
  ~llm_client_state();

  static inline const char* name = "llm_client";
};

/// Spawned by a model pool for its endpoint `index` of `cfg`.
llm_client_actor::behavior_type
llm_client(llm_client_actor::stateful_pointer<llm_client_state> self,
           config::model_config cfg, uint32_t index, model_pool_actor pool,
           net::io_runtime* io);

} // namespace kpsynth
