// Seccomp and landlock policies of the program sandbox. Both are prepared in
// the parent: the seccomp filter is compiled to BPF once at create(), the
// landlock ruleset is built per run (it names the run's work directory), and
// the child only hands them to the kernel.

#include "sandbox/sandbox_internal.hpp"

#include <linux/landlock.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sched.h>
#include <unistd.h>

#ifdef KPSYNTH_HAVE_SECCOMP
#  include <seccomp.h>
#endif

// Newer landlock rights than the build host's kernel headers may know.
#ifndef LANDLOCK_ACCESS_FS_REFER
#  define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#  define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

namespace kpsynth::quality::detail {
namespace {

constexpr std::uint64_t landlock_net_bind_tcp = 1ULL << 0;
constexpr std::uint64_t landlock_net_connect_tcp = 1ULL << 1;
constexpr std::uint64_t landlock_scope_abstract_unix = 1ULL << 0;
constexpr std::uint64_t landlock_scope_signal = 1ULL << 1;

/// landlock_ruleset_attr as of ABI 6; the size passed to the kernel selects
/// how much of it an older kernel reads.
struct ruleset_attr_v6 {
  std::uint64_t handled_access_fs = 0;
  std::uint64_t handled_access_net = 0;
  std::uint64_t scoped = 0;
};

std::uint64_t handled_fs(int abi) {
  std::uint64_t rights = (1ULL << 13) - 1; // ABI 1: execute .. make_sym
  if (abi >= 2)
    rights |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3)
    rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
  return rights;
}

problem filter_problem(std::string what, int err) {
  return make_problem("sandbox_setup", what + ": " + std::strerror(err),
                      "sandbox policy");
}

} // namespace

int landlock_abi() {
  long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0,
                     LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? 0 : static_cast<int>(abi);
}

result<int> build_landlock_ruleset(int abi,
                                   const std::vector<std::string>& read_only,
                                   const std::vector<std::string>& read_write) {
  ruleset_attr_v6 attr;
  attr.handled_access_fs = handled_fs(abi);
  std::size_t size = sizeof(std::uint64_t);
  if (abi >= 4) {
    // No rule grants TCP, so bind and connect are denied outright.
    attr.handled_access_net = landlock_net_bind_tcp | landlock_net_connect_tcp;
    size = 2 * sizeof(std::uint64_t);
  }
  if (abi >= 6) {
    // No signals to, and no abstract sockets of, processes outside.
    attr.scoped = landlock_scope_abstract_unix | landlock_scope_signal;
    size = sizeof attr;
  }
  int ruleset =
    static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, size, 0));
  if (ruleset < 0)
    return filter_problem("landlock_create_ruleset", errno);
  auto add = [&](const std::string& path, bool writable) -> int {
    int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0)
      return errno == ENOENT ? 0 : errno;
    struct stat st {};
    fstat(fd, &st);
    bool dir = S_ISDIR(st.st_mode);
    std::uint64_t file_rights =
      LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE;
    if (writable) {
      file_rights =
        LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE;
      if (abi >= 3)
        file_rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
    }
    landlock_path_beneath_attr rule{};
    rule.parent_fd = fd;
    if (!dir)
      rule.allowed_access = file_rights;
    else if (writable)
      rule.allowed_access = handled_fs(abi);
    else
      rule.allowed_access = file_rights | LANDLOCK_ACCESS_FS_READ_DIR;
    long rc = syscall(SYS_landlock_add_rule, ruleset,
                      LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
    int err = rc == 0 ? 0 : errno;
    close(fd);
    return err;
  };
  for (const auto& path : read_only)
    if (int err = add(path, false); err != 0) {
      close(ruleset);
      return filter_problem("landlock rule for " + path, err);
    }
  for (const auto& path : read_write)
    if (int err = add(path, true); err != 0) {
      close(ruleset);
      return filter_problem("landlock rule for " + path, err);
    }
  return ruleset;
}

result<int> memfd_with(const char* name, std::string_view bytes) {
  int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd < 0)
    return filter_problem("memfd_create", errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int err = errno;
      close(fd);
      return filter_problem("writing a memfd", err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (lseek(fd, 0, SEEK_SET) != 0) {
    int err = errno;
    close(fd);
    return filter_problem("rewinding a memfd", err);
  }
  return fd;
}

#ifdef KPSYNTH_HAVE_SECCOMP

result<std::vector<sock_filter>> build_seccomp_program(bool no_fork) {
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx{
    seccomp_init(SCMP_ACT_ALLOW), &seccomp_release};
  if (!ctx)
    return filter_problem("seccomp_init", ENOMEM);
  // The child sets no_new_privs itself, in the right order.
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
  int rc = 0;
  auto rule = [&](const char* name, std::uint32_t action) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr != __NR_SCMP_ERROR && rc == 0)
      rc = seccomp_rule_add(ctx.get(), action, nr, 0);
  };
  // Refused with EPERM so that Python raises PermissionError and the
  // program fails readably: networking, namespaces and mounts, leaving the
  // process group (which would escape kill(-pgid)), keys, clocks.
  for (const char* name : {"socket",
                           "connect",
                           "bind",
                           "listen",
                           "accept",
                           "accept4",
                           "mount",
                           "umount2",
                           "pivot_root",
                           "chroot",
                           "unshare",
                           "setns",
                           "setsid",
                           "setpgid",
                           "keyctl",
                           "add_key",
                           "request_key",
                           "fsopen",
                           "fsconfig",
                           "fsmount",
                           "fspick",
                           "open_tree",
                           "move_mount",
                           "mount_setattr",
                           "name_to_handle_at",
                           "open_by_handle_at",
                           "acct",
                           "quotactl",
                           "quotactl_fd",
                           "sethostname",
                           "setdomainname",
                           "settimeofday",
                           "clock_settime",
                           "clock_adjtime",
                           "adjtimex",
                           "syslog",
                           "vhangup",
                           "swapon",
                           "swapoff",
                           "userfaultfd",
                           "perf_event_open",
                           "fanotify_init",
                           "lookup_dcookie"})
    rule(name, SCMP_ACT_ERRNO(EPERM));
  // Not available rather than forbidden: io_uring would bypass this filter.
  for (const char* name :
       {"io_uring_setup", "io_uring_enter", "io_uring_register"})
    rule(name, SCMP_ACT_ERRNO(ENOSYS));
  // No benign program calls these: kill the process (outcome
  // blocked_syscall) rather than let it probe further.
  for (const char* name :
       {"ptrace", "process_vm_readv", "process_vm_writev", "kexec_load",
        "kexec_file_load", "init_module", "finit_module", "delete_module",
        "bpf", "reboot", "iopl", "ioperm", "uselib", "create_module"})
    rule(name, SCMP_ACT_KILL_PROCESS);
  // clone3 passes its flags in memory the filter cannot read; ENOSYS makes
  // glibc fall back to clone, whose flags it can.
  rule("clone3", SCMP_ACT_ERRNO(ENOSYS));
  for (scmp_datum_t flag : std::initializer_list<scmp_datum_t>{
         CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
         CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET})
    if (rc == 0)
      rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone),
                            1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
  if (no_fork) {
    // Threads only: a clone without CLONE_THREAD makes a process. EAGAIN is
    // what RLIMIT_NPROC would have answered.
    rule("fork", SCMP_ACT_ERRNO(EAGAIN));
    rule("vfork", SCMP_ACT_ERRNO(EAGAIN));
    if (rc == 0)
      rc =
        seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EAGAIN), SCMP_SYS(clone), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ,
                                 static_cast<scmp_datum_t>(CLONE_THREAD), 0));
  }
  if (rc != 0)
    return filter_problem("adding a seccomp rule", -rc);
  int fd = memfd_create("kpsynth-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return filter_problem("memfd_create", errno);
  rc = seccomp_export_bpf(ctx.get(), fd);
  struct stat st {};
  if (rc != 0 || fstat(fd, &st) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
    close(fd);
    return filter_problem("exporting the seccomp filter",
                          rc != 0 ? -rc : errno);
  }
  std::vector<sock_filter> program(static_cast<std::size_t>(st.st_size)
                                   / sizeof(sock_filter));
  auto want = static_cast<ssize_t>(program.size() * sizeof(sock_filter));
  ssize_t got = read(fd, program.data(), static_cast<std::size_t>(want));
  close(fd);
  if (got != want || program.empty())
    return filter_problem("reading the seccomp filter", EIO);
  return program;
}

#else

result<std::vector<sock_filter>> build_seccomp_program(bool) {
  // Built without libseccomp: network isolation rests on the namespaces.
  return std::vector<sock_filter>{};
}

#endif

} // namespace kpsynth::quality::detail
