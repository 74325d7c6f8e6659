// The parent side of a sandbox run: feed stdin, read capped output, enforce
// the wall-clock deadline with poll timeouts, kill the process tree, reap,
// and classify how the run ended.

#include "sandbox/sandbox_internal.hpp"

#include <fmt/format.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

namespace kpsynth::quality::detail {
namespace {

using clock = std::chrono::steady_clock;

int millis_until(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - clock::now())
                .count()
              + 1;
  return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

void close_fd(int& fd) {
  if (fd >= 0)
    close(fd);
  fd = -1;
}

void set_nonblocking(int fd) {
  if (fd >= 0)
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/// Keeps SIGPIPE from the stdin pipe away from the daemon: blocked in this
/// thread while collecting, and a pending one is consumed before unblocking.
class sigpipe_guard {
 public:
  sigpipe_guard() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_);
  }
  ~sigpipe_guard() {
    if (sigismember(&old_, SIGPIPE) == 0) {
      sigset_t pipe_only;
      sigemptyset(&pipe_only);
      sigaddset(&pipe_only, SIGPIPE);
      timespec zero{0, 0};
      while (sigtimedwait(&pipe_only, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

 private:
  sigset_t old_;
};

struct stream {
  int fd = -1;
  std::string* into = nullptr;
  const char* name = "";
};

/// Reads what is available. Returns false when the cap was exceeded.
bool read_available(stream& s, std::size_t cap) {
  char buf[16384];
  while (s.fd >= 0) {
    ssize_t n = read(s.fd, buf, sizeof buf);
    if (n > 0) {
      auto room = cap - std::min(cap, s.into->size());
      s.into->append(buf, std::min(room, static_cast<std::size_t>(n)));
      if (static_cast<std::size_t>(n) > room)
        return false;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return true;
    close_fd(s.fd); // EOF or error
  }
  return true;
}

bool mentions_memory(const std::string& text) {
  for (const char* marker : {"MemoryError", "Cannot allocate memory",
                             "out of memory", "std::bad_alloc"})
    if (text.find(marker) != std::string::npos)
      return true;
  return false;
}

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

} // namespace

collected collect(pid_t pid, child_streams streams, std::string_view stdin_data,
                  clock::time_point start, clock::time_point deadline,
                  std::size_t max_output,
                  const std::function<bool(pid_t leader)>& kill_inner) {
  sigpipe_guard guard;
  collected c;
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0)
    fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  int in = streams.stdin_fd;
  stream out{streams.stdout_fd, &c.out, "stdout"};
  stream err{streams.stderr_fd, &c.err, "stderr"};
  set_nonblocking(in);
  set_nonblocking(out.fd);
  set_nonblocking(err.fd);
  std::size_t written = 0;
  if (written == stdin_data.size())
    close_fd(in);
  bool killed_inner = false;
  auto kill_tree = [&] {
    killed_inner = kill_inner && kill_inner(pid);
    if (!killed_inner) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
    }
  };
  auto exceeded = [&](stream& s) {
    c.output_exceeded = true;
    c.exceeded_stream = s.name;
    kill_tree();
  };
  bool exited = false;
  while (!exited && !c.output_exceeded) {
    if (clock::now() >= deadline) {
      c.timed_out = true;
      kill_tree();
      break;
    }
    pollfd fds[4];
    int n = 0;
    int in_at = -1;
    int out_at = -1;
    int err_at = -1;
    int pid_at = -1;
    if (in >= 0)
      fds[in_at = n++] = pollfd{in, POLLOUT, 0};
    if (out.fd >= 0)
      fds[out_at = n++] = pollfd{out.fd, POLLIN, 0};
    if (err.fd >= 0)
      fds[err_at = n++] = pollfd{err.fd, POLLIN, 0};
    if (pidfd >= 0)
      fds[pid_at = n++] = pollfd{pidfd, POLLIN, 0};
    int timeout = millis_until(deadline);
    if (pidfd < 0)
      timeout = std::min(timeout, 10); // no pidfd: poll waitid below
    int rc = poll(fds, static_cast<nfds_t>(n), timeout);
    if (rc < 0 && errno != EINTR)
      break;
    if (rc > 0 && in_at >= 0 && fds[in_at].revents != 0) {
      ssize_t w =
        write(in, stdin_data.data() + written,
              std::min<std::size_t>(stdin_data.size() - written, 1 << 16));
      if (w > 0)
        written += static_cast<std::size_t>(w);
      if ((w < 0 && errno != EAGAIN && errno != EINTR)
          || written == stdin_data.size())
        close_fd(in); // done, or the program closed its stdin
    }
    if (rc > 0 && out_at >= 0 && fds[out_at].revents != 0
        && !read_available(out, max_output))
      exceeded(out);
    if (rc > 0 && err_at >= 0 && fds[err_at].revents != 0
        && !read_available(err, max_output) && !c.output_exceeded)
      exceeded(err);
    if (pid_at >= 0 && rc > 0 && fds[pid_at].revents != 0)
      exited = true;
    if (pidfd < 0) {
      siginfo_t info{};
      if (waitid(P_PID, static_cast<id_t>(pid), &info,
                 WEXITED | WNOHANG | WNOWAIT)
            == 0
          && info.si_pid == pid)
        exited = true;
    }
  }
  close_fd(in);
  if (killed_inner && !exited) {
    // Give the leader (bwrap) a moment to reap the killed program itself;
    // killing bwrap first would orphan the program's zombie to init.
    auto grace = clock::now() + std::chrono::seconds(1);
    while (!exited && clock::now() < grace) {
      if (pidfd >= 0) {
        pollfd p{pidfd, POLLIN, 0};
        exited = poll(&p, 1, millis_until(grace)) > 0;
      } else {
        siginfo_t info{};
        exited = waitid(P_PID, static_cast<id_t>(pid), &info,
                        WEXITED | WNOHANG | WNOWAIT)
                   == 0
                 && info.si_pid == pid;
        if (!exited)
          poll(nullptr, 0, 5);
      }
    }
  }
  // The leader is a zombie or dying, so its pid still names the process
  // group: kill whatever it left behind before reaping it.
  kill(-pid, SIGKILL);
  int status = 0;
  pid_t got;
  while ((got = wait4(pid, &status, 0, &c.usage)) < 0 && errno == EINTR) {
  }
  c.reaped = got == pid;
  c.status = status;
  c.wall_seconds = std::chrono::duration<double>(clock::now() - start).count();
  // Every writer is dead or dying now; take what is still in the pipes, but
  // do not wait long for writers in another session (bwrap's pid namespace
  // is torn down asynchronously).
  auto drain_until = clock::now() + std::chrono::milliseconds(500);
  while (!c.output_exceeded && (out.fd >= 0 || err.fd >= 0)) {
    pollfd fds[2];
    int n = 0;
    if (out.fd >= 0)
      fds[n++] = pollfd{out.fd, POLLIN, 0};
    if (err.fd >= 0)
      fds[n++] = pollfd{err.fd, POLLIN, 0};
    int rc = poll(fds, static_cast<nfds_t>(n), millis_until(drain_until));
    if (rc == 0 || (rc < 0 && errno != EINTR))
      break;
    if (!read_available(out, max_output)) {
      c.output_exceeded = true;
      c.exceeded_stream = out.name;
    }
    if (!read_available(err, max_output) && !c.output_exceeded) {
      c.output_exceeded = true;
      c.exceeded_stream = err.name;
    }
  }
  close_fd(out.fd);
  close_fd(err.fd);
  close_fd(pidfd);
  return c;
}

run_result classify(const sandbox::state& s, collected c, bool bwrap_status) {
  const auto& o = s.options;
  run_result r;
  r.stdout_text = std::move(c.out);
  r.stderr_text = std::move(c.err);
  r.wall_seconds = c.wall_seconds;
  if (c.reaped && WIFSIGNALED(c.status)) {
    r.signal = WTERMSIG(c.status);
  } else if (c.reaped && WIFEXITED(c.status)) {
    r.exit_code = WEXITSTATUS(c.status);
    // bwrap exits with 128 + signal when the program was killed.
    if (bwrap_status && r.exit_code > 128 && r.exit_code < 128 + NSIG) {
      r.signal = r.exit_code - 128;
      r.exit_code = -1;
    }
  }
  double cpu = seconds(c.usage.ru_utime) + seconds(c.usage.ru_stime);
  double cpu_limit = std::ceil(o.cpu_seconds);
  auto peak_bytes = static_cast<double>(c.usage.ru_maxrss) * 1024.0;
  if (c.output_exceeded) {
    r.outcome = run_outcome::output_limit;
    r.detail = fmt::format("{} exceeded {} bytes; the program was killed",
                           c.exceeded_stream, o.max_output_bytes);
  } else if (c.timed_out) {
    r.outcome = run_outcome::timeout;
    r.detail = fmt::format("wall-clock limit of {} s exceeded; the process "
                           "tree was killed",
                           o.wall_seconds);
  } else if (!c.reaped) {
    r.outcome = run_outcome::spawn_failed;
    r.detail = "could not wait for the sandboxed process";
  } else if (r.signal == SIGXCPU
             || (r.signal == SIGKILL && cpu >= cpu_limit - 0.05)) {
    // SIGKILL: the hard limit, one second after the soft one (a namespace
    // init ignores SIGXCPU); nothing inside the namespace can SIGKILL it.
    r.outcome = run_outcome::cpu_limit;
    // bwrap does not pass its children's rusage on, so cpu may read 0.
    r.detail = fmt::format("CPU time limit of {} s reached", cpu_limit);
    if (cpu > 0)
      r.detail += fmt::format(" ({:.2f} s used)", cpu);
  } else if (r.signal == SIGSYS) {
    r.outcome = run_outcome::blocked_syscall;
    r.detail = "killed by the seccomp filter for a forbidden system call";
  } else if (r.signal != 0) {
    bool memory =
      mentions_memory(r.stderr_text)
      || (r.signal == SIGKILL
          && peak_bytes >= 0.9 * static_cast<double>(o.memory_bytes));
    r.outcome =
      memory ? run_outcome::memory_limit : run_outcome::killed_by_signal;
    const char* abbrev = sigabbrev_np(r.signal);
    r.detail = fmt::format("killed by signal {} (SIG{}){}", r.signal,
                           abbrev != nullptr ? abbrev : "?",
                           memory ? " after running out of memory" : "");
  } else if (r.exit_code == 0) {
    r.outcome = run_outcome::ok;
  } else if (mentions_memory(r.stderr_text)) {
    r.outcome = run_outcome::memory_limit;
    r.detail = fmt::format("out of memory under the {}-byte address-space "
                           "limit (exit status {})",
                           o.memory_bytes, r.exit_code);
  } else {
    r.outcome = run_outcome::nonzero_exit;
    r.detail = fmt::format("exited with status {}", r.exit_code);
  }
  return r;
}

} // namespace kpsynth::quality::detail
