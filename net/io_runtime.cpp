#include "net/io_runtime.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace kpsynth::net {

namespace asio = boost::asio;

namespace {

/// The runtime whose thread is running here, so that `stop` and the
/// destructor can tell an io thread from a foreign one without a lock.
thread_local const io_runtime* current_runtime = nullptr;

} // namespace

struct io_runtime::impl {
  asio::io_context ctx;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>>
    guard;
  std::vector<std::thread> threads;
  std::mutex stop_mu;
  /// Separate from stop_mu so that an io thread calling stop() while a
  /// foreign thread joins never waits for that join.
  std::mutex join_mu;
  bool stopped = false;

  explicit impl(std::size_t n)
    : ctx(static_cast<int>(n == 0 ? 1 : n)), guard(ctx.get_executor()) {}
};

io_runtime::io_runtime(std::size_t threads)
  : impl_(std::make_unique<impl>(threads)) {
  if (threads == 0)
    threads = 1;
  impl_->threads.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([this] {
      current_runtime = this;
      // A handler that throws would otherwise end the thread and, with it,
      // every connection served here; report it and keep the loop running.
      for (;;) {
        try {
          impl_->ctx.run();
          break;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "kpsynth io thread: handler threw: %s\n",
                       e.what());
        } catch (...) {
          std::fprintf(stderr, "kpsynth io thread: handler threw\n");
        }
      }
      current_runtime = nullptr;
    });
  }
}

io_runtime::~io_runtime() {
  if (running_in_this_thread()) {
    // Destroying the context under a running handler cannot be made safe.
    std::fprintf(stderr, "kpsynth: io_runtime destroyed from its own thread\n");
    std::abort();
  }
  // Joins even when an earlier stop() ran on an io thread and joined nothing.
  stop();
}

void io_runtime::post(std::function<void()> fn) {
  asio::post(impl_->ctx, std::move(fn));
}

void io_runtime::post_after(std::chrono::nanoseconds delay,
                            std::function<void()> fn) {
  // The timer is created on the io thread: arming it from a foreign thread
  // would initiate I/O there (notes 1.8).
  asio::post(impl_->ctx, [this, delay, fn = std::move(fn)]() mutable {
    auto timer = std::make_shared<asio::steady_timer>(impl_->ctx, delay);
    timer->async_wait(
      [timer, fn = std::move(fn)](boost::system::error_code ec) {
        if (!ec)
          fn();
      });
  });
}

void io_runtime::stop() {
  {
    std::lock_guard<std::mutex> lock{impl_->stop_mu};
    if (!impl_->stopped) {
      impl_->stopped = true;
      impl_->guard.reset();
      impl_->ctx.stop();
    }
  }
  if (running_in_this_thread())
    return;
  std::lock_guard<std::mutex> lock{impl_->join_mu};
  for (auto& t : impl_->threads)
    if (t.joinable())
      t.join();
}

bool io_runtime::running_in_this_thread() const {
  return current_runtime == this;
}

boost::asio::io_context& io_runtime::context() {
  return impl_->ctx;
}

} // namespace kpsynth::net
