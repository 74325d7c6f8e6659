// Runs per second of a trivial program under each sandbox backend, next to
// a bare posix_spawn of the same interpreter (the cost of python itself).
//
//   kpsynth_bench_sandbox [runs]      (default 40 runs per configuration)

#include "sandbox/sandbox.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <functional>
#include <spawn.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

using kpsynth::quality::run_outcome;
using kpsynth::quality::sandbox;
using kpsynth::quality::sandbox_backend;
using kpsynth::quality::sandbox_options;
using clock_type = std::chrono::steady_clock;

struct figures {
  double runs_per_second = 0;
  double p50_ms = 0;
  double p95_ms = 0;
  int failures = 0;
};

figures measure(int runs, int threads, const std::function<bool()>& once) {
  std::vector<double> latencies;
  std::vector<std::vector<double>> per_thread(threads);
  std::vector<int> failures(threads, 0);
  auto start = clock_type::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = t; i < runs; i += threads) {
        auto begin = clock_type::now();
        if (!once())
          ++failures[t];
        per_thread[t].push_back(
          std::chrono::duration<double, std::milli>(clock_type::now() - begin)
            .count());
      }
    });
  for (auto& th : pool)
    th.join();
  double seconds =
    std::chrono::duration<double>(clock_type::now() - start).count();
  figures f;
  for (int t = 0; t < threads; ++t) {
    latencies.insert(latencies.end(), per_thread[t].begin(),
                     per_thread[t].end());
    f.failures += failures[t];
  }
  std::sort(latencies.begin(), latencies.end());
  f.runs_per_second = runs / seconds;
  f.p50_ms = latencies[latencies.size() / 2];
  f.p95_ms = latencies[latencies.size() * 95 / 100];
  return f;
}

void print(const std::string& name, int threads, const figures& f) {
  std::printf("%-34s threads=%d  %7.1f runs/s  p50 %6.1f ms  p95 %6.1f ms"
              "  failures %d\n",
              name.c_str(), threads, f.runs_per_second, f.p50_ms, f.p95_ms,
              f.failures);
}

/// The interpreter's real binary, as the sandbox resolves it.
std::string real_python(const std::string& python) {
  std::string command =
    python + " -S -c 'import sys; print(sys.executable)' 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr)
    return {};
  char line[4096] = {};
  bool got = std::fgets(line, sizeof line, pipe) != nullptr;
  pclose(pipe);
  std::string path = got ? line : "";
  while (!path.empty() && (path.back() == '\n' || path.back() == ' '))
    path.pop_back();
  return path;
}

/// `python -S -s -B -c "print(1)"` with no isolation at all.
bool bare_run(const std::string& python) {
  std::string exe = python;
  std::string no_site = "-S";
  std::string no_user = "-s";
  std::string no_pyc = "-B";
  std::string c = "-c";
  std::string code = "print(1)";
  char* argv[] = {exe.data(), no_site.data(), no_user.data(), no_pyc.data(),
                  c.data(),   code.data(),    nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    return false;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

} // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::max(4, std::atoi(argv[1])) : 40;
  std::printf("sandbox bench: %d runs of print(1) per line, %u cores\n", runs,
              std::thread::hardware_concurrency());
  sandbox_options defaults;
  auto python = real_python(defaults.python);
  if (!python.empty()) {
    auto bare = [&python] { return bare_run(python); };
    bare();
    std::printf("baseline: %s without any sandbox\n", python.c_str());
    print("bare", 1, measure(runs, 1, bare));
    print("bare", 2, measure(runs, 2, bare));
  }
  bool any = false;
  for (auto backend : {sandbox_backend::native, sandbox_backend::bubblewrap}) {
    sandbox_options o;
    o.backend = backend;
    auto made = sandbox::create(o);
    const char* label =
      backend == sandbox_backend::native ? "native" : "bubblewrap";
    if (!made) {
      std::printf("%s: unavailable: %s\n", label,
                  made.error().to_string().c_str());
      continue;
    }
    any = true;
    const sandbox& box = *made;
    auto once = [&box] {
      auto r = box.run("print(1)");
      return r.outcome == run_outcome::ok && r.stdout_text == "1\n";
    };
    for (int i = 0; i < 3; ++i) // warm up
      once();
    std::printf("%s isolation: %s\n", label,
                std::string(box.isolation()).c_str());
    print(label, 1, measure(runs, 1, once));
    print(label, 2, measure(runs, 2, once));
  }
  return any ? 0 : 1;
}
