#pragma once

// Small asynchronous HTTP/1.1 server (keep-alive, chunked/SSE responses) for
// the simulator and the control API. Like the client, the implementation is
// a single Beast translation unit behind this header.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kpsynth::net {

class io_runtime;

/// A parsed request.
struct server_request {
  std::string method;
  std::string target; ///< Path plus query, e.g. "/v1/models".
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string remote_address;

  /// Case-insensitive header lookup; empty if absent.
  std::string_view header(std::string_view name) const;

  /// The path without the query string.
  std::string_view path() const;
};

/// Answers one request. All member functions are thread-safe (they post to
/// the connection's io thread) and every call after the first final action
/// (respond, end_stream, reset, send_raw) is ignored.
class response_writer {
 public:
  virtual ~response_writer() = default;

  /// Sends a complete response.
  virtual void
  respond(int status, std::string content_type, std::string body,
          std::vector<std::pair<std::string, std::string>> headers = {}) = 0;

  /// Starts a chunked response (for `text/event-stream`).
  virtual void begin_stream(
    int status, std::string content_type,
    std::vector<std::pair<std::string, std::string>> headers = {}) = 0;

  /// Sends one chunk of a stream started with begin_stream.
  virtual void write_chunk(std::string data) = 0;

  /// Ends a chunked response.
  virtual void end_stream() = 0;

  /// Fault injection: closes the TCP connection abruptly (RST if possible).
  virtual void reset() = 0;

  /// Fault injection: writes raw bytes, then closes the connection. Used for
  /// truncated bodies and malformed HTTP.
  virtual void send_raw(std::string bytes) = 0;

  /// True once the peer has gone away; long-running handlers may stop early.
  virtual bool closed() const = 0;
};

/// Invoked on an io thread for every request.
using request_handler =
  std::function<void(server_request, std::shared_ptr<response_writer>)>;

/// Protection against clients that hold connections open. Both are off by
/// default: the simulator serves benchmark clients with thousands of
/// connections; the control API sets both.
struct server_limits {
  /// Connections served at once; 0 is unlimited. A connection beyond the
  /// cap gets a best-effort 503 and is closed at once, so idle clients
  /// cannot use up the process's file descriptors.
  std::size_t max_connections = 0;
  /// How long a connection may take to deliver a whole request (headers
  /// and body) once it waits for one; an idle keep-alive connection is
  /// closed after as long. Zero waits forever. A handler that is running
  /// is not timed.
  std::chrono::milliseconds read_timeout{0};
};

/// Listens on `address:port` (port 0 picks a free one). Starts accepting in
/// the constructor; `stop` or the destructor closes every connection.
/// Request bodies above 16 MiB get 413, unparseable requests 400 (both close
/// the connection); a handler that drops its writer without a final action
/// gets a 500 sent for it (or, mid-stream, the connection closed).
class http_server {
 public:
  /// Throws std::runtime_error naming `address:port` if the address is not
  /// an IP literal or cannot be bound: a daemon cannot run without it.
  http_server(io_runtime& rt, std::string address, uint16_t port,
              request_handler handler, server_limits limits = {});
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The bound port.
  uint16_t port() const;

  /// Stops accepting and closes open connections; idempotent. Called outside
  /// the io threads it also waits until no handler call is running, so the
  /// handler may capture objects that die right after.
  void stop();

  /// Connections currently open; for tests.
  std::size_t open_connections() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace kpsynth::net
