#pragma once

// Internal to the simulator's HTTP server: the state shared by request
// handling (sim/server.cpp) and the engine-driven delivery of answers, plain
// or streamed (sim/server_stream.cpp). Not part of the public API: include
// "sim/server.hpp" instead.

#include "net/http_server.hpp"
#include "net/io_runtime.hpp"
#include "protocols/openai/wire.hpp"
#include "sim/server.hpp"

#include <chrono>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kpsynth::sim {

namespace detail {

using writer_ptr = std::shared_ptr<net::response_writer>;
using clock_type = std::chrono::steady_clock;
inline constexpr double infinity = std::numeric_limits<double>::infinity();

/// One completion request in the engine, with its pre-computed answers.
struct request_state {
  writer_ptr writer;
  bool chat = true;
  bool stream = false;
  std::string id;
  std::string model;
  fault injected = fault::none;
  std::vector<answer> answers;   ///< One per choice, already cut to max_tokens.
  std::vector<std::size_t> sent; ///< Characters streamed per choice.
  uint32_t unfinished = 0;
  bool started_stream = false;
  openai::usage tokens;
};

} // namespace detail

struct server::impl : std::enable_shared_from_this<impl> {
  impl(net::io_runtime& r, server_options o)
    : rt(r), opts(std::move(o)), answers(opts.answers),
      faults(opts.faults, opts.fault_seed), eng(opts.prof, engine_options{16}) {
  }

  net::io_runtime& rt;
  server_options opts;
  responder answers;
  fault_injector faults;
  std::unique_ptr<net::http_server> http;
  mutable std::mutex mtx;
  engine eng;
  detail::clock_type::time_point epoch = detail::clock_type::now();
  std::unordered_map<uint64_t, detail::request_state> requests;
  /// Engine sequence -> (request, choice).
  std::unordered_map<uint64_t, std::pair<uint64_t, uint32_t>> seqs;
  std::deque<detail::writer_ptr> stalled;
  uint64_t next_request = 1;
  uint64_t next_seq = 1;
  double armed_at = detail::infinity;
  server_stats counters;
  std::vector<event> events;

  double now() const {
    return std::chrono::duration<double>(detail::clock_type::now() - epoch)
      .count();
  }

  bool loading() const { return now() < opts.loading_seconds; }

  // -- engine driving and answer delivery (mtx held; server_stream.cpp) ------

  /// Schedules a timer for the engine's next event unless one is due sooner.
  void arm();
  void on_timer();
  /// Advances the engine to now and delivers what happened.
  void drive();
  void handle(const event& ev);
  void stream_progress(detail::request_state& rs, uint32_t choice,
                       const event& ev);
  /// Sends the whole answer (or the end of the stream), or the injected fault.
  void finish(detail::request_state& rs);
  std::string full_body(const detail::request_state& rs) const;

  // -- request handling (io thread; server.cpp) -------------------------------

  void on_request(net::server_request req, detail::writer_ptr w);
  void embeddings(const net::server_request& req, const detail::writer_ptr& w);
  void completion(const net::server_request& req, const detail::writer_ptr& w,
                  bool chat);
};

} // namespace kpsynth::sim
