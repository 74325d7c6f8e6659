#pragma once

// Internals of http_client shared by its two translation units: the pool
// (client_pool.cpp, Asio only) and the connection (http_client.cpp, the only
// client file that includes Beast). Not part of the public API.

#include "net/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kpsynth::net::detail {

using clock = std::chrono::steady_clock;
using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;

/// One request on its way through the pool: queued, then on a connection.
struct pending {
  http_request req;
  response_handler done;
  chunk_handler on_chunk;
  clock::time_point start;
  clock::time_point deadline_at;
  /// Set once the request was re-sent after a stale keep-alive connection
  /// failed; a request is retried at most once.
  bool retried = false;
};

/// `t + d`, saturating instead of overflowing, so that callers may pass
/// huge timeouts (milliseconds::max()) to mean "practically never".
inline clock::time_point add_clamped(clock::time_point t,
                                     std::chrono::milliseconds d) {
  if (d.count() <= 0)
    return t;
  auto room = clock::time_point::max() - t;
  if (std::chrono::duration_cast<std::chrono::milliseconds>(room) <= d)
    return clock::time_point::max();
  return t + d;
}

/// Milliseconds between two time points, for the timing fields.
inline double ms_between(clock::time_point a, clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

/// "POST http://host:port/v1/x": names the request in every error detail.
std::string describe(const url& endpoint, const http_request& req);

/// Completes `p` with a transport error (on the strand).
void fail_pending(pending& p, const url& endpoint, transport_error e,
                  std::string_view why, bool reused = false);

class connection;

/// The pool. Every member is touched only on `strand`, except `open`, which
/// is read from any thread for metrics.
class client_core : public std::enable_shared_from_this<client_core> {
 public:
  client_core(boost::asio::io_context& ctx, url endpoint,
              http_client_options opts);
  ~client_core();

  /// Routes a request to an idle connection, a new one or the queue.
  void submit(pending p);

  /// A connection finished an exchange; `reusable` if it may carry another.
  void exchange_done(const std::shared_ptr<connection>& c, bool reusable);

  /// A connection was closed; it must not be used again.
  void connection_closed(connection* c);

  /// Re-sends `p` on a fresh connection after a stale keep-alive failure.
  void retry_fresh(pending p);

  /// Fails everything with `cancelled` and refuses new requests.
  void shutdown_now();

  /// Lowers (or raises) the idle bound and closes the oldest extra idle
  /// connections.
  void set_max_idle(std::size_t n);

  strand_type strand;
  url endpoint;
  http_client_options opts;
  /// Host header value, computed once.
  std::string host;
  /// Present for https.
  std::optional<boost::asio::ssl::context> tls;
  /// Busy + idle + connecting connections.
  std::atomic<std::size_t> open{0};

 private:
  void start_new_connection(pending p);
  void arm_queue_timer(clock::time_point due);
  void on_queue_timer(uint64_t gen);

  std::vector<std::shared_ptr<connection>> idle_;
  /// Every open connection, for shutdown; unregistered on close.
  std::vector<connection*> all_;
  std::deque<pending> queue_;
  boost::asio::steady_timer queue_timer_;
  bool queue_timer_armed_ = false;
  clock::time_point queue_timer_at_;
  uint64_t queue_timer_gen_ = 0;
  bool shut_ = false;
};

/// Creates an unconnected connection bound to `core`'s strand
/// (implemented in http_client.cpp).
std::shared_ptr<connection> make_connection(client_core& core);

/// Sends `p` on `c`, connecting first if needed; `reused` tells whether `c`
/// already carried a request.
void start_exchange(const std::shared_ptr<connection>& c, pending p,
                    bool reused);

/// Closes `c`, failing its exchange (if any) with `cancelled`.
void cancel_connection(connection* c);

} // namespace kpsynth::net::detail
