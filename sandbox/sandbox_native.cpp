// The native backend: our own clone with namespaces, a minimal root built
// from read-only bind mounts, a per-run uid, rlimits, landlock and seccomp.
//
// What is achieved where (each layer is used when the self-test at create()
// shows it works here):
//  - root daemon: pid/net/ipc/uts/mount namespaces, a minimal root (only
//    /usr, /lib*, python's prefix, two /etc files, five devices and the
//    private /tmp exist), a uid of its own per run (no file on the host is
//    owned by it, so even outside the view permission checks stop it),
//    RLIMIT_NPROC per sandbox, landlock and seccomp.
//  - non-root daemon with user namespaces: the same view inside a user
//    namespace; the program keeps the daemon's uid; processes are forbidden
//    by seccomp (threads allowed).
//  - neither: no namespaces; landlock confines the file system and TCP,
//    seccomp forbids sockets and processes, the uid is the daemon's.

#include "sandbox/sandbox_internal.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <set>
#include <unistd.h>

namespace kpsynth::quality::detail {
namespace {

/// Builds the mount steps of the minimal root below `root`.
class view_builder {
 public:
  view_builder(string_table& strings, std::string root)
    : strings_(strings), root_(std::move(root)) {}

  void dir_with_parents(const std::string& path) {
    for (std::size_t at = path.find('/', 1); at != std::string::npos;
         at = path.find('/', at + 1))
      dir(path.substr(0, at));
    dir(path);
  }

  void parents_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0)
      dir_with_parents(path.substr(0, slash));
  }

  void add(mount_kind kind, const std::string& source,
           const std::string& path) {
    if (kind != mount_kind::symlink)
      parents_of(path);
    steps_.push_back(
      mount_step{kind, strings_.add(source), strings_.add(root_ + path)});
    made_.insert(path);
  }

  const std::vector<mount_step>& steps() const { return steps_; }

 private:
  void dir(const std::string& path) {
    if (made_.insert(path).second)
      steps_.push_back(
        mount_step{mount_kind::dir, nullptr, strings_.add(root_ + path)});
  }

  string_table& strings_;
  std::string root_;
  std::vector<mount_step> steps_;
  std::set<std::string> made_;
};

bool write_file(const std::string& path, std::string_view text) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return false;
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += static_cast<std::size_t>(n);
  }
  close(fd);
  return done == text.size();
}

run_result failed(std::string detail) {
  run_result r;
  r.outcome = run_outcome::spawn_failed;
  r.detail = std::move(detail);
  return r;
}

} // namespace

run_result run_native(const sandbox::state& s, std::string_view program,
                      std::string_view stdin_data) {
  auto start = std::chrono::steady_clock::now();
  const auto& cfg = s.config;
  auto dir = make_private_dir();
  if (!dir)
    return failed(dir.error().to_string());
  struct remover {
    std::string path;
    ~remover() { remove_tree(path); }
  } cleanup{*dir};
  std::string work = *dir + "/work";
  std::string program_file = work + "/program.py";
  if (mkdir(work.c_str(), 0700) != 0 || !write_file(program_file, program))
    return failed(fmt::format("{}: cannot prepare the work directory: {}", work,
                              std::strerror(errno)));

  string_table strings;
  child_plan plan;
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (cfg.identity == identity_kind::per_run_uid)
    uid = gid = per_run_uid();
  else if (cfg.identity == identity_kind::nobody)
    uid = gid = 65534;
  if (cfg.identity != identity_kind::caller) {
    plan.change_identity = true;
    plan.uid = uid;
    plan.gid = gid;
    plan.chown_path = strings.add(work);
  }

  if (cfg.namespaces) {
    plan.clone_flags =
      CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
    if (cfg.mount_view)
      plan.clone_flags |= CLONE_NEWNS;
    if (cfg.user_namespace) {
      plan.clone_flags |= CLONE_NEWUSER;
      plan.uid_map = strings.add(fmt::format("{} {} 1\n", uid, uid));
      plan.gid_map = strings.add(fmt::format("{} {} 1\n", gid, gid));
    }
  }

  auto python_dirs = python_dirs_outside(s.python, s.view);
  std::string home = work;
  std::string program_path = program_file;
  std::vector<mount_step> steps;
  if (cfg.mount_view) {
    std::string root = *dir + "/root";
    if (mkdir(root.c_str(), 0700) != 0)
      return failed(fmt::format("{}: {}", root, std::strerror(errno)));
    view_builder view{strings, root};
    for (const auto& e : s.view) {
      if (!e.link_target.empty())
        view.add(mount_kind::symlink, e.link_target, e.path);
      else
        view.add(e.is_file ? mount_kind::bind_file : mount_kind::bind_ro,
                 e.path, e.path);
    }
    for (const auto& d : python_dirs)
      view.add(mount_kind::bind_ro, d, d);
    for (const char* device : sandbox_devices)
      view.add(mount_kind::bind_file, device, device);
    view.add(mount_kind::bind_rw, work, "/tmp");
    view.dir_with_parents("/.old");
    steps = view.steps();
    plan.new_root = strings.add(root);
    plan.put_old = strings.add(root + "/.old");
    plan.steps = steps.data();
    plan.step_count = steps.size();
    home = "/tmp";
    program_path = "/tmp/program.py";
  }
  plan.workdir = strings.add(home);
  plan.exe = strings.add(s.python.executable);
  plan.argv = strings.array(python_argv(s, program_path));
  plan.envp = strings.array(sandbox_env(home));
  add_rlimits(
    plan, s.options,
    cfg.identity == identity_kind::per_run_uid ? s.options.max_processes : 0);

  std::vector<fd_move> extra;
  int ruleset = -1;
  if (cfg.landlock_abi > 0) {
    std::vector<std::string> read_only;
    for (const auto& e : s.view)
      if (e.link_target.empty())
        read_only.push_back(e.path);
    read_only.insert(read_only.end(), python_dirs.begin(), python_dirs.end());
    std::vector<std::string> read_write(std::begin(sandbox_devices),
                                        std::end(sandbox_devices));
    read_write.push_back(work);
    auto built =
      build_landlock_ruleset(cfg.landlock_abi, read_only, read_write);
    if (!built)
      return failed(built.error().to_string());
    ruleset = *built;
    plan.landlock_fd_target = 3;
    extra.push_back(fd_move{ruleset, 3, false});
  }
  sock_fprog filter{};
  if (!s.seccomp_program.empty()) {
    filter.len = static_cast<unsigned short>(s.seccomp_program.size());
    filter.filter = const_cast<sock_filter*>(s.seccomp_program.data());
    plan.seccomp = &filter;
  }

  auto launched = launch(s, plan, extra, stdin_data, start);
  if (ruleset >= 0)
    close(ruleset);
  // With a pid namespace the kernel has already removed every process of
  // the run when the leader (its init) could be reaped; without one, the
  // per-run uid still finds them all.
  if (cfg.identity == identity_kind::per_run_uid && !cfg.namespaces)
    kill_all_of_uid(uid);
  if (!launched.ran)
    return launched.failure;
  return classify(s, std::move(launched.c), false);
}

} // namespace kpsynth::quality::detail
