// The sessions of http_server: one keep-alive connection each, on its own
// strand, Beast's request parser fed by hand (so that the same read that
// waits for the next request also notices a vanished peer while a handler is
// pending), responses framed by net/http_wire. The only server translation
// unit that includes Beast; the listener is in server_core.cpp.

#include "net/http_wire.hpp"
#include "net/server_internal.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <optional>

namespace kpsynth::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t read_size = 16 * 1024;
constexpr std::uint64_t body_limit = 16 * 1024 * 1024;
constexpr std::uint32_t header_limit = 64 * 1024;
/// How long a closing connection keeps draining the peer's bytes so that
/// our last response is not destroyed by an RST.
constexpr std::chrono::seconds linger_time{1};

} // namespace

namespace server_detail {

/// One accepted connection. Everything runs on the socket's strand.
class session : public std::enable_shared_from_this<session> {
 public:
  session(std::shared_ptr<server_core> srv, socket_type sock, uint64_t id)
    : srv_(std::move(srv)), sock_(std::move(sock)), id_(id) {}

  void start();
  void close_now();

  /// Starts serving from any thread (the accept runs on another strand).
  void post_start() {
    asio::post(sock_.get_executor(),
               [self = shared_from_this()] { self->start(); });
  }

  /// Closes the connection from any thread.
  void post_close() {
    asio::post(sock_.get_executor(),
               [self = shared_from_this()] { self->close_now(); });
  }

  /// Runs `fn` on the strand if `seq` still names the current request.
  template<class F>
  void post(uint64_t seq, F fn) {
    asio::post(sock_.get_executor(),
               [self = shared_from_this(), seq, fn = std::move(fn)]() mutable {
                 if (seq == self->seq_ && !self->closed_)
                   fn(*self);
               });
  }

  // The response_writer actions, on the strand.
  void respond(int status, std::string_view ct, std::string body,
               const wire::header_list& headers);
  void begin_stream(int status, std::string_view ct,
                    const wire::header_list& headers);
  void write_chunk(std::string_view data);
  void end_stream();
  void reset();
  void send_raw(std::string bytes);
  void abandon();

  std::atomic<bool> peer_closed{false};

 private:
  enum class wstate : uint8_t { none, streaming, done };

  void new_parser();
  void read();
  void on_read(const error_code& ec, std::size_t n);
  void process();
  void dispatch();
  void error_response(int status, std::string_view message);
  void end_response(bool close);
  void flush();
  void on_written(const error_code& ec);
  void after_response();
  void graceful_close();
  void arm_read_timer();

  std::shared_ptr<server_core> srv_;
  socket_type sock_;
  uint64_t id_;
  std::string remote_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<asio::steady_timer> linger_timer_;
  /// Runs while the connection waits for a request (server_limits).
  std::optional<asio::steady_timer> read_timer_;
  std::vector<std::string> outq_;
  std::vector<std::string> inflight_;
  std::vector<asio::const_buffer> bufs_;
  uint64_t seq_ = 0;
  wstate w_ = wstate::none;
  bool reading_ = false;
  bool writing_ = false;
  bool busy_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool keep_alive_ = true;
  bool head_request_ = false;
  bool continue_sent_ = false;
  bool response_done_ = false;
  bool close_after_ = false;
};

class writer : public response_writer {
 public:
  writer(std::shared_ptr<session> s, uint64_t seq)
    : s_(std::move(s)), seq_(seq) {}

  ~writer() override {
    // A handler that drops its writer without answering would leave the
    // client waiting for its idle timeout; answer 500 (or end the stream).
    if (!final_called_.load(std::memory_order_relaxed))
      s_->post(seq_, [](session& s) { s.abandon(); });
  }

  void
  respond(int status, std::string content_type, std::string body,
          std::vector<std::pair<std::string, std::string>> headers) override {
    s_->post(seq_,
             [status, ct = std::move(content_type), body = std::move(body),
              h = std::move(headers)](session& s) mutable {
               s.respond(status, ct, std::move(body), h);
             });
    final_called_.store(true, std::memory_order_relaxed);
  }

  void begin_stream(
    int status, std::string content_type,
    std::vector<std::pair<std::string, std::string>> headers) override {
    s_->post(seq_,
             [status, ct = std::move(content_type), h = std::move(headers)](
               session& s) { s.begin_stream(status, ct, h); });
  }

  void write_chunk(std::string data) override {
    s_->post(seq_, [d = std::move(data)](session& s) { s.write_chunk(d); });
  }

  void end_stream() override {
    s_->post(seq_, [](session& s) { s.end_stream(); });
    final_called_.store(true, std::memory_order_relaxed);
  }

  void reset() override {
    s_->post(seq_, [](session& s) { s.reset(); });
    final_called_.store(true, std::memory_order_relaxed);
  }

  void send_raw(std::string bytes) override {
    s_->post(seq_, [b = std::move(bytes)](session& s) mutable {
      s.send_raw(std::move(b));
    });
    final_called_.store(true, std::memory_order_relaxed);
  }

  bool closed() const override { return s_->peer_closed.load(); }

 private:
  std::shared_ptr<session> s_;
  uint64_t seq_;
  /// Set by the final actions so that the destructor need not post
  /// `abandon` after every normal response (end_stream before begin_stream
  /// sets it too; such a handler is already broken).
  std::atomic<bool> final_called_{false};
};

void session::start() {
  error_code ec;
  auto ep = sock_.remote_endpoint(ec);
  if (!ec) {
    remote_ = ep.address().to_string();
    remote_ += ':';
    remote_ += std::to_string(ep.port());
  }
  sock_.set_option(tcp::no_delay{true}, ec);
  new_parser();
  arm_read_timer();
  process();
}

void session::arm_read_timer() {
  auto limit = srv_->limits.read_timeout;
  if (limit.count() <= 0)
    return;
  if (!read_timer_)
    read_timer_.emplace(sock_.get_executor());
  // Re-arming cancels the previous wait, which then sees operation_aborted.
  read_timer_->expires_after(limit);
  read_timer_->async_wait([self = shared_from_this()](const error_code& e) {
    // A handler is not timed: only a connection still waiting for (the rest
    // of) a request is closed.
    if (!e && !self->busy_)
      self->close_now();
  });
}

void session::new_parser() {
  parser_.emplace();
  parser_->body_limit(body_limit);
  parser_->header_limit(header_limit);
  continue_sent_ = false;
}

void session::read() {
  if (reading_ || closed_)
    return;
  reading_ = true;
  sock_.async_read_some(
    buf_.prepare(read_size),
    [self = shared_from_this()](const error_code& ec, std::size_t n) {
      self->on_read(ec, n);
    });
}

void session::on_read(const error_code& ec, std::size_t n) {
  reading_ = false;
  if (closed_)
    return;
  if (ec) {
    // The peer went away (or reset); a pending handler sees closed().
    close_now();
    return;
  }
  buf_.commit(n);
  if (closing_) {
    // Draining before close: the bytes are discarded.
    buf_.consume(buf_.size());
    read();
    return;
  }
  // While a handler is pending, extra bytes (a pipelined request) wait in the
  // buffer; reading stops until the response is out, which bounds memory.
  if (!busy_)
    process();
}

void session::process() {
  // put() without `eager` (Beast 1.74 loses body_limit errors when eager):
  // the loop feeds header and body separately.
  while (!busy_ && !closed_ && !closing_) {
    if (buf_.size() == 0) {
      read();
      return;
    }
    beast::error_code ec;
    auto used = parser_->put(buf_.data(), ec);
    buf_.consume(used);
    if (!ec && parser_->is_header_done() && !parser_->is_done()
        && !continue_sent_) {
      // The client waits for this before sending a large body (curl does).
      continue_sent_ = true;
      auto expect = parser_->get()[http::field::expect];
      if (wire::iequals({expect.data(), expect.size()}, "100-continue")) {
        outq_.emplace_back("HTTP/1.1 100 Continue\r\n\r\n");
        flush();
      }
    }
    if (ec == http::error::need_more) {
      read();
      return;
    }
    if (ec == http::error::body_limit) {
      error_response(413, "request body exceeds 16 MiB");
      return;
    }
    if (ec == http::error::header_limit) {
      error_response(431, "request header exceeds 64 KiB");
      return;
    }
    if (ec) {
      error_response(400, "malformed HTTP request: " + ec.message());
      return;
    }
    if (parser_->is_done()) {
      dispatch();
      break;
    }
    if (used == 0) {
      read();
      return;
    }
  }
  // Keep one read pending while the handler runs: its EOF is how closed()
  // learns that the client gave up.
  if (busy_ && buf_.size() == 0)
    read();
}

void session::dispatch() {
  busy_ = true;
  if (read_timer_)
    read_timer_->cancel();
  ++seq_;
  w_ = wstate::none;
  auto msg = parser_->release();
  new_parser();
  keep_alive_ = msg.keep_alive();
  head_request_ = msg.method() == http::verb::head;
  server_request req;
  req.method.assign(msg.method_string().data(), msg.method_string().size());
  req.target.assign(msg.target().data(), msg.target().size());
  req.body = std::move(msg.body());
  for (const auto& f : msg)
    req.headers.emplace_back(std::string{f.name_string()},
                             std::string{f.value()});
  req.remote_address = remote_;
  auto w = std::make_shared<writer>(shared_from_this(), seq_);
  srv_->invoke(std::move(req), std::move(w));
}

void session::respond(int status, std::string_view ct, std::string body,
                      const wire::header_list& headers) {
  if (w_ != wstate::none)
    return;
  w_ = wstate::done;
  bool close = !keep_alive_;
  std::string head;
  wire::append_response_head(head, status, ct, body.size(), false, close,
                             headers);
  outq_.push_back(std::move(head));
  if (!head_request_ && !body.empty())
    outq_.push_back(std::move(body));
  end_response(close);
}

void session::begin_stream(int status, std::string_view ct,
                           const wire::header_list& headers) {
  if (w_ != wstate::none)
    return;
  w_ = wstate::streaming;
  std::string head;
  wire::append_response_head(head, status, ct, 0, true, !keep_alive_, headers);
  outq_.push_back(std::move(head));
  flush();
}

void session::write_chunk(std::string_view data) {
  if (w_ != wstate::streaming || data.empty())
    return;
  std::string out;
  wire::append_chunk(out, data);
  outq_.push_back(std::move(out));
  flush();
}

void session::end_stream() {
  if (w_ != wstate::streaming)
    return;
  w_ = wstate::done;
  outq_.emplace_back(wire::last_chunk);
  end_response(!keep_alive_);
}

void session::reset() {
  if (w_ == wstate::done)
    return;
  w_ = wstate::done;
  error_code ec;
  // Linger with a zero timeout turns close() into an RST.
  sock_.set_option(asio::socket_base::linger(true, 0), ec);
  close_now();
}

void session::send_raw(std::string bytes) {
  if (w_ == wstate::done)
    return;
  w_ = wstate::done;
  outq_.push_back(std::move(bytes));
  end_response(true);
}

void session::abandon() {
  if (w_ == wstate::none) {
    respond(500, "application/json",
            R"({"error":{"message":"the handler dropped the request )"
            R"(without answering","type":"server_error"}})",
            {});
  } else if (w_ == wstate::streaming) {
    // The client sees an unterminated chunked body: truncated.
    w_ = wstate::done;
    end_response(true);
  }
}

void session::error_response(int status, std::string_view message) {
  busy_ = true;
  ++seq_;
  w_ = wstate::done;
  std::string body = R"({"error":{"message":")";
  body += message;
  body += R"(","type":"invalid_request_error"}})";
  std::string head;
  wire::append_response_head(head, status, "application/json", body.size(),
                             false, true, {});
  outq_.push_back(std::move(head));
  outq_.push_back(std::move(body));
  end_response(true);
}

void session::end_response(bool close) {
  response_done_ = true;
  close_after_ = close;
  if (!writing_ && outq_.empty())
    after_response();
  else
    flush();
}

void session::flush() {
  if (writing_ || outq_.empty() || closed_)
    return;
  writing_ = true;
  inflight_.swap(outq_);
  bufs_.clear();
  for (const auto& s : inflight_)
    bufs_.push_back(asio::buffer(s));
  asio::async_write(
    sock_, bufs_,
    [self = shared_from_this()](const error_code& ec, std::size_t) {
      self->on_written(ec);
    });
}

void session::on_written(const error_code& ec) {
  writing_ = false;
  inflight_.clear();
  if (closed_)
    return;
  if (ec) {
    close_now();
    return;
  }
  if (!outq_.empty()) {
    flush();
    return;
  }
  if (response_done_)
    after_response();
}

void session::after_response() {
  response_done_ = false;
  if (close_after_ || srv_->stopped.load()) {
    graceful_close();
    return;
  }
  busy_ = false;
  w_ = wstate::none;
  arm_read_timer();
  process();
}

void session::graceful_close() {
  if (closed_ || closing_)
    return;
  closing_ = true;
  error_code ec;
  sock_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) {
    close_now();
    return;
  }
  buf_.consume(buf_.size());
  linger_timer_.emplace(sock_.get_executor(), linger_time);
  linger_timer_->async_wait([self = shared_from_this()](const error_code& e) {
    if (!e)
      self->close_now();
  });
  read();
}

void session::close_now() {
  if (closed_)
    return;
  closed_ = true;
  peer_closed.store(true);
  error_code ec;
  sock_.close(ec);
  if (linger_timer_)
    linger_timer_->cancel();
  if (read_timer_)
    read_timer_->cancel();
  outq_.clear();
  srv_->session_closed(id_);
}

std::shared_ptr<session> make_session(std::shared_ptr<server_core> srv,
                                      socket_type sock, uint64_t id) {
  return std::make_shared<session>(std::move(srv), std::move(sock), id);
}

void start_session(const std::shared_ptr<session>& s) {
  s->post_start();
}

void close_session(const std::shared_ptr<session>& s) {
  s->post_close();
}

} // namespace server_detail
} // namespace kpsynth::net
