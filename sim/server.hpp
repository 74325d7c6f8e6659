#pragma once

// `kpsynth sim`: an OpenAI-compatible inference server that runs no model.
// It speaks the same HTTP API as vLLM (chat and plain completions, plain and
// SSE streaming, embeddings, models, /health, /metrics with vLLM names),
// schedules requests through a vLLM-like capacity model (sim/engine), answers
// with deterministic, role-aware text (sim/responder) and injects seeded
// faults (sim/faults). Tests, benchmarks and the quickstart run against it.

#include "core/result.hpp"
#include "sim/engine.hpp"
#include "sim/faults.hpp"
#include "sim/profiles.hpp"
#include "sim/responder.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace kpsynth::net {
class io_runtime;
} // namespace kpsynth::net

namespace kpsynth::sim {

/// Everything the simulator can be told.
struct server_options {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  profile prof;
  responder_options answers;
  fault_rates faults;
  uint64_t fault_seed = 1;
  /// /health answers 503 and completions 503 for this long after start.
  double loading_seconds = 0;
  /// Emulate llama.cpp: refuse n > 1 with HTTP 500.
  bool refuse_n = false;
  /// Export /metrics (vLLM names); off emulates a server without metrics.
  bool metrics = true;
  /// Dimensions of /v1/embeddings vectors.
  uint32_t embedding_dims = 256;
};

/// Counters of the simulator itself.
struct server_stats {
  metrics engine;
  uint64_t requests = 0;
  std::map<std::string, uint64_t> faults; ///< By fault name.
};

/// A running simulator. Stops in its destructor.
class server {
 public:
  /// Starts listening on the runtime's io threads.
  static result<std::unique_ptr<server>> start(net::io_runtime& rt,
                                               server_options opts);

  ~server();

  /// The bound port.
  uint16_t port() const;

  /// "http://127.0.0.1:<port>/v1", what a model's endpoint url should be.
  std::string base_url() const;

  /// A consistent snapshot of engine metrics and request counters.
  server_stats stats() const;

  /// Changes the capacity model while running (tests of adaptation).
  void reconfigure(profile p);

  /// Stops accepting and closes connections; idempotent.
  void stop();

  struct impl;

 private:
  explicit server(std::shared_ptr<impl> x);
  std::shared_ptr<impl> impl_;
};

} // namespace kpsynth::sim
