#pragma once

#include "core/result.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kpsynth::quality {

/// Which mechanism isolates the generated programs.
enum class sandbox_backend {
  automatic,  ///< bubblewrap when it works on this host, native otherwise
  bubblewrap, ///< require bwrap; create() fails when it does not work here
  native,     ///< our own clone + namespaces + rlimits + landlock + seccomp
};

/// Limits for one program run. The defaults suit the short arithmetic
/// programs of program-assisted verification (arXiv 2508.18824).
struct sandbox_options {
  /// Interpreter: a name looked up on PATH or a path. It is resolved once at
  /// create() to the real binary (pyenv shims and venvs are followed), which
  /// is then executed directly inside the sandbox.
  std::string python = "python3";
  /// CPU seconds per process (RLIMIT_CPU, rounded up to whole seconds). The
  /// program is its pid namespace's init, which ignores SIGXCPU, so it is
  /// stopped by SIGKILL at the hard limit one second later where namespaces
  /// are used; both count as run_outcome::cpu_limit.
  double cpu_seconds = 5;
  /// Wall-clock limit for the whole run; the process tree is killed after it.
  double wall_seconds = 10;
  /// Address-space limit per process (RLIMIT_AS).
  std::size_t memory_bytes = std::size_t{512} << 20;
  /// Largest file the program may write (RLIMIT_FSIZE).
  std::size_t file_size_bytes = std::size_t{1} << 20;
  /// Cap for stdout and for stderr each; the run is killed when exceeded.
  std::size_t max_output_bytes = std::size_t{64} << 10;
  /// Tasks (processes and threads) of one sandbox, enforced with RLIMIT_NPROC
  /// on a uid of its own when the daemon runs as root. Where no such uid is
  /// possible the seccomp filter forbids creating processes instead, because
  /// RLIMIT_NPROC would count the daemon's own tasks (and uid 0 is exempt).
  std::uint32_t max_processes = 16;
  /// Open file descriptors (RLIMIT_NOFILE).
  std::uint32_t max_open_files = 64;
  /// False keeps `automatic` away from bwrap.
  bool allow_bubblewrap = true;
  sandbox_backend backend = sandbox_backend::automatic;
};

/// How a run ended, from the most to the least specific cause.
enum class run_outcome {
  ok,               ///< exit status 0
  nonzero_exit,     ///< the program failed on its own (e.g. an exception)
  timeout,          ///< wall-clock limit reached; the tree was killed
  cpu_limit,        ///< RLIMIT_CPU reached (SIGXCPU, or SIGKILL at the hard
                    ///< limit)
  memory_limit,     ///< MemoryError or a crash under RLIMIT_AS
  output_limit,     ///< stdout or stderr exceeded max_output_bytes
  killed_by_signal, ///< any other fatal signal
  blocked_syscall,  ///< killed by the seccomp filter (SIGSYS)
  spawn_failed,     ///< the sandbox could not be set up for this run
};

/// Stable lower-case name of an outcome, for logs and records.
std::string_view to_string(run_outcome outcome);

/// What one program run produced.
struct run_result {
  run_outcome outcome = run_outcome::spawn_failed;
  int exit_code = -1; ///< exit status when the program exited, else -1
  int signal = 0;     ///< fatal signal number, else 0
  std::string stdout_text;
  std::string stderr_text; ///< truncated to max_output_bytes
  double wall_seconds = 0;
  std::string detail; ///< human-readable cause, e.g. which limit was hit
};

/// First uid of the per-run identities. When the daemon runs as root, each
/// run gets uid = gid = sandbox_uid_base + (thread id of the caller), a uid
/// that owns no file and no other process: RLIMIT_NPROC then counts only this
/// sandbox, and killing "every process of that uid" kills exactly its tree.
inline constexpr std::uint32_t sandbox_uid_base = 1'900'000'000;

/// Runs untrusted Python programs with no network, a private temporary
/// directory and hard limits. Immutable after create(): copies share state
/// and run() may be called from several threads at once. run() installs no
/// signal handler and touches no global state of the calling process, but
/// it needs SIGCHLD not to be ignored (create() checks) and no other code
/// reaping children it did not start.
class sandbox {
 public:
  /// Finds python and the best backend, then runs a self-test program inside
  /// the sandbox. Fails with a message starting "program verification
  /// disabled:" when the interpreter is missing, so the pipeline can turn the
  /// feature off with that message.
  static result<sandbox> create(sandbox_options options);

  /// Runs `program_source` as a Python script, feeding `stdin_data`. Never
  /// throws; setup failures come back as run_outcome::spawn_failed.
  run_result run(std::string_view program_source,
                 std::string_view stdin_data = {}) const;

  /// "bubblewrap" or "native".
  std::string_view backend() const;

  /// The isolation layers in effect, for logs, e.g. "namespaces(pid,net,ipc,
  /// uts,mount) minimal-root per-run-uid rlimit-nproc landlock-abi7 seccomp"
  /// or "bwrap-namespaces(...) minimal-root tmpfs-tmp caller-uid
  /// seccomp(no-processes)".
  std::string_view isolation() const;

  const sandbox_options& options() const;

  /// Internal, immutable configuration (defined in sandbox_internal.hpp).
  struct state;

 private:
  explicit sandbox(std::shared_ptr<const state> s) : state_(std::move(s)) {}

  std::shared_ptr<const state> state_;
};

} // namespace kpsynth::quality
