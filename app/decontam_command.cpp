#include "app/tool_commands.hpp"
#include "core/json.hpp"
#include "decontam/decontam.hpp"
#include "decontam/dedup.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <simdjson.h>

namespace kpsynth::app {

int decontam_command(const decontam_options& opts) {
  auto sources = quality::bundled_benchmark_sources(opts.benchmarks);
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
  if (!opts.clean_out.empty())
    clean.open(opts.clean_out, std::ios::binary | std::ios::trunc);
  if (!opts.flagged_out.empty())
    flagged.open(opts.flagged_out, std::ios::binary | std::ios::trunc);
  auto fields = quality::split_field_spec(opts.field);
  simdjson::dom::parser parser;
  std::string line;
  uint64_t n = 0, bad = 0, contaminated = 0, duplicates = 0, kept = 0;
  uint64_t bytes = 0;
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
    if (auto v = index->check(text); v.contaminated) {
      ++contaminated;
      reason = v.reason;
    } else if (dedup) {
      if (auto dup = dedup->insert_if_new(std::to_string(n), text)) {
        ++duplicates;
        reason = fmt::format("near-duplicate (similarity {:.2f}) of line {}",
                             dup->similarity, dup->id);
      }
    }
    if (reason.empty()) {
      ++kept;
      if (clean.is_open())
        clean << line << '\n';
    } else if (flagged.is_open()) {
      flagged << "{\"line\":" << n << ",\"reason\":" << core::json_quote(reason)
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
  return 0;
}

} // namespace kpsynth::app
