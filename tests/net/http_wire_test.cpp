#include "net/http_server.hpp"
#include "net/http_wire.hpp"

#include <catch2/catch.hpp>

using namespace kpsynth::net;

namespace {

url parse(const char* text) {
  auto u = url::parse(text);
  REQUIRE(u);
  return *u;
}

} // namespace

TEST_CASE("request head carries the mandatory headers", "[wire]") {
  auto ep = parse("http://10.0.0.7:8000/v1");
  http_request req;
  req.target = "/chat/completions";
  req.body = R"({"a":1})";
  req.headers = {{"Authorization", "Bearer k"}};
  std::string out;
  REQUIRE(wire::append_request_head(out, ep, wire::host_header(ep), req));
  CHECK(out
        == "POST /v1/chat/completions HTTP/1.1\r\n"
           "Host: 10.0.0.7:8000\r\n"
           "User-Agent: kpsynth/0.1\r\n"
           "Content-Type: application/json\r\n"
           "Content-Length: 7\r\n"
           "Authorization: Bearer k\r\n"
           "Accept: */*\r\n"
           "\r\n");
}

TEST_CASE("request head sends Content-Length 0 for empty bodies", "[wire]") {
  auto ep = parse("http://h");
  http_request req;
  req.method = "GET";
  req.target = "models";
  req.content_type.clear();
  req.headers = {{"Accept", "text/event-stream"}};
  std::string out;
  REQUIRE(wire::append_request_head(out, ep, wire::host_header(ep), req));
  CHECK(out.rfind("GET /models HTTP/1.1\r\nHost: h\r\n", 0) == 0);
  CHECK(out.find("Content-Length: 0\r\n") != std::string::npos);
  CHECK(out.find("Content-Type") == std::string::npos);
  // The caller's Accept replaces the default one.
  CHECK(out.find("Accept: text/event-stream\r\n") != std::string::npos);
  CHECK(out.find("*/*") == std::string::npos);
}

TEST_CASE("request head targets the base path itself when empty", "[wire]") {
  http_request req;
  req.target.clear();
  std::string a;
  auto ep = parse("http://h:1/v1");
  REQUIRE(wire::append_request_head(a, ep, "h:1", req));
  CHECK(a.rfind("POST /v1 HTTP/1.1\r\n", 0) == 0);
  std::string b;
  auto root = parse("http://h:1");
  REQUIRE(wire::append_request_head(b, root, "h:1", req));
  CHECK(b.rfind("POST / HTTP/1.1\r\n", 0) == 0);
}

TEST_CASE("request head rejects header injection", "[wire]") {
  auto ep = parse("http://h");
  http_request req;
  std::string out;
  req.headers = {{"X-A", "v\r\nInjected: 1"}};
  CHECK_FALSE(wire::append_request_head(out, ep, "h", req));
  req.headers = {{"Bad Name", "v"}};
  CHECK_FALSE(wire::append_request_head(out, ep, "h", req));
  req.headers.clear();
  req.target = "/a b";
  CHECK_FALSE(wire::append_request_head(out, ep, "h", req));
  req.target = "/ok";
  req.method = "GE T";
  CHECK_FALSE(wire::append_request_head(out, ep, "h", req));
}

TEST_CASE("caller headers cannot override framing headers", "[wire]") {
  auto ep = parse("http://h");
  http_request req;
  req.body = "xy";
  req.headers = {{"content-length", "99"}, {"Transfer-Encoding", "chunked"}};
  std::string out;
  REQUIRE(wire::append_request_head(out, ep, "h", req));
  CHECK(out.find("99") == std::string::npos);
  CHECK(out.find("chunked") == std::string::npos);
  CHECK(out.find("Content-Length: 2\r\n") != std::string::npos);
}

TEST_CASE("host header omits default ports and brackets IPv6", "[wire]") {
  CHECK(wire::host_header(parse("http://a")) == "a");
  CHECK(wire::host_header(parse("https://a")) == "a");
  CHECK(wire::host_header(parse("https://a:80")) == "a:80");
  CHECK(wire::host_header(parse("http://[::1]:8000")) == "[::1]:8000");
}

TEST_CASE("response heads and chunks are framed exactly", "[wire]") {
  std::string out;
  wire::append_response_head(out, 429, "application/json", 12, false, true,
                             {{"Retry-After", "3"}, {"Bad\r\n", "x"}});
  CHECK(out
        == "HTTP/1.1 429 Too Many Requests\r\n"
           "Content-Type: application/json\r\n"
           "Content-Length: 12\r\n"
           "Connection: close\r\n"
           "Retry-After: 3\r\n"
           "\r\n");
  out.clear();
  wire::append_response_head(out, 200, "text/event-stream", 0, true, false, {});
  CHECK(out
        == "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
           "Transfer-Encoding: chunked\r\n\r\n");
  out.clear();
  wire::append_chunk(out, std::string(26, 'x'));
  CHECK(out == "1a\r\n" + std::string(26, 'x') + "\r\n");
  out.clear();
  wire::append_chunk(out, "");
  CHECK(out.empty());
}

TEST_CASE("transport errors have stable names", "[wire]") {
  CHECK(to_string(transport_error::none) == "none");
  CHECK(to_string(transport_error::idle_timeout) == "idle_timeout");
  CHECK(to_string(transport_error::truncated) == "truncated");
  CHECK(to_string(transport_error::cancelled) == "cancelled");
}

TEST_CASE("server_request looks headers up case-insensitively", "[wire]") {
  server_request r;
  r.target = "/v1/models?x=1";
  r.headers = {{"Content-Type", "application/json"}, {"X-Key", "k"}};
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.header("X-KEY") == "k");
  CHECK(r.header("missing").empty());
  CHECK(r.path() == "/v1/models");
  r.target = "/plain";
  CHECK(r.path() == "/plain");
}
