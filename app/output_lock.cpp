#include "app/output_lock.hpp"

#include <fmt/format.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <utility>

namespace kpsynth::app {

namespace {

/// The PID the holder wrote into the lock file, or "unknown".
std::string holder_pid(int fd) {
  char buf[32] = {};
  auto n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  std::string text = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text.empty() ? "unknown" : text;
}

} // namespace

result<output_lock> output_lock::acquire(const std::filesystem::path& dir) {
  std::error_code err;
  std::filesystem::create_directories(dir, err);
  if (err)
    return make_problem("io_error", "cannot create: " + err.message(),
                        dir.string());
  auto file = dir / "kpsynth.lock";
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_problem("io_error",
                        fmt::format("cannot open: {}", std::strerror(errno)),
                        file.string());
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    auto why = errno;
    auto pid = holder_pid(fd);
    ::close(fd);
    if (why == EWOULDBLOCK)
      return make_problem(
        "locked",
        fmt::format("the output directory is in use by another kpsynth "
                    "process (pid {}); stop it or choose another "
                    "run.output_dir",
                    pid),
        dir.string());
    return make_problem("io_error",
                        fmt::format("cannot lock: {}", std::strerror(why)),
                        file.string());
  }
  // Ours now: record who holds it, for the error of the next one.
  auto pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd, 0) != 0
      || ::pwrite(fd, pid.data(), pid.size(), 0)
           != static_cast<ssize_t>(pid.size())) {
    auto why = errno;
    ::close(fd);
    return make_problem("io_error",
                        fmt::format("cannot write: {}", std::strerror(why)),
                        file.string());
  }
  return output_lock{fd};
}

output_lock::output_lock(output_lock&& other) noexcept
  : fd_(std::exchange(other.fd_, -1)) {}

output_lock& output_lock::operator=(output_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

output_lock::~output_lock() {
  // Closing the descriptor releases the lock; the file stays, harmless.
  if (fd_ >= 0)
    ::close(fd_);
}

} // namespace kpsynth::app
