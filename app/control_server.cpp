#include "app/control_server.hpp"

#include "core/json.hpp"
#include "net/http_server.hpp"
#include "net/io_runtime.hpp"

#include <caf/send.hpp>

#include <fmt/format.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace kpsynth::app {

namespace {

/// 32 bytes from the kernel's CSPRNG, hex-encoded.
result<std::string> random_token() {
  unsigned char bytes[32];
  auto fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_problem("io_error", "cannot open /dev/urandom");
  auto n = ::read(fd, bytes, sizeof(bytes));
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof(bytes)))
    return make_problem("io_error", "short read from /dev/urandom");
  std::string result;
  for (auto b : bytes)
    result += fmt::format("{:02x}", b);
  return result;
}

/// The actor that answers; set once the pipeline exists. Until then (and
/// after shutdown) requests get 503.
struct router {
  std::atomic<bool> ready{false};
  control_actor actor;
};

} // namespace

result<control_endpoint>
start_control(net::io_runtime& io, const config::control_config& cfg,
              const std::filesystem::path& output_dir) {
  control_endpoint ep;
  if (auto* env = std::getenv(cfg.token_env.c_str()); env && *env) {
    ep.token = env;
  } else {
    auto t = random_token();
    if (!t)
      return t.error();
    ep.token = std::move(*t);
  }
  auto r = std::make_shared<router>();
  try {
    ep.server = std::make_unique<net::http_server>(
      io, cfg.address, cfg.port,
      [r](net::server_request req, std::shared_ptr<net::response_writer> w) {
        if (!r->ready) {
          w->respond(503, "application/json",
                     R"({"error":"the job is starting or stopping"})");
          return;
        }
        control_request x;
        x.method = std::move(req.method);
        x.path = std::string{req.path()};
        x.authorization = std::string{req.header("Authorization")};
        x.body = std::move(req.body);
        x.writer = std::move(w);
        caf::anon_send(r->actor, atom::status_v, std::move(x));
      },
      net::server_limits{cfg.max_connections,
                         std::chrono::milliseconds{cfg.read_timeout_ms}});
  } catch (const std::exception& e) {
    return make_problem("listen_failed", e.what(),
                        fmt::format("control: {}:{}", cfg.address, cfg.port));
  }
  auto host = cfg.address.find(':') != std::string::npos
                ? "[" + cfg.address + "]"
                : cfg.address;
  ep.url = fmt::format("http://{}:{}/v1", host, ep.server->port());
  // Written with 0600 from the start: the token is a credential.
  auto file = output_dir / "control.json";
  auto fd =
    ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_problem("io_error", "cannot write", file.string());
  ::fchmod(fd, 0600);
  core::json_writer w;
  w.begin_object().key("url").string(ep.url).key("token").string(ep.token);
  w.end_object();
  auto text = w.take() + "\n";
  auto written = ::write(fd, text.data(), text.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size()))
    return make_problem("io_error", "short write", file.string());
  // The router travels inside the handler; keep a handle to flip it.
  ep.server_router = r;
  return ep;
}

void attach_control(control_endpoint& ep, control_actor actor) {
  auto r = std::static_pointer_cast<router>(ep.server_router);
  r->actor = std::move(actor);
  r->ready = true;
}

} // namespace kpsynth::app
