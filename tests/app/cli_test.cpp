// Runs the real `kpsynth` binary: exit codes, error output, a complete tiny
// run, crash recovery after kill -9, and the stand-alone simulator.

#include "tests/fixtures/cli.hpp"

using namespace kpsynth::fixtures::cli;

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
