#include "app/run_safety.hpp"

#include "net/url.hpp"
#include "protocols/errors.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <unistd.h>

namespace kpsynth::app {

std::optional<problem> check_endpoints(const config::kpsynth_config& cfg) {
  for (auto& [name, m] : cfg.models)
    for (std::size_t i = 0; i < m.endpoints.size(); ++i) {
      auto& ep = m.endpoints[i];
      if (ep.url == "sim")
        continue;
      auto key = fmt::format("models.{}.endpoints[{}]", name, i);
      auto where = ep.origin.empty() ? key : ep.origin + ": " + key;
      if (auto u = net::url::parse(ep.url, where); !u)
        return u.error();
    }
  return std::nullopt;
}

void handle_stop_signals(std::atomic<bool>& interrupted, int grace_s) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  // Blocked before any other thread starts, so CAF and Asio threads inherit
  // the mask and never see the signals.
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  std::thread{[stop, &interrupted, grace_s] {
    int sig = 0;
    sigwait(&stop, &sig);
    interrupted = true;
    timespec grace{grace_s, 0};
    siginfo_t info;
    auto again = sigtimedwait(&stop, &info, &grace);
    // Only async-safe output from here: the other threads may be stuck.
    const char* msg = again > 0
                        ? "kpsynth: second stop signal, exiting at once\n"
                        : "kpsynth: shutdown is taking too long, exiting\n";
    auto written = ::write(2, msg, std::char_traits<char>::length(msg));
    static_cast<void>(written);
    std::_Exit(130);
  }}.detach();
}

std::optional<std::string>
model_down_watch::update(const std::vector<endpoint_status>& eps,
                         clock::time_point now) {
  if (timeout_s_ <= 0)
    return std::nullopt;
  std::map<std::string, std::pair<bool, std::string>> models;
  for (auto& e : eps) {
    auto& [any_up, urls] = models[e.model];
    any_up |= e.healthy;
    urls += (urls.empty() ? "" : ", ") + e.url;
  }
  for (auto& [model, state] : models) {
    if (state.first) {
      down_since_.erase(model);
      continue;
    }
    auto since = down_since_.try_emplace(model, now).first->second;
    auto down = std::chrono::duration<double>(now - since).count();
    if (down >= timeout_s_)
      return fmt::format("every endpoint of model '{}' has been down for "
                         "{:.0f} s (run.model_down_timeout_s): {}",
                         model, down, state.second);
  }
  return std::nullopt;
}

void raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max)
    return;
  auto before = lim.rlim_cur;
  lim.rlim_cur = lim.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &lim) == 0)
    spdlog::debug("open file limit raised from {} to {}", before, lim.rlim_cur);
}

} // namespace kpsynth::app
