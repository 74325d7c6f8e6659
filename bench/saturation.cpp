// Saturation benchmark: does the client keep a server saturated without
// being told its capacity? Fixed concurrencies against the adaptive
// controller, on the simulator (a fresh one per run, forked, so that this
// process's CPU time is the client's alone) or on any external
// OpenAI-compatible server (`--url`). Each mode runs `--repeat` times,
// interleaved, and the table shows min/median/max of every run.

#include "bench/saturation.hpp"

#include "app/commands.hpp"
#include "core/prompt_pack.hpp"
#include "sim/profiles.hpp"
#include "sim/server.hpp"

#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <csignal>
#include <cstdlib>
#include <map>
#include <unistd.h>

namespace {

using namespace kpsynth;
using bench::run_result;

constexpr const char* usage = R"(usage: kpsynth_bench_saturation [options]

Fixed concurrency limits against the adaptive controller, each mode run
--repeat times (interleaved); prints min/median/max per mode.

  --url URL          external server base URL (e.g. http://127.0.0.1:8080/v1);
                     without it each run starts a simulator (--profile)
  --model NAME       model name sent to the server (default math-7b)
  --profile NAME     simulator profile (default 7b-h100)
  --modes LIST       comma-separated: adaptive or a fixed limit
                     (default adaptive,64,256,1024)
  --repeat N         runs per mode (default 3)
  --warmup S         seconds before measuring (default 45)
  --measure S        least seconds measured (default 60); grows to 20 mean
                     request times seen in warm-up, up to --max-measure
  --max-measure S    cap on the measure window (default 600)
  --max-tokens N     max_tokens per request (default 1024)
  --prompt TEXT      the user message (default: the math pack's solve prompt)
  --zero S           seconds per client-overhead run on the zero profile
                     (simulator only; default 10, 0 skips)
  --expect-limit-max N   exit 1 if the adaptive limit ever exceeded N
  --expect-ratio R   exit 1 if median adaptive tokens/s < R x the best fixed
  --help             this text
)";

struct cli {
  std::string url, model = "math-7b", profile = "7b-h100", prompt;
  std::string modes = "adaptive,64,256,1024";
  int repeat = 3;
  double warmup = 45, measure = 60, max_measure = 600, zero_s = 10;
  uint32_t max_tokens = 1024, expect_limit_max = 0;
  double expect_ratio = 0;
};

/// Parses the command line; exits 0 on --help, 2 on anything unknown.
cli parse_cli(int argc, char** argv) {
  cli c;
  std::map<std::string, std::function<void(const std::string&)>> opts = {
    {"--url", [&](auto& v) { c.url = v; }},
    {"--model", [&](auto& v) { c.model = v; }},
    {"--profile", [&](auto& v) { c.profile = v; }},
    {"--modes", [&](auto& v) { c.modes = v; }},
    {"--prompt", [&](auto& v) { c.prompt = v; }},
    {"--repeat", [&](auto& v) { c.repeat = std::stoi(v); }},
    {"--warmup", [&](auto& v) { c.warmup = std::stod(v); }},
    {"--measure", [&](auto& v) { c.measure = std::stod(v); }},
    {"--max-measure", [&](auto& v) { c.max_measure = std::stod(v); }},
    {"--zero", [&](auto& v) { c.zero_s = std::stod(v); }},
    {"--max-tokens",
     [&](auto& v) { c.max_tokens = static_cast<uint32_t>(std::stoul(v)); }},
    {"--expect-limit-max",
     [&](auto& v) {
       c.expect_limit_max = static_cast<uint32_t>(std::stoul(v));
     }},
    {"--expect-ratio", [&](auto& v) { c.expect_ratio = std::stod(v); }},
  };
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--help" || k == "-h") {
      fmt::print("{}", usage);
      std::exit(0);
    }
    auto it = opts.find(k);
    if (it == opts.end() || i + 1 >= argc) {
      fmt::print(stderr, "kpsynth_bench_saturation: {} '{}'\n{}",
                 it == opts.end() ? "unknown option" : "missing value for", k,
                 usage);
      std::exit(2);
    }
    try {
      it->second(argv[++i]);
    } catch (const std::exception&) {
      fmt::print(stderr, "kpsynth_bench_saturation: bad value '{}' for {}\n",
                 argv[i], k);
      std::exit(2);
    }
  }
  if (c.repeat < 1 || c.warmup < 0 || c.measure <= 0) {
    fmt::print(stderr, "kpsynth_bench_saturation: --repeat must be >= 1, "
                       "--warmup >= 0, --measure > 0\n");
    std::exit(2);
  }
  return c;
}

/// Runs a simulator in a child process; returns its pid and port.
std::pair<pid_t, uint16_t> fork_simulator(const std::string& profile) {
  int ports[2];
  int stop[2];
  if (pipe(ports) != 0 || pipe(stop) != 0)
    throw std::runtime_error("pipe failed");
  auto pid = fork();
  if (pid == 0) {
    close(ports[0]);
    close(stop[1]);
    net::io_runtime io{1};
    config::simulator_config sc;
    sc.profile = profile;
    auto srv = app::start_simulator(io, sc);
    uint16_t port = srv ? (*srv)->port() : 0;
    if (write(ports[1], &port, sizeof(port)) != sizeof(port))
      _exit(1);
    char ch;
    while (read(stop[0], &ch, 1) > 0) {
    }
    _exit(0);
  }
  close(ports[1]);
  close(stop[0]);
  uint16_t port = 0;
  if (read(ports[0], &port, sizeof(port)) != sizeof(port) || port == 0)
    throw std::runtime_error("simulator child failed to start");
  close(ports[0]);
  return {pid, port};
}

/// One run of one mode, on a fresh simulator or the external server.
run_result run_mode(const cli& c, const std::string& profile, uint32_t fixed,
                    bool stream, double warmup, double measure,
                    const llm_call& call) {
  bench::run_options o;
  o.fixed = fixed;
  o.stream = stream;
  o.warmup_s = warmup;
  o.measure_s = measure;
  o.model = c.model;
  o.max_window_s = std::max(measure, c.max_measure);
  if (!c.url.empty()) {
    o.url = c.url;
    auto u = net::url::parse(c.url);
    o.root = u ? fmt::format("{}://{}:{}", u->scheme, u->host, u->port) : "";
    if (!bench::wait_drained(o.root, 120))
      fmt::print("warning: {} still busy after 120 s\n", o.root);
    return bench::run_once(o, call);
  }
  auto [pid, port] = fork_simulator(profile);
  o.root = fmt::format("http://127.0.0.1:{}", port);
  o.url = o.root + "/v1";
  auto r = bench::run_once(o, call);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return r;
}

/// min / median / max of one figure over the runs.
std::string spread(std::vector<run_result> rs, double run_result::*f,
                   int precision) {
  std::sort(rs.begin(), rs.end(),
            [f](auto& a, auto& b) { return a.*f < b.*f; });
  return fmt::format("{:.{}f}/{:.{}f}/{:.{}f}", rs.front().*f, precision,
                     rs[rs.size() / 2].*f, precision, rs.back().*f, precision);
}

double median(std::vector<run_result> rs, double run_result::*f) {
  std::sort(rs.begin(), rs.end(),
            [f](auto& a, auto& b) { return a.*f < b.*f; });
  return rs[rs.size() / 2].*f;
}

void print(
  const std::vector<std::pair<std::string, std::vector<run_result>>>& table) {
  fmt::print("{:<14} {:>22} {:>22} {:>20} {:>8} {:>8} {:>9} {:>5} {:>6} "
             "{:>6}\n",
             "mode (min/med/max)", "gen tok/s", "server tok/s", "p99 ms",
             "req/s", "busy %", "cpu us/rq", "lim^", "errors", "win s");
  for (auto& [name, rs] : table) {
    uint32_t lim = 0;
    uint64_t errors = 0;
    for (auto& r : rs) {
      lim = std::max(lim, r.limit_max);
      errors += r.errors;
    }
    fmt::print("{:<14} {:>22} {:>22} {:>20} {:>8.1f} {:>8.1f} {:>9.0f} {:>5} "
               "{:>6} {:>6.0f}\n",
               name, spread(rs, &run_result::tok_s, 0),
               spread(rs, &run_result::server_tok_s, 0),
               spread(rs, &run_result::p99, 0), median(rs, &run_result::rps),
               median(rs, &run_result::busy_pct),
               median(rs, &run_result::cpu_us), lim, errors,
               median(rs, &run_result::window_s));
  }
}

} // namespace

int main(int argc, char** argv) {
  auto c = parse_cli(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  if (auto* d = std::getenv("KPSYNTH_DEBUG"))
    spdlog::set_level(d[0] == 't' ? spdlog::level::trace
                                  : spdlog::level::debug);
  std::string text = c.prompt;
  if (text.empty()) {
    // A realistic call: a solution to a generated problem.
    auto pack = core::load_prompt_pack(KPSYNTH_SOURCE_DIR "/prompts/math");
    if (!pack) {
      fmt::print(stderr, "{}\n", pack.error().to_string());
      return 1;
    }
    auto rendered = pack->render(
      "solve", {{"problem", "Let a = 12 and b = 7. What is 3a + 2b?"}});
    if (!rendered) {
      fmt::print(stderr, "{}\n", rendered.error().to_string());
      return 1;
    }
    text = *rendered;
  }
  llm_call call;
  call.stage = "bench";
  call.messages.push_back({"user", text});
  call.max_tokens = c.max_tokens;
  call.deadline_ms = 120'000;
  std::vector<std::pair<std::string, uint32_t>> modes;
  for (size_t pos = 0; pos <= c.modes.size();) {
    auto next = c.modes.find(',', pos);
    auto name =
      c.modes.substr(pos, next == std::string::npos ? next : next - pos);
    pos = next == std::string::npos ? c.modes.size() + 1 : next + 1;
    uint32_t fixed = 0;
    if (name != "adaptive") {
      char* end = nullptr;
      fixed = static_cast<uint32_t>(std::strtoul(name.c_str(), &end, 10));
      if (fixed == 0 || *end != '\0') {
        fmt::print(stderr, "kpsynth_bench_saturation: bad mode '{}'\n", name);
        return 2;
      }
    }
    modes.emplace_back(fixed ? "fixed-" + name : name, fixed);
  }
  auto target = c.url.empty() ? "simulator profile " + c.profile : c.url;
  fmt::print("{}: warm-up {} s, measure >= {} s, {} runs per mode\n", target,
             c.warmup, c.measure, c.repeat);
  std::vector<std::pair<std::string, std::vector<run_result>>> table;
  for (auto& [name, fixed] : modes)
    table.emplace_back(name, std::vector<run_result>{});
  for (int rep = 0; rep < c.repeat; ++rep)
    for (size_t i = 0; i < modes.size(); ++i) {
      auto r = run_mode(c, c.profile, modes[i].second, true, c.warmup,
                        c.measure, call);
      fmt::print("run {} {}: {:.0f} tok/s, p99 {:.0f} ms, limit max {}, "
                 "{} errors\n",
                 rep + 1, modes[i].first, r.tok_s, r.p99, r.limit_max,
                 r.errors);
      std::fflush(stdout);
      table[i].second.push_back(r);
    }
  print(table);
  int rc = 0;
  double best_fixed = 0, adaptive = -1;
  uint32_t adaptive_limit = 0;
  for (auto& [name, rs] : table) {
    if (name == "adaptive") {
      adaptive = median(rs, &run_result::tok_s);
      for (auto& r : rs)
        adaptive_limit = std::max(adaptive_limit, r.limit_max);
    } else {
      best_fixed = std::max(best_fixed, median(rs, &run_result::tok_s));
    }
  }
  if (adaptive >= 0 && best_fixed > 0)
    fmt::print("adaptive / best fixed (median tokens/s): {:.3f}\n",
               adaptive / best_fixed);
  if (c.expect_limit_max > 0 && adaptive_limit > c.expect_limit_max) {
    fmt::print("FAIL: adaptive limit reached {} > {}\n", adaptive_limit,
               c.expect_limit_max);
    rc = 1;
  }
  if (c.expect_ratio > 0 && adaptive >= 0 && best_fixed > 0
      && adaptive < c.expect_ratio * best_fixed) {
    fmt::print("FAIL: adaptive {:.0f} tok/s < {} x best fixed {:.0f}\n",
               adaptive, c.expect_ratio, best_fixed);
    rc = 1;
  }
  if (c.zero_s > 0 && c.url.empty()) {
    fmt::print("\nclient overhead against the zero-latency profile ({} s):\n",
               c.zero_s);
    std::vector<std::pair<std::string, std::vector<run_result>>> zero;
    zero.emplace_back(
      "zero-adaptive",
      std::vector<run_result>{run_mode(c, "zero", 0, true, 3, c.zero_s, call)});
    zero.emplace_back("zero-fixed-256",
                      std::vector<run_result>{
                        run_mode(c, "zero", 256, true, 3, c.zero_s, call)});
    zero.emplace_back("zero-256-plain",
                      std::vector<run_result>{
                        run_mode(c, "zero", 256, false, 3, c.zero_s, call)});
    print(zero);
  }
  return rc;
}
