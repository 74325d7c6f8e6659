#pragma once

// Serves the control API of a running job over HTTP (net::http_server) and
// hands each request to the CONTROL actor.

#include "core/config.hpp"
#include "core/result.hpp"
#include "protocols/actors.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace kpsynth::net {
class http_server;
class io_runtime;
} // namespace kpsynth::net

namespace kpsynth::app {

/// The control API's listener and its token.
struct control_endpoint {
  std::unique_ptr<net::http_server> server;
  std::string token;
  std::string url;
  /// Internal: where requests are routed (set by attach_control).
  std::shared_ptr<void> server_router;
};

/// Picks the token (from `cfg.token_env` or 32 random bytes), starts the
/// listener and writes {url, token} to `<output_dir>/control.json`, mode
/// 0600, so that local tools can find it.
result<control_endpoint> start_control(net::io_runtime& io,
                                       const config::control_config& cfg,
                                       const std::filesystem::path& output_dir);

/// Routes every request of `ep` to `actor`.
void attach_control(control_endpoint& ep, control_actor actor);

} // namespace kpsynth::app
