// sandbox::create() chooses the backend and isolation layers by trying
// candidates from strongest to weakest with a self-test program; run()
// dispatches to the chosen backend.

#include "sandbox/sandbox.hpp"

#include "sandbox/sandbox_internal.hpp"

#include <fmt/format.h>

#include <exception>
#include <signal.h>
#include <unistd.h>

namespace kpsynth::quality {
namespace {

using detail::identity_kind;
using detail::isolation_config;

/// Exercises what verification programs need: stdlib imports without site,
/// exact arithmetic, stdin.
constexpr std::string_view self_test_program =
  "import fractions, math, sys\n"
  "print(fractions.Fraction(1, 3) + fractions.Fraction(1, 6), "
  "math.comb(5, 2), int(sys.stdin.read()) * 6)\n";
constexpr std::string_view self_test_stdin = "7";
constexpr std::string_view self_test_expected = "1/2 10 42\n";

problem option_problem(std::string field, std::string message) {
  return make_problem("bad_option", std::move(message),
                      "sandbox_options." + std::move(field));
}

std::string describe(sandbox_backend backend, const isolation_config& c) {
  std::string text;
  if (backend == sandbox_backend::bubblewrap) {
    text = "bwrap-namespaces(user,pid,net,ipc,uts,cgroup,mount) minimal-root "
           "tmpfs-tmp";
  } else if (c.namespaces) {
    text = "namespaces(pid,net,ipc,uts";
    text += c.mount_view ? ",mount" : "";
    text += c.user_namespace ? ",user)" : ")";
    text += c.mount_view ? " minimal-root" : "";
  } else {
    text = "no-namespaces";
  }
  switch (c.identity) {
  case identity_kind::per_run_uid:
    text += " per-run-uid rlimit-nproc";
    break;
  case identity_kind::nobody:
    text += " uid-65534";
    break;
  case identity_kind::caller:
    text += " caller-uid";
    break;
  }
  if (backend == sandbox_backend::native && c.landlock_abi > 0)
    text += fmt::format(" landlock-abi{}", c.landlock_abi);
  if (c.seccomp)
    text += c.no_fork ? " seccomp(no-processes)" : " seccomp";
  else if (c.identity != identity_kind::per_run_uid)
    text += " no-process-limit";
  return text;
}

/// Candidate layers, strongest first. Each is kept only if the self-test
/// passes: namespaces or mounts may be refused in a container, a per-run uid
/// may not be mapped, python may be unreadable for an unprivileged uid.
std::vector<std::pair<sandbox_backend, isolation_config>>
candidates(const sandbox_options& o, bool bwrap_found, bool have_seccomp) {
  bool root = geteuid() == 0;
  int abi = detail::landlock_abi();
  std::vector<std::pair<sandbox_backend, isolation_config>> list;
  auto make = [&](bool ns, bool view, identity_kind id) {
    isolation_config c;
    c.namespaces = ns;
    c.mount_view = view;
    c.user_namespace = ns && !root;
    c.identity = id;
    c.landlock_abi = abi;
    c.seccomp = have_seccomp;
    c.no_fork = have_seccomp && id != identity_kind::per_run_uid;
    return c;
  };
  bool want_bwrap =
    o.backend == sandbox_backend::bubblewrap
    || (o.backend == sandbox_backend::automatic && o.allow_bubblewrap);
  if (want_bwrap && bwrap_found) {
    if (root)
      list.emplace_back(sandbox_backend::bubblewrap,
                        make(true, true, identity_kind::per_run_uid));
    list.emplace_back(sandbox_backend::bubblewrap,
                      make(true, true, identity_kind::caller));
  }
  if (o.backend != sandbox_backend::bubblewrap) {
    std::vector<identity_kind> ids;
    if (root)
      ids = {identity_kind::per_run_uid, identity_kind::nobody};
    else
      ids = {identity_kind::caller};
    for (auto [ns, view] : {std::pair{true, true}, std::pair{true, false},
                            std::pair{false, false}})
      for (auto id : ids)
        list.emplace_back(sandbox_backend::native, make(ns, view, id));
  }
  return list;
}

} // namespace

std::string_view to_string(run_outcome outcome) {
  switch (outcome) {
  case run_outcome::ok:
    return "ok";
  case run_outcome::nonzero_exit:
    return "nonzero_exit";
  case run_outcome::timeout:
    return "timeout";
  case run_outcome::cpu_limit:
    return "cpu_limit";
  case run_outcome::memory_limit:
    return "memory_limit";
  case run_outcome::output_limit:
    return "output_limit";
  case run_outcome::killed_by_signal:
    return "killed_by_signal";
  case run_outcome::blocked_syscall:
    return "blocked_syscall";
  case run_outcome::spawn_failed:
    return "spawn_failed";
  }
  return "unknown";
}

result<sandbox> sandbox::create(sandbox_options o) {
  try {
    if (!(o.cpu_seconds > 0))
      return option_problem("cpu_seconds", "must be positive");
    if (!(o.wall_seconds > 0))
      return option_problem("wall_seconds", "must be positive");
    if (o.memory_bytes < (std::size_t{32} << 20))
      return option_problem("memory_bytes", "below 32 MiB python cannot start");
    if (o.max_output_bytes == 0)
      return option_problem("max_output_bytes", "must be positive");
    if (o.max_processes == 0)
      return option_problem("max_processes", "must be at least 1");
    if (o.max_open_files < 8)
      return option_problem("max_open_files", "below 8 python cannot start");
    if (o.backend == sandbox_backend::bubblewrap && !o.allow_bubblewrap)
      return option_problem("backend",
                            "bubblewrap requested but allow_bubblewrap is "
                            "false");
    struct sigaction chld {};
    sigaction(SIGCHLD, nullptr, &chld);
    if (chld.sa_handler == SIG_IGN || (chld.sa_flags & SA_NOCLDWAIT) != 0)
      return make_problem("sandbox_setup",
                          "SIGCHLD is ignored in this process, so the "
                          "sandbox could not wait for its children",
                          "sandbox::create");

    auto interpreter = detail::find_on_path(o.python);
    if (interpreter.empty()) {
      bool is_path = o.python.find('/') != std::string::npos;
      return make_problem("python_missing",
                          fmt::format("program verification disabled: {} not "
                                      "found{}",
                                      o.python, is_path ? "" : " on PATH"),
                          "sandbox_options.python");
    }
    auto python = detail::probe_python(interpreter);
    if (!python)
      return python.error();

    auto bwrap = detail::find_on_path("bwrap");
    std::vector<sock_filter> filters[2];
    bool have_seccomp = false;
    for (int no_fork = 0; no_fork < 2; ++no_fork) {
      auto program = detail::build_seccomp_program(no_fork == 1);
      if (!program)
        return program.error();
      filters[no_fork] = std::move(*program);
      have_seccomp = !filters[no_fork].empty();
    }

    std::string failures;
    for (const auto& [backend, config] :
         candidates(o, !bwrap.empty(), have_seccomp)) {
      auto s = std::make_shared<state>();
      s->options = o;
      s->backend = backend;
      s->bwrap_path = bwrap;
      s->python = *python;
      s->view = detail::system_view();
      s->config = config;
      s->seccomp_program = filters[config.no_fork ? 1 : 0];
      s->isolation = describe(backend, config);
      auto trial =
        backend == sandbox_backend::bubblewrap
          ? detail::run_bubblewrap(*s, self_test_program, self_test_stdin)
          : detail::run_native(*s, self_test_program, self_test_stdin);
      if (trial.outcome == run_outcome::ok
          && trial.stdout_text == self_test_expected)
        return sandbox{std::move(s)};
      auto why = trial.detail.empty() ? std::string{to_string(trial.outcome)}
                                      : trial.detail;
      if (!trial.stderr_text.empty())
        why += " / stderr: " + trial.stderr_text.substr(0, 200);
      failures += fmt::format(
        "{}[{}]: {}; ",
        backend == sandbox_backend::bubblewrap ? "bubblewrap" : "native",
        s->isolation, why);
    }
    if (failures.empty())
      failures = o.backend == sandbox_backend::bubblewrap
                   ? "bwrap not found on PATH"
                   : "no candidate backend";
    return make_problem("sandbox_unavailable",
                        "program verification disabled: no sandbox works "
                        "here: "
                          + failures,
                        "sandbox::create");
  } catch (const std::exception& e) {
    return make_problem("sandbox_setup", e.what(), "sandbox::create");
  }
}

run_result sandbox::run(std::string_view program_source,
                        std::string_view stdin_data) const {
  try {
    if (state_->backend == sandbox_backend::bubblewrap)
      return detail::run_bubblewrap(*state_, program_source, stdin_data);
    return detail::run_native(*state_, program_source, stdin_data);
  } catch (const std::exception& e) {
    run_result r;
    r.outcome = run_outcome::spawn_failed;
    r.detail = e.what();
    return r;
  }
}

std::string_view sandbox::backend() const {
  return state_->backend == sandbox_backend::bubblewrap ? "bubblewrap"
                                                        : "native";
}

std::string_view sandbox::isolation() const {
  return state_->isolation;
}

const sandbox_options& sandbox::options() const {
  return state_->options;
}

} // namespace kpsynth::quality
