// The client against the in-process server over loopback: pooling, timeouts,
// incremental bodies and every transport error a server fault can cause.

#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/io_runtime.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <vector>

using namespace kpsynth::net;
using namespace kpsynth::net::test;
using namespace std::chrono_literals;

namespace {

/// Server and client each on their own io thread, as in production. The
/// server's routes cover normal answers and every fault the tests inject.
struct fixture {
  explicit fixture(std::size_t threads = 1) : srv_rt(threads), cli_rt(threads) {
    server = std::make_unique<http_server>(
      srv_rt, "127.0.0.1", 0,
      [this](server_request r, std::shared_ptr<response_writer> w) {
        route(std::move(r), std::move(w));
      });
  }

  ~fixture() {
    server.reset();
    std::lock_guard<std::mutex> lock{mu};
    parked.clear();
  }

  void route(server_request r, std::shared_ptr<response_writer> w) {
    ++calls;
    auto path = std::string{r.path()};
    {
      std::lock_guard<std::mutex> lock{mu};
      seen.push_back(r);
    }
    if (path == "/echo") {
      w->respond(200, "text/plain", r.body,
                 {{"Retry-After", "7"}, {"X-Test", "1"}});
    } else if (path == "/park") {
      std::lock_guard<std::mutex> lock{mu};
      parked.push_back(std::move(w));
    } else if (path == "/reset") {
      w->reset();
    } else if (path == "/truncate") {
      w->send_raw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                  "Content-Length: 100\r\n\r\n0123456789");
    } else if (path == "/keepalive-then-close") {
      w->send_raw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    } else if (path == "/garbage") {
      w->send_raw("SMTP READY\r\n\r\n");
    } else if (path == "/eof-body") {
      w->send_raw("HTTP/1.1 200 OK\r\n\r\nuntil the end");
    } else if (path == "/stream") {
      stream(std::move(w), 0);
    } else if (path == "/big") {
      w->respond(200, "text/plain", std::string(100'000, 'z'));
    } else {
      w->respond(404, "text/plain", "no route");
    }
  }

  /// Twenty chunks, 50 ms apart: a one-second stream.
  void stream(std::shared_ptr<response_writer> w, int k) {
    if (k == 0)
      w->begin_stream(200, "text/event-stream");
    if (k == stream_chunks) {
      w->end_stream();
      return;
    }
    srv_rt.post_after(50ms, [this, w, k] {
      w->write_chunk(chunk_text(k));
      stream(w, k + 1);
    });
  }

  static std::string chunk_text(int k) {
    return "data: {\"n\":" + std::to_string(k) + "}\n\n";
  }

  std::size_t parked_count() {
    std::lock_guard<std::mutex> lock{mu};
    return parked.size();
  }

  url endpoint() const { return local_url(server->port()); }

  static constexpr int stream_chunks = 20;
  io_runtime srv_rt;
  io_runtime cli_rt;
  std::atomic<int> calls{0};
  std::mutex mu;
  std::vector<server_request> seen;
  std::vector<std::shared_ptr<response_writer>> parked;
  std::unique_ptr<http_server> server;
};

http_request post(std::string target, std::string body) {
  http_request r;
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

} // namespace

TEST_CASE("round trip carries body, headers and timings", "[client]") {
  fixture f;
  http_client c{f.cli_rt, f.endpoint()};
  auto req = post("/echo", R"({"x":1})");
  req.headers = {{"Authorization", "Bearer secret"}};
  auto r = fetch(c, req);
  REQUIRE(r.error == transport_error::none);
  CHECK(r.status == 200);
  CHECK(r.body == R"({"x":1})");
  CHECK(r.content_type == "text/plain");
  CHECK(r.retry_after == "7");
  CHECK_FALSE(r.reused_connection);
  CHECK(r.ttfb_ms > 0);
  CHECK(r.elapsed_ms >= r.ttfb_ms);
  std::lock_guard<std::mutex> lock{f.mu};
  REQUIRE(f.seen.size() == 1);
  const auto& s = f.seen[0];
  CHECK(s.method == "POST");
  CHECK(s.header("host") == "127.0.0.1:" + std::to_string(f.server->port()));
  CHECK(s.header("user-agent") == "kpsynth/0.1");
  CHECK(s.header("content-type") == "application/json");
  CHECK(s.header("content-length") == "7");
  CHECK(s.header("authorization") == "Bearer secret");
  CHECK(s.header("accept") == "*/*");
}

TEST_CASE("empty bodies still send Content-Length", "[client]") {
  fixture f;
  http_client c{f.cli_rt, f.endpoint()};
  auto r = fetch(c, get("/echo"));
  REQUIRE(r.error == transport_error::none);
  std::lock_guard<std::mutex> lock{f.mu};
  REQUIRE(f.seen.size() == 1);
  CHECK(f.seen[0].method == "GET");
  CHECK(f.seen[0].header("content-length") == "0");
}

TEST_CASE("base path is prefixed to the target", "[client]") {
  fixture f;
  http_client c{f.cli_rt, local_url(f.server->port(), "/v1")};
  auto r = fetch(c, post("/chat/completions", "{}"));
  REQUIRE(r.error == transport_error::none);
  CHECK(r.status == 404);
  std::lock_guard<std::mutex> lock{f.mu};
  CHECK(f.seen.at(0).target == "/v1/chat/completions");
}

TEST_CASE("sequential requests reuse one keep-alive connection", "[client]") {
  fixture f;
  http_client c{f.cli_rt, f.endpoint()};
  for (int i = 0; i < 5; ++i) {
    auto r = fetch(c, post("/echo", std::to_string(i)));
    REQUIRE(r.error == transport_error::none);
    CHECK(r.body == std::to_string(i));
    CHECK(r.reused_connection == (i > 0));
    CHECK(c.open_connections() == 1);
  }
  CHECK(f.server->open_connections() == 1);
}

TEST_CASE("max_idle 0 closes connections after use", "[client]") {
  fixture f;
  http_client_options o;
  o.max_idle = 0;
  http_client c{f.cli_rt, f.endpoint(), o};
  for (int i = 0; i < 3; ++i) {
    auto r = fetch(c, post("/echo", "x"));
    REQUIRE(r.error == transport_error::none);
    CHECK_FALSE(r.reused_connection);
  }
  CHECK(eventually([&] { return c.open_connections() == 0; }));
  CHECK(eventually([&] { return f.server->open_connections() == 0; }));
}

TEST_CASE("2000 concurrent requests through 32 connections all complete",
          "[client]") {
  // One io thread each, and several: the multi-threaded case exercises the
  // strands that serialise each connection.
  auto threads = GENERATE(std::size_t{1}, std::size_t{3});
  fixture f{threads};
  http_client_options o;
  o.max_connections = 32;
  http_client c{f.cli_rt, f.endpoint(), o};
  constexpr int n = 2000;
  std::atomic<int> ok{0};
  std::atomic<int> done{0};
  std::atomic<std::size_t> max_open{0};
  auto all = std::make_shared<std::promise<void>>();
  auto fut = all->get_future();
  for (int i = 0; i < n; ++i) {
    auto body = std::to_string(i);
    c.async_request(post("/echo", body), [&, body, all](http_response r) {
      if (r.error == transport_error::none && r.status == 200 && r.body == body)
        ++ok;
      auto open = c.open_connections();
      auto seen = max_open.load();
      while (open > seen && !max_open.compare_exchange_weak(seen, open)) {
      }
      if (++done == n)
        all->set_value();
    });
  }
  await(fut, 60s);
  CHECK(ok == n);
  CHECK(max_open <= 32);
  CHECK(f.server->open_connections() <= 32);
  CHECK(f.calls == n);
}

TEST_CASE("idle timeout fires when the server never answers", "[client]") {
  fixture f;
  http_client c{f.cli_rt, f.endpoint()};
  auto req = post("/park", "");
  req.idle_timeout = 200ms;
  auto r = fetch(c, req);
  CHECK(r.error == transport_error::idle_timeout);
  CHECK(r.elapsed_ms >= 200);
  CHECK(r.error_detail.find("POST http://127.0.0.1:") == 0);
  CHECK(r.error_detail.find("/park") != std::string::npos);
  CHECK(eventually([&] { return c.open_connections() == 0; }));
}

TEST_CASE("huge timeouts mean never, not overflow", "[client]") {
  fixture f;
  http_client_options o;
  o.max_connections = 1;
  http_client c{f.cli_rt, f.endpoint(), o};
  auto req = post("/echo", "forever");
  req.connect_timeout = std::chrono::milliseconds::max();
  req.idle_timeout = std::chrono::milliseconds::max();
  req.deadline = std::chrono::milliseconds::max();
  // Two at once: the second waits in the queue with an unbounded deadline.
  auto p = std::make_shared<std::promise<http_response>>();
  auto fut = p->get_future();
  c.async_request(req, [p](http_response r) { p->set_value(r); });
  auto r = fetch(c, req);
  CHECK(r.error == transport_error::none);
  CHECK(r.body == "forever");
  CHECK(await(fut).error == transport_error::none);
}

TEST_CASE("deadline fires for an answer that never completes", "[client]") {
  fixture f;
  http_client c{f.cli_rt, f.endpoint()};
  auto req = post("/park", "");
  req.deadline = 150ms;
  auto r = fetch(c, req);
  CHECK(r.error == transport_error::deadline);
  CHECK(r.elapsed_ms >= 150);
}

TEST_CASE("deadline counts the wait for a pooled connection", "[client]") {
  fixture f;
  http_client_options o;
  o.max_connections = 1;
  http_client c{f.cli_rt, f.endpoint(), o};
  auto first = std::make_shared<std::promise<http_response>>();
  auto first_fut = first->get_future();
  c.async_request(post("/park", ""),
                  [first](http_response r) { first->set_value(r); });
  REQUIRE(eventually([&] { return f.parked_count() == 1; }));
  auto req = post("/echo", "queued");
  req.deadline = 200ms;
  auto r = fetch(c, req);
  CHECK(r.error == transport_error::deadline);
  CHECK(r.elapsed_ms >= 200);
  CHECK(r.error_detail.find("waiting for a free connection")
        != std::string::npos);
  CHECK(f.calls == 1);
  c.shutdown();
  auto r1 = await(first_fut);
  CHECK(r1.error == transport_error::cancelled);
}

TEST_CASE("queued requests run in FIFO order when a slot frees", "[client]") {
  fixture f;
  http_client_options o;
  o.max_connections = 1;
  http_client c{f.cli_rt, f.endpoint(), o};
  std::mutex mu;
  std::vector<std::string> order;
  auto all = std::make_shared<std::promise<void>>();
  auto fut = all->get_future();
  for (int i = 0; i < 10; ++i)
    c.async_request(post("/echo", std::to_string(i)),
                    [&, all](http_response r) {
                      std::lock_guard<std::mutex> lock{mu};
                      order.push_back(r.body);
                      if (order.size() == 10)
                        all->set_value();
                    });
  await(fut);
  for (int i = 0; i < 10; ++i)
    CHECK(order[static_cast<std::size_t>(i)] == std::to_string(i));
}

TEST_CASE("server reset maps to connection_reset", "[client]") {
  fixture f;
  http_client c{f.cli_rt, f.endpoint()};
  auto r = fetch(c, post("/reset", ""));
  CHECK(r.error == transport_error::connection_reset);
  CHECK(f.calls == 1);
}

TEST_CASE("a short body maps to truncated", "[client]") {
  fixture f;
  http_client c{f.cli_rt, f.endpoint()};
  auto r = fetch(c, post("/truncate", ""));
  CHECK(r.error == transport_error::truncated);
  CHECK(r.status == 200);
  CHECK(r.body == "0123456789");
  CHECK(r.error_detail.find("10 body bytes") != std::string::npos);
}

TEST_CASE("a body delimited by EOF is complete", "[client]") {
  fixture f;
  http_client c{f.cli_rt, f.endpoint()};
  auto r = fetch(c, post("/eof-body", ""));
  REQUIRE(r.error == transport_error::none);
  CHECK(r.body == "until the end");
  CHECK(eventually([&] { return c.open_connections() == 0; }));
}

TEST_CASE("garbage and oversized answers are protocol errors", "[client]") {
  fixture f;
  http_client_options o;
  o.max_body_bytes = 50'000;
  http_client c{f.cli_rt, f.endpoint(), o};
  auto g = fetch(c, post("/garbage", ""));
  CHECK(g.error == transport_error::protocol_error);
  auto b = fetch(c, post("/big", ""));
  CHECK(b.error == transport_error::protocol_error);
  CHECK(b.error_detail.find("max_body_bytes") != std::string::npos);
  o.max_body_bytes = 100'000;
  http_client c2{f.cli_rt, f.endpoint(), o};
  auto ok = fetch(c2, post("/big", ""));
  CHECK(ok.error == transport_error::none);
  CHECK(ok.body.size() == 100'000);
}

TEST_CASE("a slow stream outlives the idle timeout and arrives in order",
          "[client]") {
  fixture f;
  http_client c{f.cli_rt, f.endpoint()};
  auto req = post("/stream", "");
  req.idle_timeout = 200ms;
  std::string seen;
  int calls = 0;
  double first_chunk_ms = -1;
  auto start = std::chrono::steady_clock::now();
  auto r = fetch(c, req, [&](std::string_view part) {
    if (calls++ == 0)
      first_chunk_ms = std::chrono::duration<double, std::milli>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    seen += part;
  });
  REQUIRE(r.error == transport_error::none);
  std::string expected;
  for (int k = 0; k < fixture::stream_chunks; ++k)
    expected += fixture::chunk_text(k);
  CHECK(seen == expected);
  CHECK(r.body == expected);
  CHECK(calls > 1);
  CHECK(r.elapsed_ms >= 1000);
  // Delivered as it came, not at the end.
  CHECK(first_chunk_ms < r.elapsed_ms - 500);
  CHECK(r.content_type == "text/event-stream");
}

TEST_CASE("on_chunk also sees Content-Length bodies", "[client]") {
  fixture f;
  http_client c{f.cli_rt, f.endpoint()};
  std::string seen;
  auto r = fetch(c, post("/big", ""), [&](std::string_view p) { seen += p; });
  REQUIRE(r.error == transport_error::none);
  CHECK(seen == std::string(100'000, 'z'));
  CHECK(r.body == seen);
}

TEST_CASE("a stale keep-alive connection is retried transparently",
          "[client]") {
  fixture f;
  http_client c{f.cli_rt, f.endpoint()};
  auto first = fetch(c, post("/keepalive-then-close", ""));
  REQUIRE(first.error == transport_error::none);
  CHECK(first.body == "ok");
  // The server has closed the connection the client keeps as idle.
  REQUIRE(eventually([&] { return f.server->open_connections() == 0; }));
  CHECK(c.open_connections() == 1);
  auto second = fetch(c, post("/echo", "again"));
  REQUIRE(second.error == transport_error::none);
  CHECK(second.body == "again");
  CHECK_FALSE(second.reused_connection);
  CHECK(f.calls == 2);
  CHECK(c.open_connections() == 1);
}

TEST_CASE("a request is retried at most once", "[client]") {
  fixture f;
  http_client c{f.cli_rt, f.endpoint()};
  REQUIRE(fetch(c, post("/echo", "warm")).error == transport_error::none);
  // On the reused connection the reset looks like a stale connection: one
  // retry on a fresh connection, whose reset is final.
  auto r = fetch(c, post("/reset", ""));
  CHECK(r.error == transport_error::connection_reset);
  CHECK_FALSE(r.reused_connection);
  CHECK(f.calls == 3);
}

TEST_CASE("connecting to a closed port fails with connect_failed", "[client]") {
  io_runtime rt{1};
  http_client c{rt, local_url(closed_port())};
  auto r = fetch(c, post("/x", ""));
  CHECK(r.error == transport_error::connect_failed);
  CHECK(r.error_detail.find("refused") != std::string::npos);
  CHECK(c.open_connections() == 0);
}

TEST_CASE("a connect that never completes hits connect_timeout", "[client]") {
  // A listener with a full accept queue: Linux drops further SYNs, so the
  // handshake neither completes nor fails.
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(lfd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  socklen_t len = sizeof(a);
  REQUIRE(::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  REQUIRE(::listen(lfd, 0) == 0);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    fillers.push_back(fd);
  }
  {
    io_runtime rt{1};
    http_client c{rt, local_url(ntohs(a.sin_port))};
    auto req = post("/x", "");
    req.connect_timeout = 300ms;
    auto r = fetch(c, req);
    CHECK(r.error == transport_error::connect_timeout);
    CHECK(r.elapsed_ms >= 300);
    CHECK(r.error_detail.find("300 ms") != std::string::npos);
  }
  for (int fd : fillers)
    ::close(fd);
  ::close(lfd);
}

TEST_CASE("host names are resolved", "[client]") {
  fixture f;
  auto u = url::parse("http://localhost:" + std::to_string(f.server->port()));
  REQUIRE(u);
  http_client c{f.cli_rt, *u};
  auto r = fetch(c, post("/echo", "named"));
  // localhost may resolve to ::1 first; the client must try every address.
  REQUIRE(r.error == transport_error::none);
  CHECK(r.body == "named");
}

TEST_CASE("shutdown cancels in-flight and later requests", "[client]") {
  fixture f;
  http_client c{f.cli_rt, f.endpoint()};
  auto p = std::make_shared<std::promise<http_response>>();
  auto fut = p->get_future();
  c.async_request(post("/park", ""), [p](http_response r) { p->set_value(r); });
  REQUIRE(eventually([&] { return f.parked_count() == 1; }));
  c.shutdown();
  auto r = await(fut);
  CHECK(r.error == transport_error::cancelled);
  CHECK(fetch(c, post("/echo", "")).error == transport_error::cancelled);
  CHECK(eventually([&] { return c.open_connections() == 0; }));
  CHECK(eventually([&] { return f.server->open_connections() == 0; }));
}

TEST_CASE("destroying the client with requests in flight is safe", "[client]") {
  fixture f;
  std::atomic<int> cancelled{0};
  auto all = std::make_shared<std::promise<void>>();
  auto fut = all->get_future();
  {
    http_client c{f.cli_rt, f.endpoint()};
    for (int i = 0; i < 8; ++i)
      c.async_request(post("/park", ""), [&, all](http_response r) {
        if (r.error == transport_error::cancelled && ++cancelled == 8)
          all->set_value();
      });
    REQUIRE(eventually([&] { return f.parked_count() == 8; }));
  }
  await(fut);
  CHECK(cancelled == 8);
}

TEST_CASE("invalid caller headers fail without touching the network",
          "[client]") {
  fixture f;
  http_client c{f.cli_rt, f.endpoint()};
  auto req = post("/echo", "");
  req.headers = {{"X-Bad", "a\r\nInjected: yes"}};
  auto r = fetch(c, req);
  CHECK(r.error == transport_error::protocol_error);
  CHECK(f.calls == 0);
  CHECK(fetch(c, post("/echo", "fine")).body == "fine");
}
