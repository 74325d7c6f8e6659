// `kpsynth run` against hostile surroundings, with the real binary: a second
// process on the same output directory, a disk that fills up, a missing or
// useless seed file, malformed endpoint URLs. Each must end promptly with a
// clear error and a non-zero exit, and lose nothing already written.

#include "tests/fixtures/cli.hpp"

using namespace kpsynth::fixtures::cli;

namespace {

/// Waits until `file` has at least `n` lines while `p` runs.
void wait_lines(process& p, const fs::path& file, size_t n) {
  auto end = std::chrono::steady_clock::now() + 60s;
  while (count_lines(file) < n) {
    INFO(p.output());
    REQUIRE_FALSE(p.poll());
    REQUIRE(std::chrono::steady_clock::now() < end);
    std::this_thread::sleep_for(5ms);
  }
}

/// Every id of `file` once, and `n` of them.
void check_complete(const fs::path& file, size_t n) {
  auto ids = item_ids(file);
  CHECK(ids.size() == n);
  std::sort(ids.begin(), ids.end());
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
}

/// `job` with the judge's endpoint on a port nothing listens on, plus
/// `settings` in the judge's model table.
std::string judge_down(std::string job, const std::string& settings) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  auto from = std::string{"[models.judge-a]\nendpoints = [\"sim\"]"};
  auto at = job.find(from);
  REQUIRE(at != std::string::npos);
  job.replace(at, from.size(),
              "[models.judge-a]\nendpoints = [\"http://127.0.0.1:"
                + std::to_string(ntohs(a.sin_port)) + "/v1\"]\n" + settings);
  return job;
}

} // namespace

TEST_CASE("a second run on the same output directory is refused naming the "
          "holder's pid") {
  constexpr size_t max_items = 30;
  temp_dir dir;
  dir.write("job.toml", job_config(max_items, 4.0));
  dir.write("seeds.jsonl", sample_seeds(20));
  auto job = (dir.path / "job.toml").string();
  auto items = dir.path / "out/items.jsonl";
  process first{{"run", "-q", job}, dir.path / "log1.txt"};
  wait_lines(first, items, 1);
  auto [code, out] = run({"run", "-q", job}, dir.path / "log2.txt", 30s);
  INFO(out);
  CHECK(code == 2);
  CHECK_THAT(out, Catch::Contains("in use by another kpsynth process (pid "
                                  + std::to_string(first.pid()) + ")"));
  // The first run is undisturbed: every item once, no torn line.
  CHECK(first.wait(120s) == 0);
  check_complete(items, max_items);
}

TEST_CASE("a disk that fills up stops the run non-zero and loses nothing") {
  constexpr size_t max_items = 20;
  temp_dir dir;
  dir.write("job.toml", job_config(max_items, 0.5));
  dir.write("seeds.jsonl", sample_seeds(10));
  auto job = (dir.path / "job.toml").string();
  auto items = dir.path / "out/items.jsonl";
  {
    // Every file of the process may grow to 24 KiB: items.jsonl fills first.
    process full{{"run", "-q", job}, dir.path / "log1.txt", 24 * 1024};
    auto code = full.wait(60s);
    auto out = full.output();
    INFO(out);
    CHECK(code == 1);
    CHECK_THAT(out, Catch::Contains("cannot write: File too large"));
    CHECK_THAT(out, Catch::Contains("FAILED"));
    CHECK(count_lines(items) < max_items);
  }
  // Nothing torn was left, and the rerun with space completes the job.
  auto before = item_ids(items).size();
  auto [code, out] = run({"run", "-q", job}, dir.path / "log2.txt", 120s);
  INFO("items before the rerun: " << before << "\n" << out);
  CHECK(code == 0);
  check_complete(items, max_items);
}

TEST_CASE("a missing seed file is an error naming it, without a hang") {
  temp_dir dir;
  dir.write("job.toml", job_config(10, 1.0));
  auto [code, out] =
    run({"run", (dir.path / "job.toml").string()}, dir.path / "log.txt", 20s);
  INFO(out);
  CHECK(code == 2);
  CHECK_THAT(out, Catch::Contains((dir.path / "seeds.jsonl").string()
                                  + ": cannot open seed file"));
}

TEST_CASE("seed input without a single seed is an error naming the file") {
  struct input {
    std::string name, text, says;
  };
  auto in = GENERATE(input{"empty", "", "no seed problems"},
                     input{"blank", "\n  \n\n", "no seed problems"},
                     input{"garbage", "not json\n{\"problem\": 1}\n[]\n",
                           "all 3 non-blank line(s) are malformed"},
                     input{"directory", "", "is a directory"});
  INFO(in.name);
  temp_dir dir;
  dir.write("job.toml", job_config(10, 1.0));
  if (in.name == "directory")
    fs::create_directories(dir.path / "seeds.jsonl");
  else
    dir.write("seeds.jsonl", in.text);
  auto [code, out] =
    run({"run", (dir.path / "job.toml").string()}, dir.path / "log.txt", 20s);
  INFO(out);
  CHECK(code == 2);
  CHECK_THAT(out, Catch::Contains((dir.path / "seeds.jsonl").string() + ": "));
  CHECK_THAT(out, Catch::Contains(in.says));
}

TEST_CASE("a malformed endpoint URL is a configuration error naming the key") {
  auto url = GENERATE(std::string{"127.0.0.1:8000/v1"},
                      std::string{"http//host:8000/v1"},
                      std::string{"http://127.0.0.1:99999/v1"});
  INFO(url);
  temp_dir dir;
  auto text = job_config(10, 1.0);
  auto from = std::string{"[models.m]\nendpoints = [\"sim\"]"};
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), "[models.m]\nendpoints = [\"" + url + "\"]");
  auto line = 2 + std::count(text.begin(), text.begin() + at, '\n');
  dir.write("job.toml", text);
  dir.write("seeds.jsonl", sample_seeds(3));
  auto file = (dir.path / "job.toml").string();
  auto [code, out] = run({"run", file}, dir.path / "log.txt", 20s);
  INFO(out);
  CHECK(code == 2);
  CHECK_THAT(out, Catch::Contains(file + ":" + std::to_string(line)
                                  + ": models.m.endpoints[0]"));
  CHECK_THAT(out, Catch::Contains("invalid URL"));
}

TEST_CASE("SIGTERM ends a running job promptly with exit code 130") {
  temp_dir dir;
  dir.write("job.toml", job_config(60, 6.0));
  dir.write("seeds.jsonl", sample_seeds(20));
  process p{{"run", "-q", (dir.path / "job.toml").string()},
            dir.path / "log.txt"};
  wait_lines(p, dir.path / "out/seeds.jsonl", 1);
  p.signal(SIGTERM);
  CHECK(p.wait(20s) == 130);
  CHECK_THAT(p.output(), Catch::Contains("interrupted"));
}

TEST_CASE("a rerun retries what failed while a server was down") {
  constexpr size_t max_items = 12;
  temp_dir dir;
  auto good = job_config(max_items, 0.5);
  // The judge's server is down during the first run: a port nothing
  // listens on, few quick retries, and a short deadline (with every
  // breaker open, calls wait in the pool until their deadline).
  auto down = judge_down(good, "max_attempts = 2\nbackoff_base_ms = 10\n"
                               "backoff_cap_ms = 20\nconnect_timeout_ms = "
                               "500\nrequest_timeout_ms = 1000");
  dir.write("down.toml", down);
  dir.write("job.toml", good);
  dir.write("seeds.jsonl", sample_seeds(10));
  auto items = dir.path / "out/items.jsonl";
  auto [code1, out1] = run({"run", "-q", (dir.path / "down.toml").string()},
                           dir.path / "log1.txt", 120s);
  INFO(out1);
  REQUIRE(code1 == 0);
  std::smatch m;
  std::regex transient{R"(failures:   items (\d+) transient)"};
  REQUIRE(std::regex_search(out1, m, transient));
  auto failed = m[1].str();
  CHECK(std::stoul(failed) > 0);
  REQUIRE(item_ids(items).size() == max_items);

  auto [code2, out2] = run({"run", "-q", (dir.path / "job.toml").string()},
                           dir.path / "log2.txt", 120s);
  INFO(out2);
  CHECK(code2 == 0);
  CHECK_THAT(out2, Catch::Contains("retrying " + failed
                                   + " item(s) that failed for transient "
                                     "reasons (no_vote: "
                                   + failed + ")"));
  check_complete(items, max_items);
  if (std::regex_search(out2, m, transient))
    CHECK(m[1].str() == "0");
  CHECK(read_file(items).find("\"no_vote\"") == std::string::npos);
}

TEST_CASE("a model whose every endpoint is down stops the job within seconds") {
  temp_dir dir;
  auto job = judge_down(job_config(12, 0.5), "");
  auto at = job.find("sync_every = 4");
  REQUIRE(at != std::string::npos);
  job.insert(at, "model_down_timeout_s = 2\n");
  dir.write("job.toml", job);
  dir.write("seeds.jsonl", sample_seeds(10));
  // Without the watch every item waits out the judge's 600 s deadline.
  auto [code, out] = run({"run", "-q", (dir.path / "job.toml").string()},
                         dir.path / "log.txt", 60s);
  INFO(out);
  CHECK(code == 1);
  CHECK_THAT(out, Catch::Contains("every endpoint of model 'judge-a' has "
                                  "been down for"));
  CHECK_THAT(out, Catch::Contains("http://127.0.0.1:"));
}
