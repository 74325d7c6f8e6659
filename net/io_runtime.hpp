#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace kpsynth::net {

/// Owns one Asio io_context and the thread(s) that run it. All socket work of
/// the client and the server happens on these threads; actors hand work over
/// with `post` and receive results as messages (CAF note, section 1.8).
class io_runtime {
 public:
  /// Starts `threads` threads running the context.
  explicit io_runtime(std::size_t threads = 1);

  /// Stops the context and joins its threads.
  ~io_runtime();

  io_runtime(const io_runtime&) = delete;
  io_runtime& operator=(const io_runtime&) = delete;

  /// Runs `fn` on an io thread. Thread-safe.
  void post(std::function<void()> fn);

  /// Runs `fn` on an io thread after `delay`. Thread-safe.
  void post_after(std::chrono::nanoseconds delay, std::function<void()> fn);

  /// Stops the context and joins the threads; idempotent. Called from an io
  /// thread it stops the context but joins nothing (a thread cannot join
  /// itself); the destructor, run elsewhere, joins.
  void stop();

  /// True when the calling thread is one of this runtime's threads, so that
  /// code which would otherwise wait for the io threads can avoid deadlock.
  bool running_in_this_thread() const;

  /// The underlying context, for code inside net/ and sim/ that owns sockets.
  boost::asio::io_context& context();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace kpsynth::net
