// Pieces shared by both backends: command line, environment, rlimits, the
// private directory, and launching a planned child.

#include "sandbox/sandbox_internal.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

namespace kpsynth::quality::detail {
namespace {

namespace fs = std::filesystem;

void close_all(std::initializer_list<int*> fds) {
  for (int* fd : fds)
    if (*fd >= 0) {
      close(*fd);
      *fd = -1;
    }
}

run_result setup_failure(std::string detail) {
  run_result r;
  r.outcome = run_outcome::spawn_failed;
  r.detail = std::move(detail);
  return r;
}

/// Makes every directory below `dir` searchable and writable for us again.
void make_removable(const fs::path& dir, int depth) {
  if (depth > 256)
    return;
  std::error_code ec;
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, ec);
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory(ec) && !entry.is_symlink(ec))
      make_removable(entry.path(), depth + 1);
}

} // namespace

const char* string_table::add(std::string text) {
  strings_.push_back(std::make_unique<std::string>(std::move(text)));
  return strings_.back()->c_str();
}

char* const* string_table::array(const std::vector<std::string>& items) {
  auto ptrs = std::make_unique<std::vector<char*>>();
  for (const auto& item : items)
    ptrs->push_back(const_cast<char*>(add(item)));
  ptrs->push_back(nullptr);
  arrays_.push_back(std::move(ptrs));
  return arrays_.back()->data();
}

std::vector<std::string> python_argv(const sandbox::state& s,
                                     const std::string& program_path) {
  std::vector<std::string> argv{s.python.executable, "-S", "-s", "-B"};
  if (s.python.major > 3 || (s.python.major == 3 && s.python.minor >= 11))
    argv.emplace_back("-P");
  argv.push_back(program_path);
  return argv;
}

std::vector<std::string> sandbox_env(const std::string& home) {
  return {"PATH=/usr/local/bin:/usr/bin:/bin",
          "HOME=" + home,
          "TMPDIR=" + home,
          "LANG=C.UTF-8",
          "PYTHONDONTWRITEBYTECODE=1",
          "PYTHONHASHSEED=0"};
}

void add_rlimits(child_plan& plan, const sandbox_options& o,
                 std::uint32_t nproc) {
  auto add = [&](int resource, rlim_t soft, rlim_t hard) {
    // Never above the daemon's own hard limit: raising it would fail.
    rlimit current{};
    if (getrlimit(static_cast<__rlimit_resource>(resource), &current) == 0
        && current.rlim_max != RLIM_INFINITY) {
      hard = std::min(hard, current.rlim_max);
      soft = std::min(soft, hard);
    }
    plan.limits[plan.limit_count++] = rlimit_setting{resource, soft, hard};
  };
  // SIGXCPU at the soft limit, SIGKILL one second later. In both backends
  // the program is the init of its pid namespace, which ignores SIGXCPU, so
  // there the hard limit stops it. The second between them matters: the
  // kernel checks the limit against tick-sampled CPU time, which under load
  // runs ahead of the precise rusage that classify() sees.
  auto cpu = static_cast<rlim_t>(std::max(1.0, std::ceil(o.cpu_seconds)));
  add(RLIMIT_CPU, cpu, cpu + 1);
  add(RLIMIT_AS, o.memory_bytes, o.memory_bytes);
  add(RLIMIT_FSIZE, o.file_size_bytes, o.file_size_bytes);
  add(RLIMIT_NOFILE, o.max_open_files, o.max_open_files);
  add(RLIMIT_CORE, 0, 0);
  add(RLIMIT_MEMLOCK, 0, 0);
  add(RLIMIT_MSGQUEUE, 0, 0);
  add(RLIMIT_RTPRIO, 0, 0);
  if (nproc != 0)
    add(RLIMIT_NPROC, nproc, nproc);
}

result<std::string> make_private_dir() {
  std::error_code ec;
  auto base = fs::temp_directory_path(ec);
  std::string tmpl =
    (ec ? fs::path{"/tmp"} : base).string() + "/kpsynth-sandbox-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr)
    return make_problem("sandbox_setup",
                        fmt::format("mkdtemp: {}", std::strerror(errno)), tmpl);
  // Traversable (not listable) for a per-run uid that must reach work/.
  chmod(tmpl.c_str(), 0711);
  return tmpl;
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  if (fs::remove_all(path, ec) != static_cast<std::uintmax_t>(-1) && !ec)
    return;
  make_removable(path, 0);
  fs::remove_all(path, ec);
}

launch_outcome launch(const sandbox::state& s, child_plan& plan,
                      const std::vector<fd_move>& extra,
                      std::string_view stdin_data,
                      std::chrono::steady_clock::time_point start,
                      const std::function<bool(pid_t leader)>& kill_inner) {
  launch_outcome result;
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  int report[2] = {-1, -1};
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0
      || pipe2(err, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) {
    int e = errno;
    close_all({&in[0], &in[1], &out[0], &out[1], &err[0], &err[1], &report[0],
               &report[1]});
    result.failure = setup_failure(fmt::format("pipe: {}", std::strerror(e)));
    return result;
  }
  plan.fd_count = 0;
  plan.fds[plan.fd_count++] = fd_move{in[0], 0, true};
  plan.fds[plan.fd_count++] = fd_move{out[1], 1, true};
  plan.fds[plan.fd_count++] = fd_move{err[1], 2, true};
  for (const auto& move : extra)
    plan.fds[plan.fd_count++] = move;
  plan.error_fd = report[1];
  plan.error_fd_target = plan.fd_count;
  plan.fds[plan.fd_count++] = fd_move{report[1], plan.error_fd_target, false};
  pid_t pid = spawn_child(plan);
  close_all({&in[0], &out[1], &err[1], &report[1]});
  if (pid < 0) {
    close_all({&in[1], &out[0], &err[0], &report[0]});
    result.failure =
      setup_failure(fmt::format("clone: {}", std::strerror(-pid)));
    return result;
  }
  auto deadline =
    start
    + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(s.options.wall_seconds));
  // The report pipe closes on exec (success) or carries the failed step.
  child_failure failure;
  std::size_t got = 0;
  while (got < sizeof failure) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
    pollfd p{report[0], POLLIN, 0};
    int rc = poll(&p, 1, static_cast<int>(std::max<long long>(left, 0)));
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc <= 0)
      break; // deadline: collect() reports the timeout
    ssize_t n = read(report[0], reinterpret_cast<char*>(&failure) + got,
                     sizeof failure - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += static_cast<std::size_t>(n);
  }
  close_all({&report[0]});
  if (got == sizeof failure) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    close_all({&in[1], &out[0], &err[0]});
    std::string where;
    if (failure.index >= 0 && plan.steps != nullptr
        && static_cast<std::size_t>(failure.index) < plan.step_count)
      where = fmt::format(" ({})", plan.steps[failure.index].target);
    result.failure = setup_failure(fmt::format(
      "sandbox setup failed while {}{}: {}", child_stage_name(failure.stage),
      where, std::strerror(failure.error)));
    return result;
  }
  result.ran = true;
  result.c = collect(pid, child_streams{in[1], out[0], err[0]}, stdin_data,
                     start, deadline, s.options.max_output_bytes, kill_inner);
  return result;
}

} // namespace kpsynth::quality::detail
