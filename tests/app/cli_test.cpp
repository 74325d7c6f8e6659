// Runs the real `kpsynth` binary: exit codes, error output, a complete tiny
// run, crash recovery after kill -9, and the stand-alone simulator.

#include "protocols/records.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <signal.h>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

/// The binary under test: given by the build, else next to the test's build
/// tree (<build>/tests/<test> -> <build>/app/kpsynth).
fs::path binary() {
#ifdef KPSYNTH_BINARY
  return KPSYNTH_BINARY;
#else
  return fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "app"
         / "kpsynth";
#endif
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A private temporary directory, removed at the end of the test.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string templ = (fs::temp_directory_path() / "kpsynth_cli_XXXXXX");
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    path = templ;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream out(path / name, std::ios::binary);
    out << text;
  }
};

/// A child process running the binary with stdout and stderr in a file.
class process {
 public:
  process(const std::vector<std::string>& args, fs::path log)
    : log_(std::move(log)) {
    // Everything the child needs is prepared before fork: after it, only
    // async-signal-safe calls are allowed.
    auto exe = binary().string();
    REQUIRE(fs::exists(exe));
    std::vector<std::string> all{exe};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    auto log_path = log_.string();
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0)
        ::_exit(126);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execv(exe.c_str(), argv.data());
      ::_exit(127);
    }
  }

  ~process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  process(const process&) = delete;
  process& operator=(const process&) = delete;

  /// Exit code, or minus the signal that ended it. Fails the test (and kills
  /// the child) if it runs past `limit`.
  int wait(std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
      if (auto code = poll())
        return *code;
      if (std::chrono::steady_clock::now() > end) {
        INFO(output());
        FAIL("kpsynth did not exit in time");
      }
      std::this_thread::sleep_for(10ms);
    }
  }

  /// The exit status if the child has ended.
  std::optional<int> poll() {
    int status = 0;
    auto r = ::waitpid(pid_, &status, WNOHANG);
    REQUIRE(r >= 0);
    if (r == 0)
      return std::nullopt;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  void signal(int sig) const {
    REQUIRE(pid_ > 0);
    REQUIRE(::kill(pid_, sig) == 0);
  }

  std::string output() const { return read_file(log_); }

 private:
  fs::path log_;
  pid_t pid_ = -1;
};

/// Runs the binary to completion.
std::pair<int, std::string> run(const std::vector<std::string>& args,
                                const fs::path& log,
                                std::chrono::milliseconds limit = 60s) {
  process p{args, log};
  auto code = p.wait(limit);
  return {code, p.output()};
}

/// The first `n` seeds of the sample bundled with the repository.
std::string sample_seeds(size_t n) {
  std::ifstream in(fs::path{KPSYNTH_SOURCE_DIR}
                   / "data/seeds/math_train_sample.jsonl");
  REQUIRE(in);
  std::string out;
  std::string line;
  for (size_t i = 0; i < n && std::getline(in, line); ++i)
    out += line + "\n";
  return out;
}

/// A job against the built-in simulator with `max_items` items.
std::string job_config(uint64_t max_items, double itl_ms) {
  return "[run]\n"
         "seeds = \"seeds.jsonl\"\n"
         "output_dir = \"out\"\n"
         "prompts = \""
         + (fs::path{KPSYNTH_SOURCE_DIR} / "prompts/math").string()
         + "\"\n"
           "max_items = "
         + std::to_string(max_items)
         + "\n"
           "progress_interval_s = 0.2\n"
           "sync_every = 4\n"
           "\n"
           "[simulator]\n"
           "profile = \"7b-h100\"\n"
           "overrides = { itl_ms = "
         + std::to_string(itl_ms)
         + ", ttft_ms = 2.0 }\n"
           "\n"
           "[simulator.judges.judge-a]\n"
           "accuracy = 0.9\n"
           "\n"
           "[models.m]\n"
           "endpoints = [\"sim\"]\n"
           "\n"
           "[models.judge-a]\n"
           "endpoints = [\"sim\"]\n"
           "\n"
           "[stages.extract]\n"
           "model = \"m\"\n"
           "\n"
           "[stages.generate]\n"
           "model = \"m\"\n"
           "\n"
           "[stages.solve]\n"
           "model = \"m\"\n"
           "\n"
           "[[panel]]\n"
           "model = \"judge-a\"\n"
           "\n"
           "[decontam]\n"
           "enabled = false\n"
           "\n"
           "[caf]\n"
           "\"scheduler.max-threads\" = 2\n";
}

/// Ids of every line of an items file; every line must be a record.
std::vector<std::string> item_ids(const fs::path& file) {
  std::vector<std::string> ids;
  std::ifstream in(file, std::ios::binary);
  std::string line;
  uint64_t n = 0;
  while (std::getline(in, line)) {
    auto x =
      kpsynth::parse_item_line(line, "items.jsonl:" + std::to_string(++n));
    INFO((x ? "" : x.error().to_string()));
    REQUIRE(x);
    ids.push_back(x->id);
  }
  return ids;
}

size_t count_lines(const fs::path& file) {
  auto text = read_file(file);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

/// Sends one request over a fresh connection and returns the raw response.
std::string http_exchange(uint16_t port, const std::string& req) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL)
          == static_cast<ssize_t>(req.size()));
  std::string out;
  char buf[4096];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string http_get(uint16_t port, const std::string& target) {
  return http_exchange(port, "GET " + target
                               + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 "Connection: close\r\n\r\n");
}

std::string http_post(uint16_t port, const std::string& target,
                      const std::string& body) {
  return http_exchange(port, "POST " + target
                               + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 "Connection: close\r\nContent-Type: "
                                 "application/json\r\nContent-Length: "
                               + std::to_string(body.size()) + "\r\n\r\n"
                               + body);
}

/// Waits for the log line of `kpsynth sim` and returns the port it names.
uint16_t wait_listening(process& sim) {
  std::regex listening{R"(listening on http://127\.0\.0\.1:(\d+)/v1)"};
  std::smatch m;
  std::string out;
  auto end = std::chrono::steady_clock::now() + 20s;
  for (;;) {
    out = sim.output();
    if (std::regex_search(out, m, listening))
      break;
    INFO(out);
    REQUIRE_FALSE(sim.poll());
    REQUIRE(std::chrono::steady_clock::now() < end);
    std::this_thread::sleep_for(5ms);
  }
  return static_cast<uint16_t>(std::stoi(m[1].str()));
}

} // namespace

TEST_CASE("kpsynth run with a bad config exits non-zero naming file:line") {
  temp_dir dir;
  auto text = job_config(10, 1.0);
  auto at = text.find("sync_every = 4");
  REQUIRE(at != std::string::npos);
  text.replace(at, 14, "sync_evry = 4");
  auto line = 1 + std::count(text.begin(), text.begin() + at, '\n');
  dir.write("job.toml", text);
  dir.write("seeds.jsonl", sample_seeds(3));
  auto file = (dir.path / "job.toml").string();
  auto [code, out] = run({"run", file}, dir.path / "log.txt");
  INFO(out);
  CHECK(code == 2);
  CHECK_THAT(out, Catch::Contains(file + ":" + std::to_string(line)));
  CHECK_THAT(out, Catch::Contains("run.sync_evry"));
  CHECK_FALSE(fs::exists(dir.path / "out"));
}

TEST_CASE("kpsynth run without a config file fails with usage") {
  temp_dir dir;
  auto [code, out] =
    run({"run", (dir.path / "missing.toml").string()}, dir.path / "log.txt");
  CHECK(code != 0);
  CHECK_THAT(out, Catch::Contains("missing.toml"));
}

TEST_CASE("kpsynth run of a tiny job writes every item and a summary") {
  temp_dir dir;
  dir.write("job.toml", job_config(10, 0.5));
  dir.write("seeds.jsonl", sample_seeds(10));
  auto [code, out] =
    run({"run", (dir.path / "job.toml").string()}, dir.path / "log.txt");
  INFO(out);
  REQUIRE(code == 0);
  CHECK_THAT(out, Catch::Contains("== kpsynth summary =="));
  CHECK_THAT(out, Catch::Contains("10 extracted"));
  CHECK_THAT(out, Catch::Contains("items:      10 total"));
  auto ids = item_ids(dir.path / "out/items.jsonl");
  CHECK(ids.size() == 10);
  std::sort(ids.begin(), ids.end());
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  CHECK(count_lines(dir.path / "out/seeds.jsonl") == 10);
  CHECK(fs::exists(dir.path / "out/knowledge_points.jsonl"));

  // Running the finished job again does nothing twice.
  auto [again, out2] =
    run({"run", (dir.path / "job.toml").string()}, dir.path / "log2.txt");
  INFO(out2);
  CHECK(again == 0);
  CHECK_THAT(out2, Catch::Contains("resuming"));
  CHECK(item_ids(dir.path / "out/items.jsonl").size() == 10);
}

TEST_CASE("a run killed with SIGKILL resumes without loss or duplicates") {
  constexpr size_t max_items = 60;
  temp_dir dir;
  dir.write("job.toml", job_config(max_items, 6.0));
  dir.write("seeds.jsonl", sample_seeds(30));
  auto items = dir.path / "out/items.jsonl";
  auto job = (dir.path / "job.toml").string();
  size_t before_kill = 0;
  {
    process first{{"run", "-q", job}, dir.path / "log1.txt"};
    // Kill it once some items are written, in the middle of the run.
    auto end = std::chrono::steady_clock::now() + 60s;
    while ((before_kill = count_lines(items)) < 5) {
      REQUIRE_FALSE(first.poll());
      REQUIRE(std::chrono::steady_clock::now() < end);
      std::this_thread::sleep_for(5ms);
    }
    first.signal(SIGKILL);
    CHECK(first.wait(10s) == -SIGKILL);
  }
  auto survived = count_lines(items);
  INFO("lines before the kill: " << before_kill << ", after: " << survived);
  REQUIRE(survived < max_items); // the kill came mid-run

  auto [code, out] = run({"run", "-q", job}, dir.path / "log2.txt", 120s);
  INFO(out);
  REQUIRE(code == 0);
  CHECK_THAT(out, Catch::Contains("resuming"));
  auto ids = item_ids(items);
  CHECK(ids.size() == max_items);
  std::sort(ids.begin(), ids.end());
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
}

const std::string two_choices = R"({"model": "m", "n": 2, "max_tokens": 20,)"
                                R"( "messages": [{"role": "user",)"
                                R"( "content": "What is 1 + 1?"}]})";

TEST_CASE("kpsynth sim --port 0 serves /health and stops on SIGTERM") {
  temp_dir dir;
  process sim{{"sim", "--port", "0", "--profile", "zero"},
              dir.path / "log.txt"};
  // The log line names the port that was picked.
  auto port = wait_listening(sim);
  CHECK(port != 0);
  auto health = http_get(port, "/health");
  CHECK_THAT(health, Catch::StartsWith("HTTP/1.1 200"));
  auto models = http_get(port, "/v1/models");
  CHECK_THAT(models, Catch::Contains("sim-zero"));
  CHECK_THAT(http_get(port, "/metrics"), Catch::StartsWith("HTTP/1.1 200"));
  auto two = http_post(port, "/v1/chat/completions", two_choices);
  CHECK_THAT(two, Catch::StartsWith("HTTP/1.1 200"));

  sim.signal(SIGTERM);
  CHECK(sim.wait(10s) == 0);
  CHECK_THAT(sim.output(), Catch::Contains("stopping:"));
}

TEST_CASE("kpsynth sim with a bad config file names file:line") {
  temp_dir dir;
  dir.write("sim.toml", "[simulator]\nprofile = 7\n");
  auto file = (dir.path / "sim.toml").string();
  auto [code, out] =
    run({"sim", "--config", file, "--port", "0"}, dir.path / "log.txt");
  INFO(out);
  CHECK(code == 2);
  CHECK_THAT(out, Catch::Contains(file + ":2"));
  CHECK_THAT(out, Catch::Contains("simulator.profile"));
}

TEST_CASE("kpsynth sim --refuse-n --no-metrics emulates a llama.cpp server") {
  temp_dir dir;
  process sim{
    {"sim", "--port", "0", "--profile", "zero", "--refuse-n", "--no-metrics"},
    dir.path / "log.txt"};
  auto port = wait_listening(sim);
  CHECK_THAT(http_get(port, "/metrics"), Catch::StartsWith("HTTP/1.1 404"));
  auto two = http_post(port, "/v1/chat/completions", two_choices);
  CHECK_THAT(two, Catch::StartsWith("HTTP/1.1 500"));
  CHECK_THAT(two, Catch::Contains("Only one completion choice"));
  sim.signal(SIGINT);
  CHECK(sim.wait(10s) == 0);
}

TEST_CASE("bad simulator settings in a job name the file and the key") {
  struct bad_setting {
    std::string from, to, key;
  };
  auto b = GENERATE(
    bad_setting{"itl_ms = 1.000000,", "max_num_seqs = -1.0, itl_ms = 1.0,",
                "simulator.overrides.max_num_seqs"},
    bad_setting{"itl_ms = 1.000000,", "speed = 2.0, itl_ms = 1.0,",
                "simulator.overrides.speed"},
    bad_setting{"itl_ms = 1.000000,", "max_num_seqs = 0.0, itl_ms = 1.0,",
                "simulator.overrides"},
    bad_setting{"profile = \"7b-h100\"", "profile = \"7b-a100\"",
                "simulator.profile"},
    bad_setting{"profile = \"7b-h100\"",
                "profile = \"7b-h100\"\nfaults = { http_502 = 0.1 }",
                "simulator.faults.http_502"});
  INFO(b.to);
  temp_dir dir;
  auto text = job_config(10, 1.0);
  auto at = text.find(b.from);
  REQUIRE(at != std::string::npos);
  text.replace(at, b.from.size(), b.to);
  dir.write("job.toml", text);
  dir.write("seeds.jsonl", sample_seeds(3));
  auto file = (dir.path / "job.toml").string();
  auto [code, out] = run({"run", file}, dir.path / "log.txt");
  INFO(out);
  CHECK(code == 2);
  CHECK_THAT(out, Catch::Contains(file + ": " + b.key));
}
