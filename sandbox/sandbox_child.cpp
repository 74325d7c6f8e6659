#include "sandbox/sandbox_child.hpp"

#include "sandbox/sandbox_internal.hpp"

#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

// Everything in the anonymous namespace below runs in the freshly cloned
// child of a multi-threaded process: only raw syscalls and async-signal-safe
// libc calls, no allocation, no locks, no exceptions. Credentials change with
// raw syscalls because glibc's set*id wrappers would try to synchronise
// threads the child does not have.

namespace kpsynth::quality::detail {
namespace {

enum stage : int {
  stage_signals = 1,
  stage_session,
  stage_fds,
  stage_user_map,
  stage_chown,
  stage_mount_private,
  stage_mount_root,
  stage_mount_step,
  stage_pivot_root,
  stage_chdir,
  stage_rlimit,
  stage_identity,
  stage_no_new_privs,
  stage_landlock,
  stage_seccomp,
  stage_exec,
};

[[noreturn]] void fail(int error_fd, int stage, int index = -1) {
  child_failure f;
  f.stage = stage;
  f.error = errno;
  f.index = index;
  // Best effort: the parent treats a missing report as a failure as well.
  [[maybe_unused]] auto written = write(error_fd, &f, sizeof f);
  _exit(127);
}

bool write_text(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  auto len = static_cast<ssize_t>(std::strlen(text));
  bool ok = write(fd, text, static_cast<size_t>(len)) == len;
  close(fd);
  return ok;
}

/// Sets mount attributes. mount_setattr only adds the requested bits, which
/// matters in a user namespace where the kernel locks the host's flags; the
/// remount fallback for older kernels re-states those flags itself.
bool set_mount_flags(const char* target, std::uint64_t attrs, bool recursive) {
  mount_attr attr{};
  attr.attr_set = attrs;
  unsigned int flags = recursive ? AT_RECURSIVE : 0;
  if (syscall(SYS_mount_setattr, AT_FDCWD, target, flags, &attr, sizeof attr)
      == 0)
    return true;
  if (errno != ENOSYS)
    return false;
  struct statfs st {};
  if (statfs(target, &st) != 0)
    return false;
  unsigned long ms = MS_BIND | MS_REMOUNT;
  auto kept = static_cast<unsigned long>(st.f_flags);
  if (kept & ST_NOSUID)
    ms |= MS_NOSUID;
  if (kept & ST_NODEV)
    ms |= MS_NODEV;
  if (kept & ST_NOEXEC)
    ms |= MS_NOEXEC;
  if (kept & ST_NOATIME)
    ms |= MS_NOATIME;
  if (kept & ST_NODIRATIME)
    ms |= MS_NODIRATIME;
  if (kept & ST_RELATIME)
    ms |= MS_RELATIME;
  if (kept & ST_RDONLY)
    ms |= MS_RDONLY;
  if (attrs & MOUNT_ATTR_RDONLY)
    ms |= MS_RDONLY;
  if (attrs & MOUNT_ATTR_NOSUID)
    ms |= MS_NOSUID;
  if (attrs & MOUNT_ATTR_NODEV)
    ms |= MS_NODEV;
  if (attrs & MOUNT_ATTR_NOEXEC)
    ms |= MS_NOEXEC;
  return mount(nullptr, target, nullptr, ms, nullptr) == 0;
}

bool make_dir(const char* path) {
  return mkdir(path, 0755) == 0 || errno == EEXIST;
}

bool apply_step(const mount_step& step) {
  switch (step.kind) {
  case mount_kind::dir:
    return make_dir(step.target);
  case mount_kind::bind_ro:
    return make_dir(step.target)
           && mount(step.source, step.target, nullptr, MS_BIND | MS_REC,
                    nullptr)
                == 0
           && set_mount_flags(
             step.target,
             MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, true);
  case mount_kind::bind_rw:
    return make_dir(step.target)
           && mount(step.source, step.target, nullptr, MS_BIND | MS_REC,
                    nullptr)
                == 0
           && set_mount_flags(step.target, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                              true);
  case mount_kind::bind_file: {
    int fd = open(step.target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      return false;
    close(fd);
    return mount(step.source, step.target, nullptr, MS_BIND, nullptr) == 0
           && set_mount_flags(step.target,
                              MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false);
  }
  case mount_kind::symlink:
    return symlink(step.source, step.target) == 0;
  }
  return false;
}

/// Moves the planned fds to 0..n-1 and closes every other descriptor the
/// daemon had open. Returns the error pipe's new number, or -1.
int arrange_fds(const child_plan& p) {
  int tmp[child_plan::max_fds];
  // First lift every source above the targets so that no dup2 clobbers a
  // source that is still needed.
  for (int i = 0; i < p.fd_count; ++i) {
    tmp[i] = fcntl(p.fds[i].from, F_DUPFD_CLOEXEC, 64);
    if (tmp[i] < 0)
      return -1;
  }
  for (int i = 0; i < p.fd_count; ++i) {
    if (dup2(tmp[i], p.fds[i].to) < 0)
      return -1;
    if (!p.fds[i].inherit && fcntl(p.fds[i].to, F_SETFD, FD_CLOEXEC) != 0)
      return -1;
  }
  auto first = static_cast<unsigned int>(p.fd_count);
  if (syscall(SYS_close_range, first, ~0U, 0) != 0) {
    rlimit nofile{};
    getrlimit(RLIMIT_NOFILE, &nofile);
    rlim_t top = nofile.rlim_cur < (1U << 20) ? nofile.rlim_cur : (1U << 20);
    for (rlim_t fd = first; fd < top; ++fd)
      close(static_cast<int>(fd));
  }
  return p.error_fd_target;
}

void build_minimal_root(const child_plan& p, int err) {
  // Nothing done below may propagate back to the host's mount namespace.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    fail(err, stage_mount_private);
  if (mount("tmpfs", p.new_root, "tmpfs", MS_NOSUID | MS_NODEV,
            "mode=0755,size=1m")
      != 0)
    fail(err, stage_mount_root);
  for (std::size_t i = 0; i < p.step_count; ++i)
    if (!apply_step(p.steps[i]))
      fail(err, stage_mount_step, static_cast<int>(i));
  if (syscall(SYS_pivot_root, p.new_root, p.put_old) != 0)
    fail(err, stage_pivot_root);
  if (chdir("/") != 0 || umount2("/.old", MNT_DETACH) != 0
      || rmdir("/.old") != 0)
    fail(err, stage_pivot_root);
  if (!set_mount_flags(
        "/", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false))
    fail(err, stage_pivot_root);
}

[[noreturn]] void run_child(const child_plan& p) {
  int err = p.error_fd;
  // The parent blocked all signals around clone; restore defaults first so
  // that no handler or ignored signal of the daemon leaks into the program.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP)
      sigaction(sig, &dfl, nullptr); // glibc-internal signals refuse: fine
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, nullptr) != 0)
    fail(err, stage_signals);
  // Own session and process group: kill(-pid) then reaches the whole tree.
  if (setsid() < 0)
    fail(err, stage_session);
  err = arrange_fds(p);
  if (err < 0)
    fail(p.error_fd, stage_fds);
  if (p.uid_map != nullptr) {
    write_text("/proc/self/setgroups", "deny"); // absent on old kernels
    if (!write_text("/proc/self/uid_map", p.uid_map)
        || !write_text("/proc/self/gid_map", p.gid_map))
      fail(err, stage_user_map);
  }
  if (p.chown_path != nullptr && chown(p.chown_path, p.uid, p.gid) != 0)
    fail(err, stage_chown);
  if (p.new_root != nullptr)
    build_minimal_root(p, err);
  if (p.workdir != nullptr && chdir(p.workdir) != 0)
    fail(err, stage_chdir);
  for (int i = 0; i < p.limit_count; ++i) {
    rlimit value{p.limits[i].soft, p.limits[i].hard};
    if (setrlimit(static_cast<__rlimit_resource>(p.limits[i].resource), &value)
        != 0)
      fail(err, stage_rlimit, i);
  }
  if (p.change_identity) {
    if (syscall(SYS_setgroups, 0, nullptr) != 0
        || syscall(SYS_setresgid, p.gid, p.gid, p.gid) != 0
        || syscall(SYS_setresuid, p.uid, p.uid, p.uid) != 0)
      fail(err, stage_identity);
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    fail(err, stage_no_new_privs);
  // Dies with the thread that started it (that thread waits in run()).
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (p.landlock_fd_target >= 0) {
    if (syscall(SYS_landlock_restrict_self, p.landlock_fd_target, 0) != 0)
      fail(err, stage_landlock);
    close(p.landlock_fd_target);
  }
  if (p.seccomp != nullptr
      && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, p.seccomp) != 0)
    fail(err, stage_seccomp);
  execve(p.exe, p.argv, p.envp);
  fail(err, stage_exec);
}

} // namespace

const char* child_stage_name(int stage) {
  switch (stage) {
  case stage_signals:
    return "resetting signals";
  case stage_session:
    return "setsid";
  case stage_fds:
    return "arranging file descriptors";
  case stage_user_map:
    return "writing the user-namespace id maps";
  case stage_chown:
    return "handing the work directory to the run uid";
  case stage_mount_private:
    return "making mounts private";
  case stage_mount_root:
    return "mounting the minimal root";
  case stage_mount_step:
    return "building the minimal root";
  case stage_pivot_root:
    return "pivot_root into the minimal root";
  case stage_chdir:
    return "entering the work directory";
  case stage_rlimit:
    return "setting resource limits";
  case stage_identity:
    return "switching to the run uid";
  case stage_no_new_privs:
    return "setting no_new_privs";
  case stage_landlock:
    return "applying the landlock ruleset";
  case stage_seccomp:
    return "loading the seccomp filter";
  case stage_exec:
    return "executing the interpreter";
  default:
    return "unknown setup step";
  }
}

pid_t spawn_child(const child_plan& plan) {
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  // Raw clone: it takes namespace flags (CLONE_NEWPID needs them at creation)
  // and skips the daemon's pthread_atfork handlers.
  long pid = syscall(SYS_clone, plan.clone_flags | SIGCHLD, nullptr, nullptr,
                     nullptr, nullptr);
  if (pid == 0)
    run_child(plan);
  int saved = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return pid < 0 ? -saved : static_cast<pid_t>(pid);
}

namespace {

/// One kill(-1, SIGKILL) as `uid`, from a throwaway child: it reaches every
/// process of that uid, in any session or child pid namespace. (Its return
/// value cannot tell whether any remain: EPERM targets count as found.)
void signal_all_as(uid_t uid) {
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  long pid = syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid == 0) {
    if (syscall(SYS_setgroups, 0, nullptr) != 0
        || syscall(SYS_setresgid, uid, uid, uid) != 0
        || syscall(SYS_setresuid, uid, uid, uid) != 0)
      _exit(2);
    kill(-1, SIGKILL);
    _exit(0);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0)
    return;
  int status = 0;
  while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0 && errno == EINTR) {
  }
}

} // namespace

bool process_of_uid_exists(uid_t uid) {
  DIR* proc = opendir("/proc");
  if (proc == nullptr)
    return false;
  bool found = false;
  char path[300];
  char text[2048];
  while (!found) {
    dirent* entry = readdir(proc);
    if (entry == nullptr)
      break;
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
      continue;
    std::snprintf(path, sizeof path, "/proc/%s/status", entry->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      continue; // gone meanwhile
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
      continue;
    text[n] = '\0';
    // "Uid:\t<real>\t<effective>\t<saved>\t<fs>": any of them counts.
    const char* line = std::strstr(text, "\nUid:");
    if (line == nullptr)
      continue;
    char* cursor = const_cast<char*>(line + 5);
    for (int i = 0; i < 4 && !found; ++i) {
      unsigned long value = std::strtoul(cursor, &cursor, 10);
      found = value == uid;
    }
  }
  closedir(proc);
  return found;
}

bool kill_all_of_uid(uid_t uid) {
  timespec pause{0, 2'000'000};
  for (int attempt = 0; attempt < 1000; ++attempt) {
    signal_all_as(uid);
    // Zombies count until their parent (a pid-namespace init, or the host's
    // init for orphans) has reaped them.
    if (!process_of_uid_exists(uid))
      return true;
    nanosleep(&pause, nullptr);
  }
  return false;
}

} // namespace kpsynth::quality::detail
