#pragma once

#include "actors/flow.hpp"
#include "core/config.hpp"
#include "protocols/actors.hpp"

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <random>
#include <unordered_map>
#include <variant>

namespace kpsynth {

namespace net {
class io_runtime;
} // namespace net

/// State of the MODEL POOL actor.
struct model_pool_state {
  /// One endpoint as the pool sees it, updated by its client's reports.
  struct endpoint {
    llm_client_actor client;
    std::string url;
    uint32_t limit = 1;
    uint32_t inflight = 0; ///< Dispatched by us, not yet answered.
    bool healthy = true;
  };

  /// A call waiting for an endpoint or for its next attempt.
  struct call {
    std::variant<llm_call, embed_call> what;
    std::variant<caf::typed_response_promise<llm_reply>,
                 caf::typed_response_promise<embed_reply>>
      rp;
    uint32_t attempts = 0;
    uint32_t attempts_500 = 0;
    std::chrono::steady_clock::time_point deadline;
    std::string last_error;
  };

  config::model_config cfg;
  std::vector<endpoint> endpoints;
  std::vector<credit_listener_actor> listeners; ///< By ledger index.
  flow::credit_ledger credit; ///< The one authority on outstanding credit.
  std::unordered_map<uint64_t, call> calls;
  std::deque<uint64_t> queue; ///< Ready to dispatch, in arrival order.
  uint64_t next_id = 1;
  std::minstd_rand rng{42};
  bool sweep_armed = false;

  static inline const char* name = "model_pool";
};

/// Makes the client actor of endpoint `index`; it must report its capacity
/// to `pool`. Tests plug in fake endpoints here.
using client_factory = std::function<llm_client_actor(
  model_pool_actor::stateful_pointer<model_pool_state> pool, uint32_t index)>;

/// Spawns one llm_client per endpoint of `cfg` (URLs already resolved, e.g.
/// "sim" replaced by the simulator's address) and routes calls among them.
model_pool_actor::behavior_type
model_pool(model_pool_actor::stateful_pointer<model_pool_state> self,
           config::model_config cfg, net::io_runtime* io);

/// Like model_pool, with endpoint clients made by `make_client`.
model_pool_actor::behavior_type
model_pool_with(model_pool_actor::stateful_pointer<model_pool_state> self,
                config::model_config cfg, client_factory make_client);

} // namespace kpsynth
