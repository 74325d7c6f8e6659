#include "net/url.hpp"

#include <catch2/catch.hpp>

using kpsynth::net::url;

TEST_CASE("url parses plain http with an explicit port", "[url]") {
  auto u = url::parse("http://127.0.0.1:8000");
  REQUIRE(u);
  CHECK(u->scheme == "http");
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 8000);
  CHECK(u->base_path.empty());
  CHECK(u->to_string() == "http://127.0.0.1:8000");
}

TEST_CASE("url applies default ports and strips trailing slashes", "[url]") {
  auto a = url::parse("https://gpu7/v1/");
  REQUIRE(a);
  CHECK(a->scheme == "https");
  CHECK(a->port == 443);
  CHECK(a->base_path == "/v1");
  CHECK(a->to_string() == "https://gpu7:443/v1");
  auto b = url::parse("http://gpu7/");
  REQUIRE(b);
  CHECK(b->port == 80);
  CHECK(b->base_path.empty());
  auto c = url::parse("http://gpu7:8080/a/b//");
  REQUIRE(c);
  CHECK(c->base_path == "/a/b");
}

TEST_CASE("url lower-cases scheme and host", "[url]") {
  auto u = url::parse("HTTPS://Inference.Example.COM:8443/V1");
  REQUIRE(u);
  CHECK(u->scheme == "https");
  CHECK(u->host == "inference.example.com");
  CHECK(u->port == 8443);
  CHECK(u->base_path == "/V1");
}

TEST_CASE("url accepts IPv6 literals", "[url]") {
  auto u = url::parse("http://[::1]:8000/v1");
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->port == 8000);
  CHECK(u->base_path == "/v1");
  CHECK(u->to_string() == "http://[::1]:8000/v1");
  auto d = url::parse("https://[fe80::1:2]");
  REQUIRE(d);
  CHECK(d->host == "fe80::1:2");
  CHECK(d->port == 443);
}

TEST_CASE("url round-trips through to_string", "[url]") {
  for (const char* text :
       {"http://a:1", "https://b.c:65535/x/y", "http://[2001:db8::7]:9/p"}) {
    auto u = url::parse(text);
    REQUIRE(u);
    auto again = url::parse(u->to_string());
    REQUIRE(again);
    CHECK(again->to_string() == u->to_string());
    CHECK(again->host == u->host);
    CHECK(again->port == u->port);
    CHECK(again->base_path == u->base_path);
  }
}

TEST_CASE("url errors name the config field and the text", "[url]") {
  const std::string where = "config.toml: models.solver.endpoints[0]";
  struct bad_case {
    const char* text;
    const char* why;
  };
  const bad_case cases[] = {
    {"127.0.0.1:8000", "scheme"},
    {"ftp://host", "http or https"},
    {"http://", "missing host"},
    {"http:///v1", "missing host"},
    {"http://h:0", "port"},
    {"http://h:65536", "port"},
    {"http://h:80x", "port"},
    {"http://h:", "empty port"},
    {"http://[::1", "closing"},
    {"http://[]:80", "empty IPv6"},
    {"http://[zz::1]:80", "IPv6"},
    {"http://[::1]x", "after IPv6"},
    {"http://user:pw@h", "credentials"},
    {"http://h/v1?x=1", "query"},
    {"http://h?x", "query"},
    {"http://h/a b", "invalid character in path"},
    {"http://h st", "invalid character in host"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto u = url::parse(c.text, where);
    REQUIRE_FALSE(u);
    CHECK(u.error().code == "bad_url");
    CHECK(u.error().where == where);
    CHECK(u.error().message.find(c.text) != std::string::npos);
    CHECK(u.error().message.find(c.why) != std::string::npos);
    CHECK(u.error().to_string().rfind(where, 0) == 0);
  }
}
