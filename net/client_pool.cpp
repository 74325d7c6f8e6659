// The keep-alive pool of http_client: idle reuse, the connection cap with its
// FIFO of waiting requests, queue deadlines and shutdown. Connections
// themselves live in http_client.cpp.

#include "net/client_internal.hpp"
#include "net/http_wire.hpp"
#include "net/io_runtime.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace kpsynth::net {

namespace asio = boost::asio;

namespace detail {

std::string describe(const url& endpoint, const http_request& req) {
  std::string out = req.method;
  out += ' ';
  out += endpoint.to_string();
  if (!req.target.empty() && req.target.front() != '/')
    out += '/';
  out += req.target;
  return out;
}

void fail_pending(pending& p, const url& endpoint, transport_error e,
                  std::string_view why, bool reused) {
  http_response resp;
  resp.error = e;
  resp.error_detail = describe(endpoint, p.req);
  resp.error_detail += ": ";
  resp.error_detail += why;
  resp.elapsed_ms = ms_between(p.start, clock::now());
  resp.reused_connection = reused;
  if (p.done)
    p.done(std::move(resp));
}

client_core::client_core(asio::io_context& ctx, url ep, http_client_options o)
  : strand(asio::make_strand(ctx)), endpoint(std::move(ep)), opts(o),
    host(wire::host_header(endpoint)), queue_timer_(strand) {
  if (opts.max_connections == 0)
    opts.max_connections = 1;
  if (endpoint.scheme == "https") {
    tls.emplace(asio::ssl::context::tls_client);
    if (opts.verify_tls) {
      boost::system::error_code ec;
      // Failing to load the store leaves it empty: every handshake then
      // fails with tls_failed, which names the problem per request.
      tls->set_default_verify_paths(ec);
      tls->set_verify_mode(asio::ssl::verify_peer);
    } else {
      tls->set_verify_mode(asio::ssl::verify_none);
    }
  }
}

client_core::~client_core() = default;

void client_core::submit(pending p) {
  if (shut_) {
    fail_pending(p, endpoint, transport_error::cancelled,
                 "client was shut down");
    return;
  }
  if (!idle_.empty()) {
    // Most recently used first: it is the least likely to have been closed
    // by the server's keep-alive timeout.
    auto c = std::move(idle_.back());
    idle_.pop_back();
    start_exchange(c, std::move(p), true);
    return;
  }
  if (open.load(std::memory_order_relaxed) < opts.max_connections) {
    start_new_connection(std::move(p));
    return;
  }
  auto due = p.deadline_at;
  queue_.push_back(std::move(p));
  arm_queue_timer(due);
}

void client_core::start_new_connection(pending p) {
  auto c = make_connection(*this);
  open.fetch_add(1, std::memory_order_relaxed);
  all_.push_back(c.get());
  start_exchange(c, std::move(p), false);
}

void client_core::exchange_done(const std::shared_ptr<connection>& c,
                                bool reusable) {
  if (!reusable || shut_) {
    cancel_connection(c.get());
    return;
  }
  if (!queue_.empty()) {
    auto p = std::move(queue_.front());
    queue_.pop_front();
    start_exchange(c, std::move(p), true);
    return;
  }
  if (idle_.size() < opts.max_idle) {
    idle_.push_back(c);
    return;
  }
  cancel_connection(c.get());
}

void client_core::connection_closed(connection* c) {
  auto it = std::find(all_.begin(), all_.end(), c);
  if (it == all_.end())
    return;
  *it = all_.back();
  all_.pop_back();
  open.fetch_sub(1, std::memory_order_relaxed);
  // An idle connection can be closed too (shutdown, trimming).
  auto idle_it = std::find_if(idle_.begin(), idle_.end(),
                              [c](const auto& x) { return x.get() == c; });
  if (idle_it != idle_.end())
    idle_.erase(idle_it);
  if (!shut_ && !queue_.empty()
      && open.load(std::memory_order_relaxed) < opts.max_connections) {
    auto p = std::move(queue_.front());
    queue_.pop_front();
    start_new_connection(std::move(p));
  }
}

void client_core::retry_fresh(pending p) {
  if (shut_) {
    fail_pending(p, endpoint, transport_error::cancelled,
                 "client was shut down");
    return;
  }
  // The stale connection was closed just before, so a slot is free unless a
  // queued request took it; then the retry waits at the front of the queue.
  if (open.load(std::memory_order_relaxed) < opts.max_connections) {
    start_new_connection(std::move(p));
    return;
  }
  auto due = p.deadline_at;
  queue_.push_front(std::move(p));
  arm_queue_timer(due);
}

void client_core::shutdown_now() {
  if (shut_)
    return;
  shut_ = true;
  queue_timer_.cancel();
  queue_timer_armed_ = false;
  auto waiting = std::move(queue_);
  queue_.clear();
  for (auto& p : waiting)
    fail_pending(p, endpoint, transport_error::cancelled,
                 "client was shut down");
  // Copies: closing a connection unregisters it from these lists.
  auto idle = idle_;
  for (auto& c : idle)
    cancel_connection(c.get());
  auto all = all_;
  for (auto* c : all)
    cancel_connection(c);
}

void client_core::arm_queue_timer(clock::time_point due) {
  if (due == clock::time_point::max()
      || (queue_timer_armed_ && queue_timer_at_ <= due))
    return;
  queue_timer_armed_ = true;
  queue_timer_at_ = due;
  auto gen = ++queue_timer_gen_;
  queue_timer_.expires_at(due);
  queue_timer_.async_wait(
    [self = shared_from_this(), gen](boost::system::error_code) {
      self->on_queue_timer(gen);
    });
}

void client_core::on_queue_timer(uint64_t gen) {
  if (gen != queue_timer_gen_ || shut_)
    return;
  queue_timer_armed_ = false;
  auto now = clock::now();
  std::deque<pending> expired;
  auto next = clock::time_point::max();
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->deadline_at <= now) {
      expired.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      next = std::min(next, it->deadline_at);
      ++it;
    }
  }
  if (next != clock::time_point::max())
    arm_queue_timer(next);
  for (auto& p : expired) {
    auto waited = std::to_string(static_cast<long long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - p.start)
        .count()));
    fail_pending(p, endpoint, transport_error::deadline,
                 "deadline passed after " + waited
                   + " ms waiting for a free connection");
  }
}

void client_core::set_max_idle(std::size_t n) {
  opts.max_idle = n;
  while (idle_.size() > n) {
    // The front is the least recently used.
    auto c = std::move(idle_.front());
    idle_.erase(idle_.begin());
    cancel_connection(c.get());
  }
}

} // namespace detail

struct http_client::impl : detail::client_core {
  using detail::client_core::client_core;
};

http_client::http_client(io_runtime& rt, url endpoint, http_client_options opts)
  : impl_(std::make_shared<impl>(rt.context(), std::move(endpoint), opts)) {}

http_client::~http_client() {
  // Asynchronous: in-flight exchanges hold the core and finish with
  // `cancelled` on the io thread after this returns.
  shutdown();
}

void http_client::async_request(http_request req, response_handler done,
                                chunk_handler on_chunk) {
  detail::pending p;
  p.start = detail::clock::now();
  p.deadline_at = detail::add_clamped(p.start, req.deadline);
  p.req = std::move(req);
  p.done = std::move(done);
  p.on_chunk = std::move(on_chunk);
  // Never touch the pool from the caller's thread (notes 1.8).
  asio::post(impl_->strand, [core = impl_, p = std::move(p)]() mutable {
    core->submit(std::move(p));
  });
}

void http_client::shutdown() {
  asio::post(impl_->strand, [core = impl_] { core->shutdown_now(); });
}

void http_client::set_max_idle(std::size_t n) {
  asio::post(impl_->strand, [core = impl_, n] { core->set_max_idle(n); });
}

const url& http_client::endpoint() const {
  return impl_->endpoint;
}

std::size_t http_client::open_connections() const {
  return impl_->open.load(std::memory_order_relaxed);
}

} // namespace kpsynth::net
