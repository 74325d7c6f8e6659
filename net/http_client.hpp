#pragma once

// Asynchronous HTTP/1.1 client for one endpoint (host:port), with a
// keep-alive connection pool. The implementation is the only client
// translation unit that includes Boost.Beast; this header stays light.

#include "net/url.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kpsynth::net {

class io_runtime;

/// One request. Every timeout is mandatory: the client owns every deadline.
struct http_request {
  std::string method = "POST";
  /// Appended to the endpoint's base path, e.g. "/v1/chat/completions".
  std::string target;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds connect_timeout{5'000};
  /// Longest silence between two reads. A streamed answer that keeps sending
  /// chunks never trips it, however long it runs.
  std::chrono::milliseconds idle_timeout{60'000};
  /// Hard limit on the whole exchange, queueing in the pool included.
  std::chrono::milliseconds deadline{600'000};
};

/// Why a request produced no complete HTTP response.
enum class transport_error : uint8_t {
  none,
  resolve_failed,
  connect_failed,
  connect_timeout,
  tls_failed,
  idle_timeout,
  deadline,
  connection_reset,
  truncated,
  protocol_error,
  cancelled,
};

/// Stable name of a transport error for logs and records.
std::string_view to_string(transport_error x);

/// What came back. When `error != none`, `status` may still be set (e.g. the
/// stream broke after the headers arrived) and `body` holds what was read.
struct http_response {
  transport_error error = transport_error::none;
  std::string error_detail;
  int status = 0;
  std::string body;
  std::string content_type;
  /// Raw Retry-After header value, empty if absent.
  std::string retry_after;
  /// Milliseconds from handing the request over to the first response byte
  /// and to completion.
  double ttfb_ms = 0;
  double elapsed_ms = 0;
  /// True if the connection was reused from the pool.
  bool reused_connection = false;
};

/// Receives body bytes as they arrive (called on the io thread, in order).
/// The final `http_response::body` still holds the whole body (bounded by
/// `max_body_bytes`), so a caller may use either.
using chunk_handler = std::function<void(std::string_view)>;

/// Receives the final result (called once, on the io thread).
using response_handler = std::function<void(http_response)>;

/// Pool and TLS settings.
struct http_client_options {
  /// Upper bound on simultaneously open connections to the endpoint.
  std::size_t max_connections = 2048;
  /// Idle keep-alive connections kept for reuse.
  std::size_t max_idle = 1024;
  /// Verify the server certificate for https (system CA store).
  bool verify_tls = true;
  /// Largest accepted response body; bigger bodies fail with protocol_error.
  std::size_t max_body_bytes = 64 * 1024 * 1024;
};

/// Client for one endpoint. Thread-safe: `async_request` may be called from
/// any thread; callbacks run on the io thread and must not block.
class http_client {
 public:
  http_client(io_runtime& rt, url endpoint, http_client_options opts = {});
  /// Shuts down: requests still in flight complete with `cancelled` on the
  /// io thread after the destructor has returned.
  ~http_client();

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Starts a request. `on_chunk` (optional) sees the body incrementally,
  /// which is how SSE streams are consumed; `done` always runs exactly once
  /// (unless the io_runtime is stopped before it could run). A request on a
  /// reused connection that fails before any response byte is re-sent once on
  /// a fresh connection; nothing else is retried.
  void async_request(http_request req, response_handler done,
                     chunk_handler on_chunk = {});

  /// Closes idle connections and fails pending requests with `cancelled`.
  void shutdown();

  /// Keeps at most `n` idle keep-alive connections from now on, closing the
  /// oldest extra ones at once. An idle connection is not free for every
  /// server: llama.cpp's HTTP thread pool pins a thread to each open
  /// connection until its 5 s keep-alive wait ends, so connections left over
  /// from a burst starve the server's other clients (and its /metrics).
  void set_max_idle(std::size_t n);

  /// The endpoint this client talks to.
  const url& endpoint() const;

  /// Connections currently open (busy + idle); for metrics and tests.
  std::size_t open_connections() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace kpsynth::net
