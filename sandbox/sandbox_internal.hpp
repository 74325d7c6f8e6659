#pragma once

// Internal pieces of the program sandbox, shared by the sandbox*.cpp files.
// Not part of the public API: include "sandbox/sandbox.hpp" instead.

#include "sandbox/sandbox.hpp"
#include "sandbox/sandbox_child.hpp"

#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::quality {

namespace detail {

/// Who the program runs as.
enum class identity_kind {
  caller,      ///< the daemon's own uid (non-root daemons)
  per_run_uid, ///< sandbox_uid_base + caller thread id (root daemons)
  nobody,      ///< uid 65534, when the per-run uid range is not mapped here
};

/// The interpreter as found on the host at create().
struct host_python {
  std::string executable;              ///< real binary, symlinks resolved
  std::vector<std::string> extra_dirs; ///< directories it needs outside /usr
  int major = 0;
  int minor = 0;
};

/// One host path exposed read-only inside the sandbox.
struct view_entry {
  std::string path;        ///< absolute, e.g. "/lib64"
  std::string link_target; ///< non-empty: recreate as this symlink
  bool is_file = false;    ///< bind a single file rather than a directory
};

/// The isolation layers chosen at create() (first candidate whose self-test
/// passed).
struct isolation_config {
  bool namespaces = false;     ///< pid, net, ipc, uts (+ mount with view)
  bool user_namespace = false; ///< needed for the above when not root
  bool mount_view = false;     ///< minimal root instead of the host's
  identity_kind identity = identity_kind::caller;
  int landlock_abi = 0; ///< 0 = not used
  bool seccomp = false;
  bool no_fork = false; ///< seccomp forbids new processes (threads allowed)
};

/// Devices the program may use; everything else in /dev stays invisible.
inline constexpr const char* sandbox_devices[] = {
  "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"};

/// Extra tasks that bwrap itself keeps inside the per-run uid (its monitor
/// process; with --as-pid-1 there is no separate init), added to
/// max_processes.
inline constexpr std::uint32_t bwrap_helper_tasks = 1;

} // namespace detail

/// Everything run() needs, computed once by create() and never changed.
struct sandbox::state {
  sandbox_options options;
  sandbox_backend backend = sandbox_backend::native; ///< resolved, not auto
  std::string isolation;
  std::string bwrap_path;
  detail::host_python python;
  std::vector<detail::view_entry> view;
  detail::isolation_config config;
  std::vector<sock_filter> seccomp_program; ///< empty when not used
};

namespace detail {

// -- host discovery (sandbox_host.cpp) ----------------------------------------

/// Looks `name` up on PATH like execvp would; empty when not found.
std::string find_on_path(std::string_view name);

/// Runs the (trusted, operator-configured) interpreter once outside any
/// sandbox to learn its real binary and prefix directories.
result<host_python> probe_python(const std::string& interpreter);

/// The read-only system paths python needs: /usr, /lib*, /bin, /sbin, a few
/// /etc files. Symlinked top-level directories stay symlinks.
std::vector<view_entry> system_view();

/// Landlock ABI version of the running kernel, 0 when unavailable.
int landlock_abi();

/// The per-run uid (and gid) for runs started from the calling thread.
uid_t per_run_uid();

/// Directories python needs that are not below any view directory.
std::vector<std::string> python_dirs_outside(const host_python& python,
                                             const std::vector<view_entry>&);

// -- filters (sandbox_filter.cpp) ---------------------------------------------

/// Compiles the seccomp filter to BPF once, in the parent, so that the child
/// only has to hand the program to the kernel (no allocation after clone).
result<std::vector<sock_filter>> build_seccomp_program(bool no_fork);

/// Builds a landlock ruleset: read/execute below `read_only`, full access
/// below `read_write` (for files: read and write). Returns the ruleset fd
/// (close-on-exec) for the child to apply.
result<int> build_landlock_ruleset(int abi,
                                   const std::vector<std::string>& read_only,
                                   const std::vector<std::string>& read_write);

/// An anonymous in-memory file (close-on-exec) holding `bytes`, positioned
/// at offset 0: how bwrap receives the filter and the program text.
result<int> memfd_with(const char* name, std::string_view bytes);

// -- running (sandbox_run.cpp, sandbox_native.cpp, sandbox_bwrap.cpp) --------

/// The backend-specific part of sandbox::run().
run_result run_native(const sandbox::state& s, std::string_view program,
                      std::string_view stdin_data);
run_result run_bubblewrap(const sandbox::state& s, std::string_view program,
                          std::string_view stdin_data);

/// Parent ends of the child's standard streams (-1 = none).
struct child_streams {
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

/// What the parent observed while the child ran.
struct collected {
  bool reaped = false;
  int status = 0; ///< wait status when reaped
  rusage usage{}; ///< leader plus its reaped descendants
  bool timed_out = false;
  bool output_exceeded = false;
  const char* exceeded_stream = ""; ///< "stdout" or "stderr"
  std::string out;
  std::string err;
  double wall_seconds = 0;
};

/// Feeds stdin, reads stdout/stderr up to `max_output` bytes each, and waits
/// for `pid` (a process-group leader) until `deadline`; kills the group on
/// timeout, on exceeded output, and after the leader exits (stragglers).
/// `kill_inner`, when given, is tried first to stop a run early: it kills
/// the program inside bwrap and returns true, and the leader then gets a
/// moment to exit by itself. Closes the stream fds it was given.
collected collect(pid_t pid, child_streams streams, std::string_view stdin_data,
                  std::chrono::steady_clock::time_point start,
                  std::chrono::steady_clock::time_point deadline,
                  std::size_t max_output,
                  const std::function<bool(pid_t leader)>& kill_inner = {});

/// Keeps strings alive and hands out the C pointers a child_plan needs.
class string_table {
 public:
  const char* add(std::string text);
  /// A null-terminated char* array over copies of `items`.
  char* const* array(const std::vector<std::string>& items);

 private:
  std::vector<std::unique_ptr<std::string>> strings_;
  std::vector<std::unique_ptr<std::vector<char*>>> arrays_;
};

/// The interpreter command line: `-S -s -B` (no site, no user site, no
/// bytecode) plus `-P` on 3.11+ (no script directory on sys.path). Not `-I`:
/// that implies -E, which would drop PYTHONHASHSEED=0 and make set order
/// differ between runs. The environment is ours entirely, so -E adds nothing.
std::vector<std::string> python_argv(const sandbox::state& s,
                                     const std::string& program_path);

/// The program's whole environment.
std::vector<std::string> sandbox_env(const std::string& home);

/// Adds the rlimits from the options; `nproc` 0 leaves RLIMIT_NPROC alone.
void add_rlimits(child_plan& plan, const sandbox_options& o,
                 std::uint32_t nproc);

/// A fresh private directory (mode 0711) under the temporary directory.
result<std::string> make_private_dir();

/// Removes a directory tree the program may have made hard to remove.
void remove_tree(const std::string& path);

/// The result of launching: a setup failure, or what the run produced.
struct launch_outcome {
  bool ran = false;
  run_result failure; ///< when !ran
  collected c;        ///< when ran
};

/// Creates the stream pipes and the error pipe, clones the child described
/// by `plan` (with `extra` fds at 3, 4, ...), waits for its exec, then
/// collects the run.
launch_outcome launch(const sandbox::state& s, child_plan& plan,
                      const std::vector<fd_move>& extra,
                      std::string_view stdin_data,
                      std::chrono::steady_clock::time_point start,
                      const std::function<bool(pid_t leader)>& kill_inner = {});

/// Turns what was observed into the public result. `bwrap_status` is true
/// when exit codes above 128 encode a signal (bwrap reports them that way).
run_result classify(const sandbox::state& s, collected c, bool bwrap_status);

/// Kills every process owned by `uid` and waits until none is left, zombies
/// included (bounded to about 2 s; false when some remained). Used after
/// runs under a per-run uid that no pid namespace cleans up for us.
bool kill_all_of_uid(uid_t uid);

/// Whether any process (zombies too) has `uid` as one of its uids.
bool process_of_uid_exists(uid_t uid);

} // namespace detail
} // namespace kpsynth::quality
