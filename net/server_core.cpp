// The listening side of http_server: the accept loop, the session registry
// that stop() closes, and handler invocation. Sessions live in
// http_server.cpp, the only server file that includes Beast.

#include "net/io_runtime.hpp"
#include "net/server_internal.hpp"

#include <boost/asio/post.hpp>

#include <stdexcept>
#include <thread>
#include <vector>

namespace kpsynth::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace server_detail {

server_core::server_core(io_runtime& r, request_handler h, server_limits l)
  : rt(r), acceptor(asio::make_strand(r.context())), handler(std::move(h)),
    limits(l) {}

bool server_core::full() const {
  return limits.max_connections > 0 && open.load() >= limits.max_connections;
}

namespace {

/// Turns a connection beyond the cap away: a 503 if the socket takes it
/// without waiting, then close.
void refuse(socket_type& sock) {
  static constexpr std::string_view busy =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    "Content-Length: 40\r\nConnection: close\r\n\r\n"
    R"({"error":"too many connections; retry"}
)";
  error_code ec;
  sock.non_blocking(true, ec);
  sock.write_some(asio::buffer(busy.data(), busy.size()), ec);
  sock.shutdown(tcp::socket::shutdown_both, ec);
  sock.close(ec);
}

} // namespace

} // namespace server_detail

using server_detail::server_core;
using server_detail::session;
using server_detail::socket_type;

struct http_server::impl : server_core {
  using server_core::server_core;
};

void server_core::accept() {
  acceptor.async_accept(
    asio::make_strand(rt.context()),
    [self = shared_from_this()](const error_code& ec, socket_type sock) {
      if (!self->acceptor.is_open())
        return;
      if (!ec) {
        std::shared_ptr<session> s;
        {
          // Under the lock that stop() takes, so that no session slips in
          // after stop() collected the ones to close.
          std::lock_guard<std::mutex> lock{self->mu};
          if (self->stopped.load())
            return;
          if (!self->full()) {
            auto id = ++self->next_id;
            s = make_session(self, std::move(sock), id);
            self->sessions.emplace(id, s);
            self->open.fetch_add(1);
          }
        }
        if (s)
          start_session(s);
        else
          refuse(sock);
      }
      // Errors such as EMFILE are transient: keep accepting.
      self->accept();
    });
}

void server_core::invoke(server_request req,
                         std::shared_ptr<response_writer> w) {
  handlers_running.fetch_add(1);
  if (!stopped.load()) {
    try {
      handler(std::move(req), w);
    } catch (...) {
      // Ignored if the handler already answered.
      w->respond(500, "application/json",
                 R"({"error":{"message":"request handler failed",)"
                 R"("type":"server_error"}})");
    }
  }
  handlers_running.fetch_sub(1);
}

void server_core::session_closed(uint64_t id) {
  std::lock_guard<std::mutex> lock{mu};
  if (sessions.erase(id) > 0)
    open.fetch_sub(1);
}

http_server::http_server(io_runtime& rt, std::string address, uint16_t port,
                         request_handler handler, server_limits limits)
  : impl_(std::make_shared<impl>(rt, std::move(handler), limits)) {
  error_code ec;
  auto addr = asio::ip::make_address(address, ec);
  auto fail = [&](std::string_view what) {
    throw std::runtime_error("http_server: " + std::string{what} + " " + address
                             + ":" + std::to_string(port) + ": "
                             + ec.message());
  };
  if (ec)
    fail("invalid listen address");
  tcp::endpoint ep{addr, port};
  auto& a = impl_->acceptor;
  if (a.open(ep.protocol(), ec); ec)
    fail("cannot open socket for");
  a.set_option(asio::socket_base::reuse_address(true), ec);
  if (a.bind(ep, ec); ec)
    fail("cannot bind");
  if (a.listen(asio::socket_base::max_listen_connections, ec); ec)
    fail("cannot listen on");
  impl_->port = a.local_endpoint(ec).port();
  // The first accept is initiated on the acceptor's strand (notes 1.8).
  asio::post(a.get_executor(), [s = impl_] { s->accept(); });
}

http_server::~http_server() {
  stop();
}

uint16_t http_server::port() const {
  return impl_->port;
}

void http_server::stop() {
  auto& s = *impl_;
  std::vector<std::shared_ptr<session>> live;
  bool first = false;
  {
    std::lock_guard<std::mutex> lock{s.mu};
    first = !s.stopped.exchange(true);
    if (first)
      for (auto& [id, w] : s.sessions)
        if (auto p = w.lock())
          live.push_back(std::move(p));
  }
  if (first) {
    asio::post(s.acceptor.get_executor(), [self = impl_] {
      error_code ec;
      self->acceptor.close(ec);
    });
    for (auto& p : live)
      close_session(p);
  }
  // After stop() returns, the handler is never entered again; wait for calls
  // already inside it unless we are one of them.
  if (!s.rt.running_in_this_thread())
    while (s.handlers_running.load() > 0)
      std::this_thread::yield();
}

std::size_t http_server::open_connections() const {
  return impl_->open.load();
}
} // namespace kpsynth::net
