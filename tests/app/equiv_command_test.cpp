// `kpsynth equiv`: answers that start with '-' need no "--", and the
// binary's verdict and exit code for them.

#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

struct run_result {
  int code = -1;
  std::string output;
};

/// Runs the binary with a 20 s limit; stdout and stderr in one string.
run_result run_binary(const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  auto log = fs::temp_directory_path()
             / ("kpsynth_equiv_" + std::to_string(::getpid()) + ".log");
  std::vector<std::string> all{KPSYNTH_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  REQUIRE(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ)
          == 0);
  posix_spawn_file_actions_destroy(&actions);
  run_result result;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > end) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL("kpsynth equiv did not exit in 20 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in{log};
  std::stringstream text;
  text << in.rdbuf();
  result.output = text.str();
  fs::remove(log);
  return result;
}

} // namespace

TEST_CASE("kpsynth equiv -7/4 '-\\frac{7}{4}' says equal without '--'") {
  auto r = run_binary({"equiv", "-7/4", "-\\frac{7}{4}"});
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(r.output.starts_with("equal"));
  auto differ = run_binary({"equiv", "-7/4", "7/4"});
  CHECK(differ.code == 1);
}

TEST_CASE("options of equiv still work beside operands that start with '-'") {
  auto ordered = run_binary({"equiv", "--ordered", "-1, 2", "2, -1"});
  INFO(ordered.output);
  CHECK(ordered.code == 1);
  auto budget = run_binary({"equiv", "-2", "--budget-ms", "50", "-4/2"});
  INFO(budget.output);
  CHECK(budget.code == 0);
  // An explicit "--" keeps working.
  CHECK(run_binary({"equiv", "--", "-1", "-1.0"}).code == 0);
  // Other subcommands are parsed as before.
  CHECK(run_binary({"run", "--no-such-option"}).code != 0);
}
