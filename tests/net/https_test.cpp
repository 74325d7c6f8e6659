// https against a throwaway TLS server with a self-signed certificate made at
// test time: the client must send SNI, reuse the TLS connection, and refuse
// the certificate when verification is on (it is in no system store).

#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "test_support.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <mutex>
#include <thread>

using namespace kpsynth::net;
using namespace kpsynth::net::test;

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  auto n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

/// A P-256 key and a one-hour self-signed certificate for localhost.
std::pair<std::string, std::string> make_certificate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  REQUIRE(key != nullptr);
  X509* x = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(
    name, "CN", MBSTRING_ASC,
    reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name,
                                            "DNS:localhost,IP:127.0.0.1");
  REQUIRE(ext != nullptr);
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  REQUIRE(X509_sign(x, key, EVP_sha256()) > 0);
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, x);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  X509_free(x);
  EVP_PKEY_free(key);
  return {bio_text(cert_bio), bio_text(key_bio)};
}

/// Serves `connections` TLS connections one after the other on a thread,
/// answering every request with "hello" until the client closes.
class tls_server {
 public:
  explicit tls_server(int connections)
    : ctx_(asio::ssl::context::tls_server), acceptor_(io_) {
    auto [cert, key] = make_certificate();
    ctx_.use_certificate(asio::buffer(cert), asio::ssl::context::pem);
    ctx_.use_private_key(asio::buffer(key), asio::ssl::context::pem);
    tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), 0};
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port = acceptor_.local_endpoint().port();
    thread_ = std::thread{[this, connections] {
      for (int i = 0; i < connections; ++i)
        serve_one();
    }};
  }

  ~tls_server() { thread_.join(); }

  uint16_t port = 0;
  std::mutex mu;
  std::vector<std::string> server_names;
  int requests = 0;
  int handshake_failures = 0;

 private:
  void serve_one() {
    asio::ssl::stream<tcp::socket> s{io_, ctx_};
    boost::system::error_code ec;
    acceptor_.accept(s.next_layer(), ec);
    if (ec)
      return;
    s.handshake(asio::ssl::stream_base::server, ec);
    if (ec) {
      std::lock_guard<std::mutex> lock{mu};
      ++handshake_failures;
      return;
    }
    {
      const char* sni =
        SSL_get_servername(s.native_handle(), TLSEXT_NAMETYPE_host_name);
      std::lock_guard<std::mutex> lock{mu};
      server_names.emplace_back(sni ? sni : "");
    }
    std::string in;
    for (;;) {
      auto n = asio::read_until(s, asio::dynamic_buffer(in), "\r\n\r\n", ec);
      if (ec)
        return;
      in.erase(0, n);
      {
        std::lock_guard<std::mutex> lock{mu};
        ++requests;
      }
      std::string out = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                        "Content-Length: 5\r\n\r\nhello";
      asio::write(s, asio::buffer(out), ec);
      if (ec)
        return;
    }
  }

  asio::io_context io_;
  asio::ssl::context ctx_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

} // namespace

TEST_CASE("https sends SNI and reuses the TLS connection", "[https]") {
  tls_server srv{1};
  auto u = url::parse("https://localhost:" + std::to_string(srv.port));
  REQUIRE(u);
  {
    io_runtime rt{1};
    http_client_options o;
    o.verify_tls = false;
    http_client c{rt, *u, o};
    auto a = fetch(c, get("/one"));
    REQUIRE(a.error == transport_error::none);
    CHECK(a.status == 200);
    CHECK(a.body == "hello");
    auto b = fetch(c, get("/two"));
    REQUIRE(b.error == transport_error::none);
    CHECK(b.reused_connection);
  }
  std::lock_guard<std::mutex> lock{srv.mu};
  CHECK(srv.requests == 2);
  REQUIRE(srv.server_names.size() == 1);
  CHECK(srv.server_names[0] == "localhost");
}

TEST_CASE("https refuses an untrusted certificate when verifying", "[https]") {
  tls_server srv{1};
  auto u = url::parse("https://127.0.0.1:" + std::to_string(srv.port));
  REQUIRE(u);
  {
    io_runtime rt{1};
    http_client c{rt, *u};
    auto r = fetch(c, get("/x"));
    CHECK(r.error == transport_error::tls_failed);
    CHECK(r.error_detail.find("TLS handshake failed") != std::string::npos);
  }
  std::lock_guard<std::mutex> lock{srv.mu};
  CHECK(srv.requests == 0);
  CHECK(srv.handshake_failures == 1);
}
