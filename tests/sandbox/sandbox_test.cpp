// Hostile programs against the program sandbox, under every backend that
// works on this host. Each must be stopped with the right outcome, and the
// test process must be unaffected.

#include "sandbox/sandbox.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <signal.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using kpsynth::quality::run_outcome;
using kpsynth::quality::run_result;
using kpsynth::quality::sandbox;
using kpsynth::quality::sandbox_backend;
using kpsynth::quality::sandbox_options;

/// Short limits keep the hostile cases fast.
sandbox_options test_options() {
  sandbox_options o;
  o.cpu_seconds = 1;
  o.wall_seconds = 3;
  return o;
}

struct configuration {
  std::string name;
  sandbox_options options;
};

/// Every backend to test here: native always; bubblewrap with the default
/// python (as the daemon would run it) and, when /usr/bin/python3 exists,
/// with that one (readable by a per-run uid, so bwrap gets one too).
std::vector<configuration> configurations() {
  std::vector<configuration> list;
  auto native = test_options();
  native.backend = sandbox_backend::native;
  list.push_back({"native", native});
  auto bwrap = test_options();
  bwrap.backend = sandbox_backend::bubblewrap;
  list.push_back({"bubblewrap", bwrap});
  if (access("/usr/bin/python3", X_OK) == 0) {
    bwrap.python = "/usr/bin/python3";
    list.push_back({"bubblewrap-usr-python", bwrap});
  }
  return list;
}

/// Sandboxes are created once per configuration (create() runs a self-test).
struct available {
  std::string name;
  std::optional<sandbox> box;
};

const std::vector<available>& sandboxes() {
  static const std::vector<available> list = [] {
    std::vector<available> result;
    for (auto& c : configurations()) {
      auto made = sandbox::create(c.options);
      if (made) {
        result.push_back({c.name, *made});
      } else {
        // bwrap needs user namespaces; native must always work.
        if (c.options.backend == sandbox_backend::native)
          FAIL("native sandbox unavailable: " << made.error().to_string());
        WARN("skipping " << c.name << ": " << made.error().to_string());
      }
    }
    return result;
  }();
  return list;
}

/// The same configuration with a shorter wall-clock limit, for the cases
/// that can only end by being stopped.
sandbox with_limits(const available& s, double cpu_seconds,
                    double wall_seconds) {
  auto o = s.box->options();
  o.cpu_seconds = cpu_seconds;
  o.wall_seconds = wall_seconds;
  auto made = sandbox::create(o);
  REQUIRE(made);
  return *made;
}

std::string describe(const run_result& r) {
  return std::string{kpsynth::quality::to_string(r.outcome)} + " exit="
         + std::to_string(r.exit_code) + " signal=" + std::to_string(r.signal)
         + " detail=" + r.detail + "\nstdout=" + r.stdout_text.substr(0, 300)
         + "\nstderr=" + r.stderr_text.substr(0, 600);
}

/// Whether any process (zombies included) still runs under the uid that
/// this thread's sandbox runs get. Specific to this thread, so it stays
/// right while other test processes run sandboxes in parallel.
bool own_run_uid_has_processes() {
  auto uid =
    kpsynth::quality::sandbox_uid_base + static_cast<unsigned long>(gettid());
  bool found = false;
  std::error_code ec;
  for (std::filesystem::directory_iterator e("/proc", ec), end; !ec && e != end;
       e.increment(ec)) {
    std::ifstream status(e->path() / "status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind("Uid:", 0) == 0)
        found = found || std::strtoul(line.c_str() + 4, nullptr, 10) == uid;
  }
  return found;
}

/// Checks that a run left no process behind, where that is observable: a
/// per-run uid names every process of the run. (Without one, the seccomp
/// filter lets the program create no processes at all.)
void check_no_leftovers(const sandbox& box) {
  if (box.isolation().find("per-run-uid") != std::string_view::npos)
    CHECK_FALSE(own_run_uid_has_processes());
  else
    CHECK(box.isolation().find("no-processes") != std::string_view::npos);
}

/// Whether a file below any sandbox private directory contains `token`.
/// Other test processes may be creating or removing theirs meanwhile, so
/// errors only end the scan of that directory.
bool private_dirs_contain(const std::string& token) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::directory_iterator d(fs::temp_directory_path(), ec), end;
       !ec && d != end; d.increment(ec)) {
    if (d->path().filename().string().rfind("kpsynth-sandbox-", 0) != 0)
      continue;
    std::error_code inner;
    for (fs::recursive_directory_iterator f(d->path(), inner), last;
         !inner && f != last; f.increment(inner)) {
      if (!f->is_regular_file(inner))
        continue;
      std::ifstream in(f->path());
      std::string text((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
      if (text.find(token) != std::string::npos)
        return true;
    }
  }
  return false;
}

std::string random_token() {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  return "kpsynth-secret-" + std::to_string(gen());
}

} // namespace

TEST_CASE("create() explains a missing interpreter", "[sandbox]") {
  auto o = test_options();
  o.python = "/nonexistent/python3";
  auto made = sandbox::create(o);
  REQUIRE_FALSE(made);
  CHECK(made.error().code == "python_missing");
  CHECK(made.error().message
        == "program verification disabled: /nonexistent/python3 not found");
  CHECK(made.error().where == "sandbox_options.python");

  o.python = "kpsynth-no-such-python3";
  made = sandbox::create(o);
  REQUIRE_FALSE(made);
  CHECK(made.error().message
        == "program verification disabled: kpsynth-no-such-python3 not found "
           "on PATH");
}

TEST_CASE("create() refuses nonsensical options", "[sandbox]") {
  auto o = test_options();
  o.cpu_seconds = 0;
  auto made = sandbox::create(o);
  REQUIRE_FALSE(made);
  CHECK(made.error().where == "sandbox_options.cpu_seconds");

  o = test_options();
  o.backend = sandbox_backend::bubblewrap;
  o.allow_bubblewrap = false;
  made = sandbox::create(o);
  REQUIRE_FALSE(made);
  CHECK(made.error().where == "sandbox_options.backend");

  o = test_options();
  o.allow_bubblewrap = false;
  made = sandbox::create(o);
  REQUIRE(made);
  CHECK(made->backend() == "native");
}

TEST_CASE("a normal program runs and prints its answer", "[sandbox]") {
  for (const auto& s : sandboxes()) {
    INFO(s.name << ": " << s.box->isolation());
    auto r = s.box->run("from fractions import Fraction\n"
                        "import math\n"
                        "print(6 * 7)\n");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::ok);
    CHECK(r.exit_code == 0);
    CHECK(r.signal == 0);
    CHECK(r.stdout_text == "42\n");
    CHECK(r.wall_seconds > 0);

    r = s.box->run("import sys\nprint(sum(map(int, sys.stdin.read().split())))",
                   "1 2 3 36");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::ok);
    CHECK(r.stdout_text == "42\n");

    r = s.box->run("raise ValueError('boom')");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::nonzero_exit);
    CHECK(r.exit_code == 1);
    CHECK(r.stderr_text.find("ValueError: boom") != std::string::npos);

    // PYTHONHASHSEED=0 survives: string hashes and set order repeat.
    const char* hashing = "print(hash('kpsynth'), list({'a', 'b', 'c'}))";
    auto first = s.box->run(hashing);
    auto second = s.box->run(hashing);
    CHECK(first.outcome == run_outcome::ok);
    CHECK(first.stdout_text == second.stdout_text);
  }
}

TEST_CASE("network access fails", "[sandbox]") {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(listen(listener, 8) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  auto port = std::to_string(ntohs(addr.sin_port));
  for (const auto& s : sandboxes()) {
    INFO(s.name << ": " << s.box->isolation());
    auto r = s.box->run("import socket\n"
                        "socket.create_connection(('127.0.0.1', "
                        + port + "), timeout=1)\n");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::nonzero_exit);
    CHECK(r.stderr_text.find("Error") != std::string::npos);
    // Nothing reached the listener.
    int conn = accept(listener, nullptr, nullptr);
    CHECK(conn < 0);
    CHECK(errno == EAGAIN);
    if (conn >= 0)
      close(conn);
  }
  close(listener);
}

TEST_CASE("a fork bomb is contained and fully cleaned up", "[sandbox]") {
  for (const auto& s : sandboxes()) {
    INFO(s.name << ": " << s.box->isolation());
    // The classic: every process forks until fork fails, then dies of the
    // uncaught error.
    auto r = s.box->run("import os\nwhile True:\n    os.fork()\n");
    INFO(describe(r));
    CHECK(r.outcome != run_outcome::ok);
    CHECK(r.outcome != run_outcome::spawn_failed);
    check_no_leftovers(s.box.value());
    // A persistent one that ignores the failures: only the limits stop it.
    auto short_lived = with_limits(s, 1, 1);
    r = short_lived.run("import os\n"
                        "while True:\n"
                        "    try:\n"
                        "        os.fork()\n"
                        "    except OSError:\n"
                        "        pass\n");
    INFO(describe(r));
    CHECK((r.outcome == run_outcome::timeout
           || r.outcome == run_outcome::cpu_limit));
    CHECK(r.wall_seconds < 3);
    check_no_leftovers(s.box.value());
    // The test process can still start processes.
    auto after = s.box->run("print('still fine')");
    CHECK(after.stdout_text == "still fine\n");
  }
}

TEST_CASE("max_processes bounds the program's tasks", "[sandbox]") {
  for (const auto& s : sandboxes()) {
    INFO(s.name << ": " << s.box->isolation());
    auto r = s.box->run("import os, time\n"
                        "n = 0\n"
                        "try:\n"
                        "    while n < 100:\n"
                        "        if os.fork() == 0:\n"
                        "            time.sleep(30)\n"
                        "            os._exit(0)\n"
                        "        n += 1\n"
                        "except OSError:\n"
                        "    pass\n"
                        "print(n)\n");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::ok);
    // Per-run uid: RLIMIT_NPROC counts python itself. Otherwise seccomp
    // forbids processes altogether.
    bool nproc = s.box->isolation().find("rlimit-nproc") != std::string::npos;
    auto expected = nproc ? s.box->options().max_processes - 1 : 0;
    CHECK(r.stdout_text == std::to_string(expected) + "\n");
    // The sleeping children died with the program.
    CHECK(r.wall_seconds < 10);
    check_no_leftovers(s.box.value());
  }
}

TEST_CASE("a memory hog hits memory_limit", "[sandbox]") {
  for (const auto& s : sandboxes()) {
    INFO(s.name << ": " << s.box->isolation());
    auto r = s.box->run("x = bytearray(4 << 30)\nprint(len(x))");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::memory_limit);
    CHECK(r.stdout_text.empty());

    r = s.box->run("chunks = []\n"
                   "while True:\n"
                   "    chunks.append(bytes(16 << 20))\n");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::memory_limit);
  }
}

TEST_CASE("an endless loop is stopped", "[sandbox]") {
  bool first = true;
  for (const auto& s : sandboxes()) {
    INFO(s.name << ": " << s.box->isolation());
    // Once with a generous wall-clock limit, so that even a loaded machine
    // reaches 1 s of CPU and the outcome must be cpu_limit; elsewhere either
    // limit may come first.
    double wall = first ? 30 : 1.5;
    auto r = with_limits(s, 1, wall).run("while True:\n    pass\n");
    INFO(describe(r));
    if (first)
      CHECK(r.outcome == run_outcome::cpu_limit);
    else
      CHECK((r.outcome == run_outcome::cpu_limit
             || r.outcome == run_outcome::timeout));
    CHECK(r.wall_seconds < wall + 2);
    first = false;
  }
  auto o = test_options();
  o.wall_seconds = 0.5;
  o.backend = sandbox_backend::native;
  auto sleepy = sandbox::create(o);
  REQUIRE(sleepy);
  auto r = sleepy->run("import time\ntime.sleep(60)\n");
  INFO(describe(r));
  CHECK(r.outcome == run_outcome::timeout);
  CHECK(r.wall_seconds >= 0.5);
  CHECK(r.wall_seconds < 2.5);
}

TEST_CASE("huge output is cut off", "[sandbox]") {
  for (const auto& s : sandboxes()) {
    INFO(s.name << ": " << s.box->isolation());
    auto cap = s.box->options().max_output_bytes;
    auto r = s.box->run("import sys\nwhile True:\n    sys.stdout.write('x' * "
                        "65536)\n");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::output_limit);
    CHECK(r.stdout_text.size() == cap);

    r = s.box->run("import sys\nwhile True:\n    sys.stderr.write('e' * "
                   "4096)\n");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::output_limit);
    CHECK(r.stderr_text.size() <= cap);
  }
}

TEST_CASE("file size and descriptor limits hold", "[sandbox]") {
  for (const auto& s : sandboxes()) {
    INFO(s.name << ": " << s.box->isolation());
    auto r = s.box->run("with open('big.bin', 'wb') as f:\n"
                        "    f.write(b'x' * (2 << 20))\n");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::nonzero_exit);
    CHECK(r.stderr_text.find("File too large") != std::string::npos);

    r = s.box->run("files = [open('f%d' % i, 'w') for i in range(200)]\n");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::nonzero_exit);
    CHECK(r.stderr_text.find("Too many open files") != std::string::npos);
  }
}

TEST_CASE("writes outside the private directory do not reach the host",
          "[sandbox]") {
  auto pid = std::to_string(getpid());
  std::string tmp_escape = "/tmp/kpsynth_escape_" + pid;
  std::string project_escape =
    std::string(KPSYNTH_SOURCE_DIR) + "/kpsynth_escape_" + pid;
  for (const auto& s : sandboxes()) {
    INFO(s.name << ": " << s.box->isolation());
    auto token = random_token();
    auto r = s.box->run("results = []\n"
                        "for path in ['"
                        + tmp_escape + "', '" + project_escape
                        + "', 'own.txt']:\n"
                          "    try:\n"
                          "        with open(path, 'w') as f:\n"
                          "            f.write('"
                        + token
                        + "')\n"
                          "        results.append('wrote')\n"
                          "    except OSError:\n"
                          "        results.append('denied')\n"
                          "print(' '.join(results))\n");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::ok);
    auto words = r.stdout_text;
    CHECK(words.find("denied") != std::string::npos); // the project write
    CHECK(words.substr(words.rfind(' ') + 1) == "wrote\n");
    CHECK_FALSE(std::filesystem::exists(tmp_escape));
    CHECK_FALSE(std::filesystem::exists(project_escape));
    // Its own file went away with the private directory.
    CHECK_FALSE(private_dirs_contain(token));
  }
}

TEST_CASE("files outside the sandbox cannot be read", "[sandbox]") {
  auto token = random_token();
  auto secret_dir = std::filesystem::temp_directory_path()
                    / ("kpsynth_secret_" + std::to_string(getpid()));
  std::filesystem::create_directory(secret_dir);
  chmod(secret_dir.c_str(), 0700);
  auto secret = secret_dir / "secret.txt";
  {
    std::ofstream out(secret);
    out << token;
  }
  chmod(secret.c_str(), 0600);
  std::string project_file =
    std::string(KPSYNTH_SOURCE_DIR) + "/CMakeLists.txt";
  for (const auto& s : sandboxes()) {
    INFO(s.name << ": " << s.box->isolation());
    auto r = s.box->run("for path in ['/etc/shadow', '" + secret.string()
                        + "', '" + project_file
                        + "', '/root/.bashrc']:\n"
                          "    try:\n"
                          "        print(open(path).read())\n"
                          "    except OSError as e:\n"
                          "        print('denied', type(e).__name__)\n");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::ok);
    CHECK(r.stdout_text.find(token) == std::string::npos);
    CHECK(r.stdout_text.find("root:") == std::string::npos);
    CHECK(r.stdout_text.find("kpsynth") == std::string::npos);
    CHECK(r.stdout_text.find("denied") != std::string::npos);
  }
  std::filesystem::remove_all(secret_dir);
}

TEST_CASE("forbidden system calls kill the program", "[sandbox]") {
  for (const auto& s : sandboxes()) {
    INFO(s.name << ": " << s.box->isolation());
    if (s.box->isolation().find("seccomp") == std::string::npos)
      continue;
    auto r = s.box->run("import ctypes\n"
                        "ctypes.CDLL(None).ptrace(0, 0, 0, 0)\n"
                        "print('survived')\n");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::blocked_syscall);
    CHECK(r.signal == SIGSYS);
    CHECK(r.stdout_text.empty());
  }
}

TEST_CASE("the program cannot signal the daemon", "[sandbox]") {
  auto pid = std::to_string(getpid());
  for (const auto& s : sandboxes()) {
    INFO(s.name << ": " << s.box->isolation());
    auto r = s.box->run("import os, signal\n"
                        "try:\n"
                        "    os.kill("
                        + pid
                        + ", signal.SIGKILL)\n"
                          "except OSError as e:\n"
                          "    print('denied', type(e).__name__)\n"
                          "try:\n"
                          "    os.kill(-1, signal.SIGKILL)\n"
                          "except OSError:\n"
                          "    pass\n"
                          "print('alone')\n");
    INFO(describe(r));
    CHECK(r.outcome == run_outcome::ok);
    CHECK(r.stdout_text.find("denied") == 0);
    CHECK(r.stdout_text.find("alone") != std::string::npos);
  }
  SUCCEED("the test process is still alive");
}

TEST_CASE("runs from several threads at once stay apart", "[sandbox]") {
  for (const auto& s : sandboxes()) {
    INFO(s.name << ": " << s.box->isolation());
    constexpr int threads = 4;
    constexpr int runs = 3;
    std::vector<std::string> outputs(threads * runs);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        for (int i = 0; i < runs; ++i) {
          int n = t * runs + i;
          auto r = s.box->run("import sys\nprint(int(sys.stdin.read()) * 2)",
                              std::to_string(n));
          outputs[static_cast<std::size_t>(n)] =
            r.outcome == run_outcome::ok ? r.stdout_text : describe(r);
        }
      });
    for (auto& th : pool)
      th.join();
    for (int n = 0; n < threads * runs; ++n)
      CHECK(outputs[static_cast<std::size_t>(n)]
            == std::to_string(n * 2) + "\n");
  }
}

TEST_CASE("runs leak no descriptors or signal state into the caller",
          "[sandbox]") {
  auto count_fds = [] {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd"))
      n += e.path().filename() != "." ? 1 : 0;
    return n;
  };
  sigset_t mask_before;
  sigset_t mask_after;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask_before);
  struct sigaction pipe_before {};
  sigaction(SIGPIPE, nullptr, &pipe_before);
  int fds_before = count_fds();
  for (const auto& s : sandboxes()) {
    s.box->run("print(1)");
    s.box->run("import sys\nsys.stdin.close()\nprint(2)",
               std::string(1 << 20, 'x')); // stdin pipe breaks: SIGPIPE
    s.box->run("import sys\nsys.stdout.write('x' * 10**6)");
  }
  CHECK(count_fds() == fds_before);
  pthread_sigmask(SIG_SETMASK, nullptr, &mask_after);
  for (int sig = 1; sig < 32; ++sig)
    CHECK(sigismember(&mask_before, sig) == sigismember(&mask_after, sig));
  struct sigaction pipe_after {};
  sigaction(SIGPIPE, nullptr, &pipe_after);
  CHECK(pipe_before.sa_handler == pipe_after.sa_handler);
}

TEST_CASE("a root daemon runs programs under a uid of their own", "[sandbox]") {
  if (geteuid() != 0)
    return;
  for (const auto& s : sandboxes()) {
    INFO(s.name << ": " << s.box->isolation());
    auto r = s.box->run("import os\nprint(os.getuid())");
    INFO(describe(r));
    REQUIRE(r.outcome == run_outcome::ok);
    CHECK(r.stdout_text != "0\n");
  }
}
