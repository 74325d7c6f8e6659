// One pooled client connection: connect (resolve, TCP, TLS), write the
// request, parse the response incrementally with Beast's parser, enforce the
// connect, idle and deadline timeouts with one lazily re-armed timer. This is
// the only client translation unit that includes Beast.

#include "net/client_internal.hpp"
#include "net/http_wire.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>

namespace kpsynth::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

/// Bytes asked for per read. Large enough that a streamed answer needs few
/// reads, small enough that the per-connection buffer stays cheap.
constexpr std::size_t read_size = 16 * 1024;

/// Response heads of LLM servers are tiny; this only bounds garbage.
constexpr std::uint32_t header_limit = 64 * 1024;

std::string ms_text(std::chrono::milliseconds ms) {
  return std::to_string(static_cast<long long>(ms.count())) + " ms";
}

} // namespace

class connection : public std::enable_shared_from_this<connection> {
 public:
  explicit connection(client_core& core) : core_(core), timer_(core.strand) {
    if (core.tls)
      tls_.emplace(core.strand, *core.tls);
    else
      plain_.emplace(core.strand);
  }

  void start(pending p, bool reused);
  void cancel();

 private:
  enum class phase : uint8_t { idle, connecting, writing, reading, closed };

  tcp::socket& lowest() { return tls_ ? tls_->next_layer() : *plain_; }

  template<class F>
  void with_stream(F&& f) {
    if (tls_)
      f(*tls_);
    else
      f(*plain_);
  }

  void connect();
  void on_connected(const error_code& ec);
  void write();
  void read();
  void on_read(const error_code& ec, std::size_t n);
  void on_io_error(const error_code& ec);
  void deliver_chunks();
  void fill(http_response& r);
  void finish(bool reusable);
  void fail(transport_error e, std::string_view why);
  void close();
  clock::time_point next_due() const;
  void arm(clock::time_point due);
  void on_timer(uint64_t gen);

  client_core& core_;
  /// Keeps the pool alive while this connection is busy; an idle connection
  /// is owned by the pool instead, so there is no ownership cycle.
  std::shared_ptr<client_core> hold_;
  std::optional<tcp::socket> plain_;
  std::optional<asio::ssl::stream<tcp::socket>> tls_;
  std::optional<tcp::resolver> resolver_;
  asio::steady_timer timer_;
  beast::flat_buffer buf_;
  std::optional<http::response_parser<http::string_body>> parser_;
  /// Request head, rebuilt in place for every request on this connection.
  std::string head_;
  std::optional<pending> ex_;
  phase phase_ = phase::idle;
  bool connected_ = false;
  bool reused_ = false;
  bool got_bytes_ = false;
  std::size_t delivered_ = 0;
  clock::time_point connect_at_;
  clock::time_point last_activity_;
  clock::time_point first_byte_at_;
  bool armed_ = false;
  clock::time_point armed_at_;
  uint64_t timer_gen_ = 0;
};

void connection::start(pending p, bool reused) {
  hold_ = core_.shared_from_this();
  ex_.emplace(std::move(p));
  reused_ = reused;
  got_bytes_ = false;
  delivered_ = 0;
  parser_.emplace();
  parser_->header_limit(header_limit);
  parser_->body_limit(core_.opts.max_body_bytes);
  if (ex_->req.method == "HEAD")
    parser_->skip(true);
  head_.clear();
  if (!wire::append_request_head(head_, core_.endpoint, core_.host, ex_->req)) {
    // Nothing was sent, so the connection itself is still good.
    auto self = shared_from_this();
    auto keep = hold_;
    auto q = std::move(*ex_);
    ex_.reset();
    core_.exchange_done(self, connected_);
    if (!ex_)
      hold_.reset();
    fail_pending(q, core_.endpoint, transport_error::protocol_error,
                 "invalid method, target or header in the request");
    return;
  }
  if (connected_)
    write();
  else
    connect();
}

void connection::cancel() {
  if (ex_)
    fail(transport_error::cancelled, "client was shut down");
  else
    close();
}

void connection::connect() {
  phase_ = phase::connecting;
  connect_at_ = add_clamped(clock::now(), ex_->req.connect_timeout);
  arm(next_due());
  auto self = shared_from_this();
  error_code ec;
  auto addr = asio::ip::make_address(core_.endpoint.host, ec);
  if (!ec) {
    lowest().async_connect(
      tcp::endpoint{addr, core_.endpoint.port},
      [self](const error_code& e) { self->on_connected(e); });
    return;
  }
  resolver_.emplace(core_.strand);
  resolver_->async_resolve(
    core_.endpoint.host, std::to_string(core_.endpoint.port),
    [self](const error_code& e, const tcp::resolver::results_type& results) {
      if (self->phase_ != phase::connecting)
        return;
      if (e) {
        self->fail(transport_error::resolve_failed,
                   "cannot resolve " + self->core_.endpoint.host + ": "
                     + e.message());
        return;
      }
      asio::async_connect(self->lowest(), results,
                          [self](const error_code& e2, const tcp::endpoint&) {
                            self->on_connected(e2);
                          });
    });
}

void connection::on_connected(const error_code& ec) {
  if (phase_ != phase::connecting)
    return;
  if (ec) {
    fail(transport_error::connect_failed, "connect failed: " + ec.message());
    return;
  }
  error_code ignored;
  lowest().set_option(tcp::no_delay{true}, ignored);
  if (!tls_) {
    connected_ = true;
    write();
    return;
  }
  const auto& host = core_.endpoint.host;
  error_code not_ip;
  asio::ip::make_address(host, not_ip);
  // SNI only for names: RFC 6066 forbids IP literals in server_name.
  if (not_ip
      && !SSL_set_tlsext_host_name(tls_->native_handle(), host.c_str())) {
    fail(transport_error::tls_failed, "cannot set TLS server name");
    return;
  }
  if (core_.opts.verify_tls)
    tls_->set_verify_callback(asio::ssl::host_name_verification(host));
  tls_->async_handshake(asio::ssl::stream_base::client,
                        [self = shared_from_this()](const error_code& e) {
                          if (self->phase_ != phase::connecting)
                            return;
                          if (e) {
                            self->fail(transport_error::tls_failed,
                                       "TLS handshake failed: " + e.message());
                            return;
                          }
                          self->connected_ = true;
                          self->write();
                        });
}

void connection::write() {
  phase_ = phase::writing;
  last_activity_ = clock::now();
  arm(next_due());
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head_),
                                         asio::buffer(ex_->req.body)};
  with_stream([&](auto& s) {
    asio::async_write(
      s, bufs, [self = shared_from_this()](const error_code& ec, std::size_t) {
        if (self->phase_ != phase::writing)
          return;
        if (ec) {
          self->on_io_error(ec);
          return;
        }
        self->phase_ = phase::reading;
        self->last_activity_ = clock::now();
        self->read();
      });
  });
}

void connection::read() {
  with_stream([&](auto& s) {
    s.async_read_some(
      buf_.prepare(read_size),
      [self = shared_from_this()](const error_code& ec, std::size_t n) {
        self->on_read(ec, n);
      });
  });
}

void connection::on_read(const error_code& ec, std::size_t n) {
  if (phase_ != phase::reading)
    return;
  if (n > 0) {
    buf_.commit(n);
    last_activity_ = clock::now();
    if (!got_bytes_) {
      got_bytes_ = true;
      first_byte_at_ = last_activity_;
    }
  }
  if (ec) {
    on_io_error(ec);
    return;
  }
  // Not `eager`: in Beast 1.74 an eager put() loses the body_limit error of
  // a Content-Length that is too large. This loop feeds the parser instead.
  beast::error_code pec;
  while (buf_.size() > 0) {
    auto used = parser_->put(buf_.data(), pec);
    buf_.consume(used);
    if (pec == http::error::need_more) {
      pec = {};
      break;
    }
    if (pec)
      break;
    if (parser_->is_done()) {
      int st = parser_->get().result_int();
      if (st < 100 || st >= 200 || st == 101)
        break;
      // An interim 1xx answer precedes the real one; parse on.
      parser_.emplace();
      parser_->header_limit(header_limit);
      parser_->body_limit(core_.opts.max_body_bytes);
      continue;
    }
    if (used == 0)
      break;
  }
  deliver_chunks();
  if (pec == http::error::body_limit) {
    fail(transport_error::protocol_error,
         "response body exceeds max_body_bytes ("
           + std::to_string(core_.opts.max_body_bytes) + ")");
    return;
  }
  if (pec) {
    fail(transport_error::protocol_error,
         "unparseable HTTP response: " + pec.message());
    return;
  }
  if (parser_->is_done()) {
    finish(parser_->keep_alive() && !parser_->need_eof() && buf_.size() == 0);
    return;
  }
  read();
}

void connection::on_io_error(const error_code& ec) {
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
    if (!got_bytes_) {
      fail(transport_error::connection_reset,
           "server closed the connection without responding");
      return;
    }
    // A body delimited by the end of the connection is complete now.
    beast::error_code pec;
    parser_->put_eof(pec);
    if (!pec && parser_->is_done()) {
      deliver_chunks();
      finish(false);
      return;
    }
    std::string why = "connection closed before the response was complete";
    if (parser_->is_header_done()) {
      why += " (";
      why += std::to_string(parser_->get().body().size());
      why += " body bytes received)";
    }
    fail(transport_error::truncated, why);
    return;
  }
  if (ec.category() == asio::error::get_ssl_category()) {
    fail(transport_error::tls_failed, "TLS error: " + ec.message());
    return;
  }
  fail(transport_error::connection_reset, ec.message());
}

void connection::deliver_chunks() {
  if (!ex_->on_chunk || !parser_->is_header_done())
    return;
  const auto& body = parser_->get().body();
  if (body.size() <= delivered_)
    return;
  auto fresh = std::string_view{body}.substr(delivered_);
  delivered_ = body.size();
  ex_->on_chunk(fresh);
}

void connection::fill(http_response& r) {
  r.reused_connection = reused_;
  auto now = clock::now();
  r.elapsed_ms = ms_between(ex_->start, now);
  if (got_bytes_)
    r.ttfb_ms = ms_between(ex_->start, first_byte_at_);
  if (!parser_ || !parser_->is_header_done())
    return;
  auto& msg = parser_->get();
  r.status = msg.result_int();
  if (auto it = msg.find(http::field::content_type); it != msg.end())
    r.content_type.assign(it->value().data(), it->value().size());
  if (auto it = msg.find(http::field::retry_after); it != msg.end())
    r.retry_after.assign(it->value().data(), it->value().size());
  r.body = std::move(msg.body());
}

void connection::finish(bool reusable) {
  auto self = shared_from_this();
  auto keep = hold_;
  http_response resp;
  fill(resp);
  auto p = std::move(*ex_);
  ex_.reset();
  phase_ = phase::idle;
  core_.exchange_done(self, reusable);
  // Idle (or closed): the pool owns this connection now, not the reverse.
  if (!ex_)
    hold_.reset();
  if (p.done)
    p.done(std::move(resp));
}

void connection::fail(transport_error e, std::string_view why) {
  if (!ex_) {
    close();
    return;
  }
  auto self = shared_from_this();
  auto keep = hold_;
  // A reused connection that dies before any response byte was most likely
  // closed by the server while idle: the request never reached it.
  bool retry = reused_ && !got_bytes_ && !ex_->retried
               && e == transport_error::connection_reset;
  http_response resp;
  if (!retry) {
    fill(resp);
    resp.error = e;
    resp.error_detail = describe(core_.endpoint, ex_->req);
    resp.error_detail += ": ";
    resp.error_detail += why;
  }
  // Giving up on a request the server has (or may have) received: close
  // with a reset, not a FIN. A server that has not yet read the request --
  // llama.cpp queues connections until one of its HTTP threads is free --
  // then finds the bytes discarded instead of computing an answer nobody
  // waits for, and one that is streaming sees the reset at its next write.
  bool abandoned =
    (e == transport_error::deadline || e == transport_error::idle_timeout
     || e == transport_error::cancelled)
    && (phase_ == phase::writing || phase_ == phase::reading);
  if (abandoned) {
    error_code ignored;
    lowest().set_option(asio::socket_base::linger{true, 0}, ignored);
  }
  // Close first: a pending write may still point into the request body,
  // and only a closed socket guarantees the reactor no longer reads it.
  close();
  auto p = std::move(*ex_);
  ex_.reset();
  hold_.reset();
  if (retry) {
    p.retried = true;
    core_.retry_fresh(std::move(p));
    return;
  }
  if (p.done)
    p.done(std::move(resp));
}

void connection::close() {
  if (phase_ == phase::closed)
    return;
  phase_ = phase::closed;
  ++timer_gen_;
  armed_ = false;
  timer_.cancel();
  if (resolver_)
    resolver_->cancel();
  error_code ignored;
  lowest().close(ignored);
  core_.connection_closed(this);
}

clock::time_point connection::next_due() const {
  if (!ex_)
    return clock::time_point::max();
  auto due = ex_->deadline_at;
  if (phase_ == phase::connecting)
    due = std::min(due, connect_at_);
  else if (phase_ == phase::writing || phase_ == phase::reading)
    due = std::min(due, add_clamped(last_activity_, ex_->req.idle_timeout));
  return due;
}

void connection::arm(clock::time_point due) {
  // Lazy: a timer already set to fire earlier simply re-checks then. Keeps
  // the per-request cost at zero timer operations on a busy connection.
  if (due == clock::time_point::max() || (armed_ && armed_at_ <= due))
    return;
  armed_ = true;
  armed_at_ = due;
  auto gen = ++timer_gen_;
  timer_.expires_at(due);
  timer_.async_wait([self = shared_from_this(), gen](const error_code&) {
    self->on_timer(gen);
  });
}

void connection::on_timer(uint64_t gen) {
  if (gen != timer_gen_ || phase_ == phase::closed)
    return;
  armed_ = false;
  if (!ex_)
    return;
  auto now = clock::now();
  const auto& req = ex_->req;
  if (now >= ex_->deadline_at) {
    fail(transport_error::deadline,
         "no complete response within the deadline of "
           + ms_text(req.deadline));
  } else if (phase_ == phase::connecting && now >= connect_at_) {
    fail(transport_error::connect_timeout,
         "connection not established within " + ms_text(req.connect_timeout));
  } else if ((phase_ == phase::writing || phase_ == phase::reading)
             && now >= add_clamped(last_activity_, req.idle_timeout)) {
    fail(transport_error::idle_timeout,
         "no data from the server for " + ms_text(req.idle_timeout));
  } else {
    arm(next_due());
  }
}

std::shared_ptr<connection> make_connection(client_core& core) {
  return std::make_shared<connection>(core);
}

void start_exchange(const std::shared_ptr<connection>& c, pending p,
                    bool reused) {
  c->start(std::move(p), reused);
}

void cancel_connection(connection* c) {
  c->cancel();
}

} // namespace kpsynth::net::detail
