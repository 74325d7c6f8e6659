// The bubblewrap backend: bwrap builds the namespaces (user, pid, net, ipc,
// uts, cgroup, mount) and the minimal root with a size-capped tmpfs /tmp; we
// add rlimits in the child before exec, the seccomp filter (--seccomp), and,
// for root daemons, a per-run uid for bwrap itself so that RLIMIT_NPROC
// counts this sandbox only. When python lives where that uid cannot read it
// (e.g. pyenv below /root), bwrap runs as the daemon's uid instead, the
// program appears as uid 65534 inside, and seccomp forbids new processes.

#include "sandbox/sandbox_internal.hpp"

#include <fmt/format.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

namespace kpsynth::quality::detail {
namespace {

run_result failed(std::string detail) {
  run_result r;
  r.outcome = run_outcome::spawn_failed;
  r.detail = std::move(detail);
  return r;
}

/// Appends what bwrap wrote to --json-status-fd (small JSON documents).
void read_status(int fd, std::string& text) {
  char buf[4096];
  while (fd >= 0 && text.size() < 65536) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    text.append(buf, static_cast<std::size_t>(n));
  }
}

/// The host pid of the program (pid 1 of its namespace), or -1.
pid_t child_pid_of(const std::string& status) {
  auto at = status.find("\"child-pid\"");
  if (at == std::string::npos)
    return -1;
  auto colon = status.find(':', at);
  if (colon == std::string::npos)
    return -1;
  return static_cast<pid_t>(
    std::strtol(status.c_str() + colon + 1, nullptr, 10));
}

/// The parent pid of `pid` from /proc, or -1.
pid_t parent_of(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  char text[512];
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0)
    return -1;
  text[n] = '\0';
  // "pid (comm) state ppid ...": comm may contain anything, so look after
  // the last ')'.
  const char* close_paren = std::strrchr(text, ')');
  if (close_paren == nullptr)
    return -1;
  char state = 0;
  int ppid = -1;
  if (std::sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2)
    return -1;
  return static_cast<pid_t>(ppid);
}

/// Kills the program inside bwrap's pid namespace (so that bwrap reaps it
/// and the namespace's teardown kills the rest) rather than bwrap itself.
/// The pidfd pins the process; checking its parent afterwards proves it is
/// still bwrap's child and not a recycled pid.
bool kill_program(int status_fd, std::string& status, pid_t bwrap) {
  read_status(status_fd, status);
  pid_t inner = child_pid_of(status);
  if (inner <= 0)
    return false;
  int fd = static_cast<int>(syscall(SYS_pidfd_open, inner, 0));
  if (fd < 0)
    return false;
  bool ok = parent_of(inner) == bwrap
            && syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0) == 0;
  close(fd);
  return ok;
}

} // namespace

run_result run_bubblewrap(const sandbox::state& s, std::string_view program,
                          std::string_view stdin_data) {
  auto start = std::chrono::steady_clock::now();
  const auto& cfg = s.config;
  bool own_uid = cfg.identity == identity_kind::per_run_uid;
  uid_t uid = own_uid ? per_run_uid() : getuid();

  // fds 3.. of the child: seccomp filter, status pipe, program text.
  int filter_fd = -1;
  int status[2] = {-1, -1};
  struct closer {
    int* fds[4];
    ~closer() {
      for (int* fd : fds)
        if (*fd >= 0)
          close(*fd);
    }
  };
  auto program_fd = memfd_with("kpsynth-program", program);
  if (!program_fd)
    return failed(program_fd.error().to_string());
  int text_fd = *program_fd;
  closer guard{{&filter_fd, &status[0], &status[1], &text_fd}};
  if (!s.seccomp_program.empty()) {
    auto bytes =
      std::string_view{reinterpret_cast<const char*>(s.seccomp_program.data()),
                       s.seccomp_program.size() * sizeof(sock_filter)};
    auto fd = memfd_with("kpsynth-seccomp", bytes);
    if (!fd)
      return failed(fd.error().to_string());
    filter_fd = *fd;
  }
  if (pipe2(status, O_CLOEXEC) != 0)
    return failed(fmt::format("pipe: {}", std::strerror(errno)));

  std::vector<fd_move> extra;
  int next = 3;
  int filter_at = -1;
  if (filter_fd >= 0)
    extra.push_back(fd_move{filter_fd, filter_at = next++, true});
  int status_at = next++;
  extra.push_back(fd_move{status[1], status_at, true});
  int text_at = next++;
  extra.push_back(fd_move{text_fd, text_at, true});

  // --as-pid-1: bwrap's own init would exit before bwrap reaps it, leaving
  // its zombie to the host's init; with the program as pid 1, bwrap reaps it
  // and the namespace (every process the program made) dies with it.
  std::vector<std::string> argv{
    s.bwrap_path,    "--unshare-all", "--unshare-user", "--die-with-parent",
    "--new-session", "--as-pid-1",    "--cap-drop",     "ALL"};
  if (!own_uid)
    argv.insert(argv.end(), {"--uid", "65534", "--gid", "65534"});
  for (const auto& e : s.view) {
    if (!e.link_target.empty())
      argv.insert(argv.end(), {"--symlink", e.link_target, e.path});
    else
      argv.insert(argv.end(), {"--ro-bind", e.path, e.path});
  }
  for (const auto& d : python_dirs_outside(s.python, s.view))
    argv.insert(argv.end(), {"--ro-bind", d, d});
  // A tmpfs lives in RAM outside RLIMIT_AS, so its size is capped.
  auto tmp_bytes = std::to_string(16 * s.options.file_size_bytes);
  argv.insert(argv.end(),
              {"--dev", "/dev", "--proc", "/proc", "--size", tmp_bytes,
               "--tmpfs", "/tmp", "--ro-bind-data", std::to_string(text_at),
               "/tmp/program.py", "--chdir", "/tmp", "--json-status-fd",
               std::to_string(status_at)});
  if (filter_at >= 0)
    argv.insert(argv.end(), {"--seccomp", std::to_string(filter_at)});
  argv.emplace_back("--");
  for (auto& arg : python_argv(s, "/tmp/program.py"))
    argv.push_back(std::move(arg));

  string_table strings;
  child_plan plan;
  plan.exe = strings.add(s.bwrap_path);
  plan.argv = strings.array(argv);
  plan.envp = strings.array(sandbox_env("/tmp"));
  plan.workdir = "/";
  if (own_uid) {
    plan.change_identity = true;
    plan.uid = uid;
    plan.gid = static_cast<gid_t>(uid);
  }
  add_rlimits(plan, s.options,
              own_uid ? s.options.max_processes + bwrap_helper_tasks : 0);

  fcntl(status[0], F_SETFL, fcntl(status[0], F_GETFL) | O_NONBLOCK);
  std::string json;
  auto kill_inner = [&](pid_t bwrap) {
    return kill_program(status[0], json, bwrap);
  };
  auto launched = launch(s, plan, extra, stdin_data, start, kill_inner);
  read_status(status[0], json);
  pid_t init = child_pid_of(json);
  // Normally nothing is left (bwrap reaped the program, the pid namespace
  // died with it); this also catches what escaped an early bwrap failure.
  if (own_uid)
    kill_all_of_uid(uid);
  if (!launched.ran)
    return launched.failure;
  if (init < 0 && launched.c.reaped && !launched.c.timed_out
      && !launched.c.output_exceeded) {
    // bwrap failed before starting the program; its message is on stderr.
    auto message = launched.c.err.substr(0, launched.c.err.find('\n'));
    return failed("bubblewrap could not set up the sandbox: " + message);
  }
  return classify(s, std::move(launched.c), true);
}

} // namespace kpsynth::quality::detail
