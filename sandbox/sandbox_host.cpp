// Host discovery for the program sandbox: where python really lives and which
// system paths it needs. Runs once, at create().

#include "sandbox/sandbox_internal.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <spawn.h>
#include <unistd.h>

extern char** environ;

namespace kpsynth::quality::detail {
namespace {

namespace fs = std::filesystem;

/// Asks the interpreter about itself. Run with -S -s so that no site hook of
/// the host installation can change the answer.
constexpr const char* probe_code = "import sys\n"
                                   "print(sys.executable)\n"
                                   "print(sys.base_prefix)\n"
                                   "print(sys.base_exec_prefix)\n"
                                   "print(sys.version_info[0])\n"
                                   "print(sys.version_info[1])\n";

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)
         && access(path.c_str(), X_OK) == 0;
}

std::string canonical_or_empty(const std::string& path) {
  std::error_code ec;
  auto p = fs::canonical(path, ec);
  return ec ? std::string{} : p.string();
}

bool is_below(const std::string& path, const std::string& dir) {
  if (dir == "/")
    return true;
  return path.size() >= dir.size() && path.compare(0, dir.size(), dir) == 0
         && (path.size() == dir.size() || path[dir.size()] == '/');
}

problem python_problem(const std::string& interpreter, std::string message) {
  return make_problem("python_unusable",
                      "program verification disabled: " + interpreter + ": "
                        + std::move(message),
                      "sandbox_options.python");
}

} // namespace

std::string find_on_path(std::string_view name) {
  std::string n{name};
  if (n.empty())
    return {};
  if (n.find('/') != std::string::npos)
    return is_executable_file(n) ? n : std::string{};
  const char* env = std::getenv("PATH");
  std::string_view path = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    auto colon = path.find(':');
    auto dir = path.substr(0, colon);
    std::string candidate = dir.empty() ? n : std::string{dir} + "/" + n;
    if (is_executable_file(candidate))
      return candidate;
    if (colon == std::string_view::npos)
      return {};
    path.remove_prefix(colon + 1);
  }
}

result<host_python> probe_python(const std::string& interpreter) {
  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    return python_problem(interpreter, std::strerror(errno));
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return python_problem(interpreter, std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own session, so that collect() can kill a hanging shim's whole group.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  std::string arg_s = "-S";
  std::string arg_no_user = "-s";
  std::string arg_c = "-c";
  std::string code = probe_code;
  std::string exe = interpreter;
  char* argv[] = {exe.data(),   arg_s.data(), arg_no_user.data(),
                  arg_c.data(), code.data(),  nullptr};
  pid_t pid = -1;
  // The operator's interpreter with the daemon's environment: a pyenv shim
  // needs PATH and HOME to find the real binary.
  int rc = posix_spawn(&pid, exe.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    return python_problem(interpreter, std::strerror(rc));
  }
  auto start = std::chrono::steady_clock::now();
  auto c = collect(pid, child_streams{-1, out[0], err[0]}, {}, start,
                   start + std::chrono::seconds(20), 64 << 10);
  if (!c.reaped || c.timed_out || !WIFEXITED(c.status)
      || WEXITSTATUS(c.status) != 0)
    return python_problem(interpreter,
                          "does not run (" + c.err.substr(0, 300) + ")");
  std::vector<std::string> lines;
  std::string_view rest = c.out;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    lines.emplace_back(rest.substr(0, nl));
    if (nl == std::string_view::npos)
      break;
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() < 5)
    return python_problem(interpreter, "unexpected answer to the probe");
  host_python py;
  py.executable = canonical_or_empty(lines[0]);
  if (py.executable.empty() || !is_executable_file(py.executable))
    return python_problem(interpreter, "sys.executable '" + lines[0]
                                         + "' is not an executable file");
  py.major = std::atoi(lines[3].c_str());
  py.minor = std::atoi(lines[4].c_str());
  if (py.major < 3)
    return python_problem(interpreter, "Python 3 is required");
  for (const auto& dir :
       {lines[1], lines[2], fs::path{py.executable}.parent_path().string()}) {
    auto real = canonical_or_empty(dir);
    if (!real.empty())
      py.extra_dirs.push_back(real);
  }
  return py;
}

std::vector<view_entry> system_view() {
  std::vector<view_entry> view;
  view.push_back(view_entry{"/usr", {}, false});
  for (const char* top :
       {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    struct stat st {};
    if (lstat(top, &st) != 0)
      continue;
    if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = readlink(top, target, sizeof target - 1);
      if (n > 0)
        view.push_back(
          view_entry{top, std::string(target, std::size_t(n)), false});
    } else if (S_ISDIR(st.st_mode)) {
      view.push_back(view_entry{top, {}, false});
    }
  }
  // The loader cache and the time zone; not /etc as a whole (shadow,
  // credentials, the daemon's configuration).
  for (const char* file : {"/etc/ld.so.cache", "/etc/localtime"}) {
    struct stat st {};
    if (stat(file, &st) == 0 && S_ISREG(st.st_mode))
      view.push_back(view_entry{file, {}, true});
  }
  return view;
}

uid_t per_run_uid() {
  return static_cast<uid_t>(sandbox_uid_base) + static_cast<uid_t>(gettid());
}

std::vector<std::string> python_dirs_outside(const host_python& python,
                                             const std::vector<view_entry>& v) {
  std::vector<std::string> result;
  auto covered = [&](const std::string& dir) {
    for (const auto& e : v)
      if (!e.is_file && e.link_target.empty() && is_below(dir, e.path))
        return true;
    for (const auto& r : result)
      if (is_below(dir, r))
        return true;
    return false;
  };
  // Shortest first, so that a prefix swallows its own bin/ directory.
  auto dirs = python.extra_dirs;
  std::sort(dirs.begin(), dirs.end(),
            [](const auto& a, const auto& b) { return a.size() < b.size(); });
  for (const auto& dir : dirs)
    if (!covered(dir))
      result.push_back(dir);
  return result;
}

} // namespace kpsynth::quality::detail
