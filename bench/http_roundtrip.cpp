// HTTP client + server round trips over loopback, both in this process, each
// on its own io thread: the CPU cost of the HTTP layer per request when the
// "inference server" answers instantly. Goal: >= 10,000 requests/s with 64 in
// flight on the 2-core build machine.
//
//   kpsynth_bench_http_roundtrip [--inflight N] [--seconds S]

#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/io_runtime.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec)
           + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

/// Drives `inflight` request loops; all state lives on the client io thread.
struct driver {
  kpsynth::net::http_client* client = nullptr;
  clock_type::time_point stop_at;
  std::vector<double> latencies_ms;
  uint64_t errors = 0;
  int active = 0;
  std::promise<void> finished;

  void issue() {
    kpsynth::net::http_request req;
    req.target = "/v1/completions";
    req.body = R"({"model":"m","prompt":"2+2=","max_tokens":1})";
    client->async_request(
      std::move(req),
      [this](kpsynth::net::http_response r) { on_done(std::move(r)); });
  }

  void on_done(kpsynth::net::http_response r) {
    if (r.error != kpsynth::net::transport_error::none || r.status != 200)
      ++errors;
    else
      latencies_ms.push_back(r.elapsed_ms);
    if (clock_type::now() < stop_at) {
      issue();
    } else if (--active == 0) {
      finished.set_value();
    }
  }
};

double percentile(std::vector<double>& v, double q) {
  if (v.empty())
    return 0;
  auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k),
                   v.end());
  return v[k];
}

} // namespace

int main(int argc, char** argv) {
  int inflight = 64;
  double seconds = 3.0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--inflight") == 0 && i + 1 < argc)
      inflight = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
      seconds = std::atof(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--inflight N] [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  if (inflight < 1 || seconds <= 0) {
    std::fprintf(stderr, "--inflight must be >= 1 and --seconds > 0\n");
    return 2;
  }

  kpsynth::net::io_runtime server_rt{1};
  kpsynth::net::io_runtime client_rt{1};
  const std::string answer =
    R"({"id":"cmpl-1","object":"text_completion","choices":[{"index":0,)"
    R"("text":"4","finish_reason":"stop"}],"usage":{"prompt_tokens":4,)"
    R"("completion_tokens":1,"total_tokens":5}})";
  kpsynth::net::http_server server{
    server_rt, "127.0.0.1", 0,
    [&answer](kpsynth::net::server_request,
              std::shared_ptr<kpsynth::net::response_writer> w) {
      w->respond(200, "application/json", answer);
    }};
  auto ep = kpsynth::net::url::parse("http://127.0.0.1:"
                                     + std::to_string(server.port()));
  if (!ep) {
    std::fprintf(stderr, "%s\n", ep.error().to_string().c_str());
    return 1;
  }
  kpsynth::net::http_client client{client_rt, *ep};

  driver d;
  d.client = &client;
  d.latencies_ms.reserve(1 << 20);
  d.active = inflight;
  auto done = d.finished.get_future();
  auto cpu0 = cpu_seconds();
  auto t0 = clock_type::now();
  d.stop_at = t0
              + std::chrono::duration_cast<clock_type::duration>(
                std::chrono::duration<double>(seconds));
  // Start the loops on the client io thread, which owns the driver state.
  client_rt.post([&d, inflight] {
    for (int i = 0; i < inflight; ++i)
      d.issue();
  });
  done.wait();
  auto wall = std::chrono::duration<double>(clock_type::now() - t0).count();
  auto cpu = cpu_seconds() - cpu0;

  auto n = d.latencies_ms.size() + d.errors;
  std::printf("http_roundtrip: inflight=%d seconds=%.1f connections=%zu\n",
              inflight, seconds, client.open_connections());
  std::printf("  completed  %zu requests, %.0f requests/s, errors %llu\n", n,
              static_cast<double>(n) / wall,
              static_cast<unsigned long long>(d.errors));
  double sum = 0;
  for (double x : d.latencies_ms)
    sum += x;
  auto mean = d.latencies_ms.empty()
                ? 0.0
                : sum / static_cast<double>(d.latencies_ms.size());
  std::printf("  latency    p50 %.3f ms, p99 %.3f ms, mean %.3f ms\n",
              percentile(d.latencies_ms, 0.50),
              percentile(d.latencies_ms, 0.99), mean);
  std::printf("  cpu        %.1f us/request (process, client + server)\n",
              n ? cpu * 1e6 / static_cast<double>(n) : 0.0);
  return d.errors == 0 ? 0 : 1;
}
