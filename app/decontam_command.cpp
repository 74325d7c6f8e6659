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

} // namespace

int decontam_command(const decontam_options& opts) {
  auto sources = selected_sources(opts);
  if (!sources) {
    spdlog::error("{}", sources.error().to_string());
    return 2;
  }
  quality::decontam_config qc;
  qc.minhash.threshold = opts.threshold;
  auto index = quality::decontaminator::build(*sources, qc);
  if (!index) {
    spdlog::error("{}", index.error().to_string());
    return 2;
  }
  std::optional<quality::dedup_index> dedup;
  if (opts.dedup) {
    quality::minhash_params mp;
    mp.threshold = opts.threshold;
    auto d = quality::dedup_index::create(mp);
    if (!d) {
      spdlog::error("{}", d.error().to_string());
      return 2;
    }
    dedup.emplace(std::move(*d));
  }
  std::ifstream in{opts.input, std::ios::binary};
  if (!in) {
    spdlog::error("{}: cannot open", opts.input);
    return 2;
  }
  std::ofstream clean;
  std::ofstream flagged;
  for (auto [stream, path] : {std::pair{&clean, &opts.clean_out},
                              std::pair{&flagged, &opts.flagged_out}}) {
    if (path->empty())
      continue;
    stream->open(*path, std::ios::binary | std::ios::trunc);
    if (!*stream) {
      spdlog::error("{}: cannot open for writing", *path);
      return 2;
    }
  }
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
    std::string text;
    for (auto& f : fields) {
      std::string_view s;
      if (obj[f].get(s) == simdjson::SUCCESS) {
        if (!text.empty())
          text += ' ';
        text += s;
      }
    }
    if (text.empty()) {
      spdlog::warn("{}: no text in field '{}'; skipped", where, opts.field);
      ++bad;
      continue;
    }
    bytes += text.size();
    std::string reason;
    std::string_view rule;
    if (auto v = index->check(text); v.contaminated) {
      ++contaminated;
      reason = v.reason;
      rule = quality::match_rule_name(v.rule);
      ++by_rule[std::string{rule}];
    } else if (dedup) {
      if (auto dup = dedup->insert_if_new(std::to_string(n), text)) {
        ++duplicates;
        reason = fmt::format("near-duplicate (similarity {:.2f}) of line {}",
                             dup->similarity, dup->id);
        rule = "near_duplicate";
      }
    }
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
             index->size());
  for (const auto& [rule, count] : by_rule)
    fmt::print("  contaminated by {}: {}\n", rule, count);
  if (in.bad()) {
    spdlog::error("{}: read failed after line {}", opts.input, n);
    return 2;
  }
  for (auto [stream, path] : {std::pair{&clean, &opts.clean_out},
                              std::pair{&flagged, &opts.flagged_out}})
    if (stream->is_open() && !stream->flush()) {
      spdlog::error("{}: write failed", *path);
      return 2;
    }
  // Skipped lines are lost work: say so in the exit status too.
  return bad > 0 ? 1 : 0;
}

} // namespace kpsynth::app
