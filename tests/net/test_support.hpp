#pragma once

// Helpers shared by the net/ test suites: waiting on callbacks without
// hanging the suite, and a blocking POSIX client that speaks raw bytes (the
// server tests need malformed input that no HTTP client would send).

#include "net/http_client.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unistd.h>

namespace kpsynth::net::test {

/// Waits for `f`; a broken implementation fails the test instead of hanging.
template<class T>
T await(std::future<T>& f,
        std::chrono::milliseconds limit = std::chrono::seconds{20}) {
  REQUIRE(f.wait_for(limit) == std::future_status::ready);
  return f.get();
}

/// One request, waited for.
inline http_response fetch(http_client& c, http_request req,
                           chunk_handler on_chunk = {}) {
  auto p = std::make_shared<std::promise<http_response>>();
  auto f = p->get_future();
  c.async_request(
    std::move(req), [p](http_response r) { p->set_value(std::move(r)); },
    std::move(on_chunk));
  return await(f);
}

inline http_request get(std::string target) {
  http_request r;
  r.method = "GET";
  r.target = std::move(target);
  r.content_type.clear();
  return r;
}

inline url local_url(uint16_t port, std::string_view base = {}) {
  auto u =
    url::parse("http://127.0.0.1:" + std::to_string(port) + std::string{base});
  REQUIRE(u);
  return *u;
}

/// Polls `pred` (for states only observable by polling, such as
/// `response_writer::closed`); false if it never became true.
template<class F>
bool eventually(F pred,
                std::chrono::milliseconds limit = std::chrono::seconds{10}) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  return true;
}

/// A port on 127.0.0.1 that nothing listens on (bound, then closed).
inline uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  socklen_t len = sizeof(a);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// Blocking loopback client with a receive timeout, for raw-byte tests.
class raw_client {
 public:
  explicit raw_client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  }

  ~raw_client() { close(); }

  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      REQUIRE(n > 0);
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  /// Reads until `marker` occurs in everything read so far (kept in
  /// `received`), EOF or the 5 s timeout; true if the marker was seen.
  bool read_until(std::string_view marker) {
    while (received.find(marker) == std::string::npos)
      if (!read_some())
        return false;
    return true;
  }

  /// Reads until the peer closes; false on timeout.
  bool read_to_eof() {
    for (;;) {
      char buf[4096];
      auto n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n == 0)
        return true;
      if (n < 0) {
        last_errno = errno;
        return false;
      }
      received.append(buf, static_cast<std::size_t>(n));
    }
  }

  int fd() const { return fd_; }

  void close() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

  std::string received;
  /// errno of the last failed read (ECONNRESET after an RST).
  int last_errno = 0;

 private:
  bool read_some() {
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0)
      return false;
    received.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
};

} // namespace kpsynth::net::test
