// The server over loopback, driven by a raw POSIX client so that framing,
// malformed input and connection handling are checked byte for byte.

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

/// A server on an ephemeral port whose handler the test chooses. Writers a
/// test keeps are parked here and released before the runtime stops.
struct server_fixture {
  explicit server_fixture(request_handler h, server_limits limits = {})
    : server(std::make_unique<http_server>(rt, "127.0.0.1", 0, std::move(h),
                                           limits)) {}

  ~server_fixture() {
    server.reset();
    std::lock_guard<std::mutex> lock{mu};
    parked.clear();
  }

  void park(std::shared_ptr<response_writer> w) {
    std::lock_guard<std::mutex> lock{mu};
    parked.push_back(std::move(w));
  }

  std::shared_ptr<response_writer> parked_at(std::size_t i) {
    std::lock_guard<std::mutex> lock{mu};
    return i < parked.size() ? parked[i] : nullptr;
  }

  io_runtime rt{1};
  std::mutex mu;
  std::vector<std::shared_ptr<response_writer>> parked;
  std::unique_ptr<http_server> server;
};

const char* simple_get = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";

request_handler echo_handler() {
  return [](server_request req, std::shared_ptr<response_writer> w) {
    std::string body = req.method + " " + req.target + " " + req.body;
    w->respond(200, "text/plain", std::move(body), {{"X-Echo", "1"}});
  };
}

} // namespace

TEST_CASE("server answers and keeps the connection alive", "[server]") {
  server_fixture f{echo_handler()};
  REQUIRE(f.server->port() != 0);
  raw_client c{f.server->port()};
  c.send("POST /a?q=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
  REQUIRE(c.read_until("POST /a?q=1 abc"));
  CHECK(c.received.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(c.received.find("Content-Length: 15\r\n") != std::string::npos);
  CHECK(c.received.find("X-Echo: 1\r\n") != std::string::npos);
  CHECK(c.received.find("Connection: close") == std::string::npos);
  c.received.clear();
  c.send(simple_get);
  REQUIRE(c.read_until("GET /x "));
  CHECK(f.server->open_connections() == 1);
}

TEST_CASE("server answers pipelined requests in order", "[server]") {
  server_fixture f{echo_handler()};
  raw_client c{f.server->port()};
  c.send(
    "GET /1 HTTP/1.1\r\nHost: t\r\n\r\nGET /2 HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(c.read_until("GET /2 "));
  auto first = c.received.find("GET /1 ");
  REQUIRE(first != std::string::npos);
  CHECK(first < c.received.find("GET /2 "));
}

TEST_CASE("server passes method, target, headers and peer", "[server]") {
  auto seen = std::make_shared<std::promise<server_request>>();
  server_fixture f{
    [seen](server_request r, std::shared_ptr<response_writer> w) {
      w->respond(204, "", "");
      seen->set_value(std::move(r));
    }};
  raw_client c{f.server->port()};
  c.send("PUT /v1/x?y=2 HTTP/1.1\r\nHost: t\r\nX-Key: abc\r\n"
         "Content-Length: 2\r\n\r\nhi");
  auto fut = seen->get_future();
  auto r = await(fut);
  CHECK(r.method == "PUT");
  CHECK(r.target == "/v1/x?y=2");
  CHECK(r.path() == "/v1/x");
  CHECK(r.body == "hi");
  CHECK(r.header("x-key") == "abc");
  CHECK(r.remote_address.rfind("127.0.0.1:", 0) == 0);
  REQUIRE(c.read_until("\r\n\r\n"));
  CHECK(c.received.rfind("HTTP/1.1 204 No Content\r\n", 0) == 0);
}

TEST_CASE("malformed request gets 400 and the connection closes", "[server]") {
  std::atomic<int> calls{0};
  server_fixture f{
    [&calls](server_request, std::shared_ptr<response_writer> w) {
      ++calls;
      w->respond(200, "text/plain", "x");
    }};
  raw_client c{f.server->port()};
  c.send("THIS IS NOT HTTP\r\n\r\n");
  REQUIRE(c.read_to_eof());
  CHECK(c.received.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  CHECK(c.received.find("Connection: close\r\n") != std::string::npos);
  CHECK(calls == 0);
  CHECK(eventually([&] { return f.server->open_connections() == 0; }));
}

TEST_CASE("oversized request body gets 413", "[server]") {
  server_fixture f{echo_handler()};
  raw_client c{f.server->port()};
  // Head and the first body bytes in one segment, as real clients send.
  c.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 16777217\r\n\r\n"
         "{\"model\":");
  REQUIRE(c.read_to_eof());
  CHECK(c.received.rfind("HTTP/1.1 413 ", 0) == 0);
}

TEST_CASE("a body of exactly 16 MiB is accepted", "[server]") {
  server_fixture f{[](server_request r, std::shared_ptr<response_writer> w) {
    w->respond(200, "text/plain", std::to_string(r.body.size()));
  }};
  raw_client c{f.server->port()};
  std::string body(16 * 1024 * 1024, 'b');
  c.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 16777216\r\n\r\n");
  c.send(body);
  REQUIRE(c.read_until("\r\n\r\n16777216"));
  CHECK(c.received.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
}

TEST_CASE("Connection: close is honoured", "[server]") {
  server_fixture f{echo_handler()};
  raw_client c{f.server->port()};
  c.send("GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  REQUIRE(c.read_to_eof());
  CHECK(c.received.find("Connection: close\r\n") != std::string::npos);
  CHECK(c.received.find("GET /x ") != std::string::npos);
}

TEST_CASE("HTTP/1.0 without keep-alive is closed after the response",
          "[server]") {
  server_fixture f{echo_handler()};
  raw_client c{f.server->port()};
  c.send("GET /old HTTP/1.0\r\n\r\n");
  REQUIRE(c.read_to_eof());
  CHECK(c.received.find("GET /old ") != std::string::npos);
}

TEST_CASE("HEAD responses carry no body", "[server]") {
  server_fixture f{echo_handler()};
  raw_client c{f.server->port()};
  c.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(c.read_until("\r\n\r\n"));
  c.send(simple_get);
  REQUIRE(c.read_until("GET /x "));
  CHECK(c.received.find("HEAD /h") == std::string::npos);
  CHECK(c.received.find("Content-Length: 8\r\n") != std::string::npos);
}

TEST_CASE("Expect: 100-continue gets an interim answer", "[server]") {
  server_fixture f{echo_handler()};
  raw_client c{f.server->port()};
  c.send("POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
         "Content-Length: 4\r\n\r\n");
  REQUIRE(c.read_until("HTTP/1.1 100 Continue\r\n\r\n"));
  c.send("body");
  REQUIRE(c.read_until("POST /e body"));
}

TEST_CASE("streams are framed as chunks", "[server]") {
  server_fixture f{[](server_request, std::shared_ptr<response_writer> w) {
    w->begin_stream(200, "text/event-stream");
    w->write_chunk("data: 1\n\n");
    w->write_chunk("");
    w->write_chunk("data: [DONE]\n\n");
    w->end_stream();
    w->write_chunk("ignored after the end");
  }};
  raw_client c{f.server->port()};
  c.send(simple_get);
  REQUIRE(c.read_until("0\r\n\r\n"));
  CHECK(c.received.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  auto body = c.received.substr(c.received.find("\r\n\r\n") + 4);
  CHECK(body == "9\r\ndata: 1\n\n\r\ne\r\ndata: [DONE]\n\n\r\n0\r\n\r\n");
  // The connection stays usable and nothing leaked after the final chunk.
  c.received.clear();
  c.send(simple_get);
  REQUIRE(c.read_until("0\r\n\r\n"));
  CHECK(c.received.find("ignored") == std::string::npos);
}

TEST_CASE("calls after the final action are ignored", "[server]") {
  server_fixture f{[](server_request, std::shared_ptr<response_writer> w) {
    w->respond(200, "text/plain", "first");
    w->respond(500, "text/plain", "second");
    w->send_raw("garbage");
    w->reset();
  }};
  raw_client c{f.server->port()};
  c.send(simple_get);
  REQUIRE(c.read_until("first"));
  c.send(simple_get);
  REQUIRE(c.read_until("firstHTTP/1.1 200 OK"));
  REQUIRE(c.read_until("\r\n\r\nfirst"));
  CHECK(c.received.find("second") == std::string::npos);
  CHECK(c.received.find("garbage") == std::string::npos);
}

TEST_CASE("send_raw writes bytes verbatim and closes", "[server]") {
  server_fixture f{[](server_request, std::shared_ptr<response_writer> w) {
    w->send_raw("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort");
  }};
  raw_client c{f.server->port()};
  c.send(simple_get);
  REQUIRE(c.read_to_eof());
  CHECK(c.received == "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort");
}

TEST_CASE("a dropped writer answers 500", "[server]") {
  server_fixture f{[](server_request, std::shared_ptr<response_writer>) {}};
  raw_client c{f.server->port()};
  c.send(simple_get);
  REQUIRE(c.read_until("server_error"));
  CHECK(c.received.rfind("HTTP/1.1 500 ", 0) == 0);
}

TEST_CASE("a throwing handler answers 500", "[server]") {
  server_fixture f{[](server_request, std::shared_ptr<response_writer>) {
    throw std::runtime_error("boom");
  }};
  raw_client c{f.server->port()};
  c.send(simple_get);
  REQUIRE(c.read_until("request handler failed"));
  CHECK(c.received.rfind("HTTP/1.1 500 ", 0) == 0);
}

TEST_CASE("closed() turns true when the client leaves mid-request",
          "[server]") {
  server_fixture* fp = nullptr;
  server_fixture f{[&fp](server_request, std::shared_ptr<response_writer> w) {
    fp->park(std::move(w));
  }};
  fp = &f;
  raw_client c{f.server->port()};
  c.send(simple_get);
  REQUIRE(eventually([&] { return f.parked_at(0) != nullptr; }));
  auto w = f.parked_at(0);
  CHECK_FALSE(w->closed());
  c.close();
  CHECK(eventually([&] { return w->closed(); }));
  CHECK(eventually([&] { return f.server->open_connections() == 0; }));
  // Answering a vanished client is harmless.
  w->respond(200, "text/plain", "late");
}

TEST_CASE("reset() aborts the connection", "[server]") {
  server_fixture f{
    [](server_request, std::shared_ptr<response_writer> w) { w->reset(); }};
  raw_client c{f.server->port()};
  c.send(simple_get);
  // An RST makes recv fail (ECONNRESET) rather than report a clean EOF.
  CHECK_FALSE(c.read_to_eof());
  CHECK(c.last_errno == ECONNRESET);
  CHECK(c.received.empty());
}

TEST_CASE("stop() closes open connections and refuses new ones", "[server]") {
  server_fixture f{echo_handler()};
  auto port = f.server->port();
  raw_client c{port};
  c.send(simple_get);
  REQUIRE(c.read_until("GET /x "));
  REQUIRE(f.server->open_connections() == 1);
  f.server->stop();
  f.server->stop();
  REQUIRE(c.read_to_eof());
  CHECK(eventually([&] { return f.server->open_connections() == 0; }));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(eventually([&] {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    bool refused =
      ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0;
    ::close(fd);
    return refused;
  }));
}

TEST_CASE("binding a busy port throws with the address", "[server]") {
  server_fixture f{echo_handler()};
  auto port = f.server->port();
  try {
    http_server second{f.rt, "127.0.0.1", port, echo_handler()};
    FAIL("bind succeeded");
  } catch (const std::runtime_error& e) {
    CHECK(std::string{e.what()}.find("127.0.0.1:" + std::to_string(port))
          != std::string::npos);
  }
}

TEST_CASE("connections beyond the cap are turned away with 503", "[server]") {
  server_fixture f{echo_handler(), server_limits{4, 0ms}};
  std::vector<std::unique_ptr<raw_client>> idle;
  for (int i = 0; i < 4; ++i)
    idle.push_back(std::make_unique<raw_client>(f.server->port()));
  REQUIRE(eventually([&] { return f.server->open_connections() == 4; }));
  // Many more idle connections hold no descriptor of the server.
  for (int i = 0; i < 50; ++i) {
    raw_client extra{f.server->port()};
    REQUIRE(extra.read_to_eof());
    CHECK_THAT(extra.received, Catch::StartsWith("HTTP/1.1 503"));
  }
  CHECK(f.server->open_connections() == 4);
  // The connections inside the cap are served, and a freed slot is reused.
  idle[0]->send(simple_get);
  CHECK(idle[0]->read_until("GET /x "));
  idle[1]->close();
  REQUIRE(eventually([&] { return f.server->open_connections() == 3; }));
  raw_client late{f.server->port()};
  late.send(simple_get);
  CHECK(late.read_until("GET /x "));
}

TEST_CASE("a request that does not arrive in time closes the connection",
          "[server]") {
  server_fixture f{echo_handler(), server_limits{0, 200ms}};
  SECTION("idle connection") {
    raw_client c{f.server->port()};
    CHECK(c.read_to_eof());
  }
  SECTION("slow headers, one byte at a time") {
    raw_client c{f.server->port()};
    std::string head = "GET /x HTTP/1.1\r\nHost: t\r\nX-Slow: ";
    c.send(head);
    // Trickling bytes does not extend the deadline: the server closes while
    // the header is still incomplete.
    bool closed = false;
    for (int i = 0; i < 100 && !closed; ++i) {
      std::this_thread::sleep_for(50ms);
      closed = ::send(c.fd(), "a", 1, MSG_NOSIGNAL) < 0
               || f.server->open_connections() == 0;
    }
    CHECK(closed);
    CHECK(c.received.empty());
  }
  SECTION("keep-alive connection idle after a response") {
    raw_client c{f.server->port()};
    c.send(simple_get);
    REQUIRE(c.read_until("GET /x "));
    CHECK(c.read_to_eof());
  }
  CHECK(eventually([&] { return f.server->open_connections() == 0; }));
}

TEST_CASE("a handler that takes longer than the read timeout is not cut off",
          "[server]") {
  server_fixture f{[](server_request, std::shared_ptr<response_writer> w) {
                     std::thread{[w] {
                       std::this_thread::sleep_for(600ms);
                       w->respond(200, "text/plain", "late");
                     }}.detach();
                   },
                   server_limits{0, 100ms}};
  raw_client c{f.server->port()};
  c.send(simple_get);
  CHECK(c.read_until("late"));
}
