#pragma once

// The child side of a sandbox run: everything between clone() and execve().
// The daemon is multi-threaded, so after clone the child may only make
// async-signal-safe calls. Every path, argument and limit is therefore
// prepared by the parent in a child_plan; the child just issues syscalls.

#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace kpsynth::quality::detail {

/// How one entry of the minimal root is made.
enum class mount_kind : std::uint8_t {
  dir,       ///< mkdir target
  bind_ro,   ///< bind source directory read-only on target (made first)
  bind_rw,   ///< bind source directory read-write (nosuid, nodev)
  bind_file, ///< bind a single file (device nodes), nosuid, noexec
  symlink,   ///< symlink target -> source
};

/// One step of building the minimal root. Targets are host paths below the
/// new root, so the child does no string work.
struct mount_step {
  mount_kind kind = mount_kind::dir;
  const char* source = nullptr;
  const char* target = nullptr;
};

/// Moves `from` (a parent fd) to `to` in the child. `inherit` fds survive
/// execve; the others are the child's own (error pipe, landlock ruleset).
struct fd_move {
  int from = -1;
  int to = -1;
  bool inherit = true;
};

struct rlimit_setting {
  int resource = 0;
  rlim_t soft = 0;
  rlim_t hard = 0;
};

/// Every step the child takes, fully precomputed. Pointers refer to storage
/// owned by the parent that outlives the clone (the child has a copy).
struct child_plan {
  unsigned long clone_flags = 0; ///< CLONE_NEW* flags for the child

  static constexpr int max_fds = 12;
  fd_move fds[max_fds];
  int fd_count = 0;  ///< targets must be 0..fd_count-1 (error fd included)
  int error_fd = -1; ///< parent fd of the error pipe's write end
  int error_fd_target = -1;    ///< where that pipe end lands in the child
  int landlock_fd_target = -1; ///< target number of the ruleset, or -1

  const char* uid_map = nullptr; ///< "inside outside 1\n" for user ns
  const char* gid_map = nullptr;

  const char* new_root = nullptr; ///< host dir for the minimal root, or null
  const char* put_old = nullptr;  ///< new_root + "/.old"
  const mount_step* steps = nullptr;
  std::size_t step_count = 0;

  const char* chown_path = nullptr; ///< work dir handed to the run uid
  const char* workdir = nullptr;    ///< chdir target after the view is up

  bool change_identity = false;
  uid_t uid = 0;
  gid_t gid = 0;

  static constexpr int max_limits = 12;
  rlimit_setting limits[max_limits];
  int limit_count = 0;

  const sock_fprog* seccomp = nullptr;

  const char* exe = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
};

/// What a failing child writes to the error pipe before _exit(127).
struct child_failure {
  int stage = 0;
  int error = 0;  ///< errno of the failed call
  int index = -1; ///< mount step or rlimit index, where it applies
};

/// Human-readable name of a child_failure stage.
const char* child_stage_name(int stage);

/// Clones a child that follows `plan` and execs. Returns its pid (a process
/// group and session leader), or -errno. Signals are blocked around the
/// clone so that no handler of the daemon runs in the child.
pid_t spawn_child(const child_plan& plan);

} // namespace kpsynth::quality::detail
