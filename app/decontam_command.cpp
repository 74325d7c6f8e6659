#include "app/tool_commands.hpp"
#include "core/json.hpp"
#include "decontam/decontam.hpp"
#include "decontam/dedup.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <simdjson.h>

namespace kpsynth::app {

namespace {

/// The bundled sets named by the options, found wherever the binary runs.
result<std::vector<quality::benchmark_source>>
selected_sources(const decontam_options& opts) {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::string dir = opts.bench_dir;
  std::string selection = opts.benchmarks;
  // `--benchmarks` used to take the directory; accept one with a warning.
  if (dir.empty() && !selection.empty()
      && std::filesystem::is_directory(selection, ec)) {
    spdlog::warn("--benchmarks {} is a directory; use --bench-dir for it",
                 selection);
    dir = std::move(selection);
    selection.clear();
  }
  auto bench_dir = quality::find_bench_dir(dir, exe);
  if (!bench_dir)
    return bench_dir.error();
  return quality::bundled_benchmark_sources(*bench_dir, selection);
}

/// The benchmark index and, when asked for, the dedup index.
struct screens {
  quality::decontaminator index;
  std::optional<quality::dedup_index> dedup;
};

result<screens> make_screens(const decontam_options& opts) {
  auto sources = selected_sources(opts);
  if (!sources)
    return sources.error();
  quality::decontam_config qc;
  qc.minhash.threshold = opts.threshold;
  auto index = quality::decontaminator::build(*sources, qc);
  if (!index)
    return index.error();
  screens result{std::move(*index), std::nullopt};
  if (opts.dedup) {
    quality::minhash_params mp;
    mp.threshold = opts.threshold;
    auto d = quality::dedup_index::create(mp);
    if (!d)
      return d.error();
    result.dedup.emplace(std::move(*d));
  }
  return result;
}

/// The text of `fields` joined by a space; empty if none is a string.
std::string text_of(simdjson::dom::object obj,
                    const std::vector<std::string>& fields) {
  std::string text;
  for (auto& f : fields) {
    std::string_view s;
    if (obj[f].get(s) == simdjson::SUCCESS) {
      if (!text.empty())
        text += ' ';
      text += s;
    }
  }
  return text;
}

/// Why line `n` must go and the rule that said so; empty reason: keep it.
std::pair<std::string, std::string> screen(screens& sc, const std::string& text,
                                           uint64_t n) {
  if (auto v = sc.index.check(text); v.contaminated)
    return {v.reason, std::string{quality::match_rule_name(v.rule)}};
  if (sc.dedup)
    if (auto dup = sc.dedup->insert_if_new(std::to_string(n), text))
      return {fmt::format("near-duplicate (similarity {:.2f}) of line {}",
                          dup->similarity, dup->id),
              "near_duplicate"};
  return {};
}

/// Opens the --clean and --flagged files that were asked for.
bool open_outputs(const decontam_options& opts, std::ofstream& clean,
                  std::ofstream& flagged) {
  for (auto [stream, path] : {std::pair{&clean, &opts.clean_out},
                              std::pair{&flagged, &opts.flagged_out}}) {
    if (path->empty())
      continue;
    stream->open(*path, std::ios::binary | std::ios::trunc);
    if (!*stream) {
      spdlog::error("{}: cannot open for writing", *path);
      return false;
    }
  }
  return true;
}

/// Flushes them; false (logged) if a write failed.
bool flush_outputs(const decontam_options& opts, std::ofstream& clean,
                   std::ofstream& flagged) {
  for (auto [stream, path] : {std::pair{&clean, &opts.clean_out},
                              std::pair{&flagged, &opts.flagged_out}})
    if (stream->is_open() && !stream->flush()) {
      spdlog::error("{}: write failed", *path);
      return false;
    }
  return true;
}

} // namespace

int decontam_command(const decontam_options& opts) {
  auto sc = make_screens(opts);
  if (!sc) {
    spdlog::error("{}", sc.error().to_string());
    return 2;
  }
  std::ifstream in{opts.input, std::ios::binary};
  if (!in) {
    spdlog::error("{}: cannot open", opts.input);
    return 2;
  }
  std::ofstream clean;
  std::ofstream flagged;
  if (!open_outputs(opts, clean, flagged))
    return 2;
  auto fields = quality::split_field_spec(opts.field);
  simdjson::dom::parser parser;
  std::string line;
  uint64_t n = 0, bad = 0, contaminated = 0, duplicates = 0, kept = 0;
  uint64_t bytes = 0;
  std::map<std::string, uint64_t> by_rule;
  auto start = std::chrono::steady_clock::now();
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    auto where = fmt::format("{}:{}", opts.input, n);
    simdjson::padded_string padded{line};
    simdjson::dom::object obj;
    if (parser.parse(padded).get(obj) != simdjson::SUCCESS) {
      spdlog::warn("{}: not a JSON object; skipped", where);
      ++bad;
      continue;
    }
    auto text = text_of(obj, fields);
    if (text.empty()) {
      spdlog::warn("{}: no text in field '{}'; skipped", where, opts.field);
      ++bad;
      continue;
    }
    bytes += text.size();
    auto [reason, rule] = screen(*sc, text, n);
    if (rule == "near_duplicate")
      ++duplicates;
    else if (!reason.empty())
      ++contaminated, ++by_rule[rule];
    if (reason.empty()) {
      ++kept;
      if (clean.is_open())
        clean << line << '\n';
    } else if (flagged.is_open()) {
      flagged << "{\"line\":" << n << ",\"rule\":\"" << rule
              << "\",\"reason\":" << core::json_quote(reason)
              << ",\"record\":" << line << "}\n";
    }
  }
  auto secs =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
  fmt::print("{} lines: {} kept, {} contaminated, {} near-duplicates, {} "
             "malformed ({:.1f} MB/s against {} benchmark problems)\n",
             n, kept, contaminated, duplicates, bad,
             secs > 0 ? static_cast<double>(bytes) / 1e6 / secs : 0.0,
             sc->index.size());
  for (const auto& [rule, count] : by_rule)
    fmt::print("  contaminated by {}: {}\n", rule, count);
  if (in.bad()) {
    spdlog::error("{}: read failed after line {}", opts.input, n);
    return 2;
  }
  if (!flush_outputs(opts, clean, flagged))
    return 2;
  // Skipped lines are lost work: say so in the exit status too.
  return bad > 0 ? 1 : 0;
}

} // namespace kpsynth::app
