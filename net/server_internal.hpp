#pragma once

// Internals of http_server shared by its two translation units: the listener
// and registry (server_core.cpp, Asio only) and the sessions
// (http_server.cpp, the only server file that includes Beast). Not part of
// the public API.

#include "net/http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace kpsynth::net::server_detail {

using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;
/// Accepted sockets carry their own strand as executor, so every completion
/// of a connection is serialised without explicit binding.
using socket_type =
  boost::asio::ip::tcp::socket::rebind_executor<strand_type>::other;

class session;

/// The listener and the session registry. Sessions keep it alive.
struct server_core : std::enable_shared_from_this<server_core> {
  server_core(io_runtime& r, request_handler h, server_limits l);

  /// Accepts the next connection (on the acceptor's strand).
  void accept();

  /// Calls the handler unless stopped; a throwing handler answers 500.
  void invoke(server_request req, std::shared_ptr<response_writer> w);

  /// Whether one more connection would exceed limits.max_connections.
  bool full() const;

  /// Unregisters a closed session.
  void session_closed(uint64_t id);

  io_runtime& rt;
  boost::asio::ip::tcp::acceptor acceptor;
  request_handler handler;
  server_limits limits;
  uint16_t port = 0;
  std::atomic<bool> stopped{false};
  /// Handler calls in progress; stop() waits for them to drain.
  std::atomic<int> handlers_running{0};
  std::atomic<std::size_t> open{0};
  std::mutex mu;
  std::unordered_map<uint64_t, std::weak_ptr<session>> sessions;
  uint64_t next_id = 0;
};

/// Creates a session for an accepted socket, not yet reading
/// (implemented in http_server.cpp).
std::shared_ptr<session> make_session(std::shared_ptr<server_core> srv,
                                      socket_type sock, uint64_t id);

/// Starts reading requests (posted to the session's strand).
void start_session(const std::shared_ptr<session>& s);

/// Closes a session from any thread.
void close_session(const std::shared_ptr<session>& s);

} // namespace kpsynth::net::server_detail
