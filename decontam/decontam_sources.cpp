#include "decontam/decontam_sources.hpp"

#include <algorithm>
#include <array>
#include <system_error>

namespace kpsynth::quality {

namespace {

struct bundled_entry {
  std::string_view name;
  std::string_view path;
  std::string_view fields;
};

/// Load order decides attribution when sets share items: the first set
/// loaded owns a shared n-gram and wins MinHash ties, so subsets that are
/// the usual evaluation sets (MATH500 within MATH test, AIME 2024 beside
/// the 1983-2023 archive) come first.
constexpr std::array<bundled_entry, 18> bundled = {{
  {"math500_test", "math500/test.jsonl", "problem"},
  {"math_test", "math/test.jsonl", "problem"},
  {"gsm8k_test", "gsm8k/test.jsonl", "question"},
  {"gsm_hard", "gsm_hard/test.jsonl", "input"},
  {"svamp", "svamp/svamp.jsonl", "Body+Question"},
  {"asdiv", "asdiv/test.jsonl", "body+question"},
  {"mawps", "mawps/test.jsonl", "input"},
  {"aime24", "aime24/test.jsonl", "problem"},
  {"aime25", "aime25/test.jsonl", "problem"},
  {"aime_1983_2023", "aime_1983_2023/problems.jsonl", "problem"},
  {"amc23", "amc23/test.jsonl", "problem"},
  {"amc_2022_2023", "amc_2022_2023/test.jsonl", "problem"},
  {"minerva_math", "minerva_math/test.jsonl", "problem"},
  {"olympiadbench", "olympiadbench/test.jsonl", "context+question"},
  {"college_math", "college_math/test.jsonl", "question"},
  {"gaokao2023en", "gaokao2023en/test.jsonl", "question"},
  {"aqua", "aqua/test.jsonl", "question"},
  {"sat_math", "sat_math/test.jsonl", "question"},
}};

/// The directory of an entry: its short name on the command line.
std::string_view short_name(const bundled_entry& entry) {
  return entry.path.substr(0, entry.path.find('/'));
}

std::string trim(std::string_view s) {
  auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos)
    return {};
  auto last = s.find_last_not_of(" \t");
  return std::string{s.substr(first, last - first + 1)};
}

/// Whether `dir` holds at least one bundled set (plain or gzipped).
bool holds_bundled_sets(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& entry : bundled) {
    auto path = dir / entry.path;
    auto gz = path;
    gz += ".gz";
    if (std::filesystem::is_regular_file(path, ec)
        || std::filesystem::is_regular_file(gz, ec))
      return true;
  }
  return false;
}

} // namespace

std::vector<std::string> split_field_spec(std::string_view spec) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (start <= spec.size()) {
    auto end = spec.find('+', start);
    if (end == std::string_view::npos)
      end = spec.size();
    if (end > start)
      fields.emplace_back(spec.substr(start, end - start));
    start = end + 1;
  }
  return fields;
}

std::vector<std::string> bundled_benchmark_names() {
  std::vector<std::string> names;
  for (const auto& entry : bundled)
    names.emplace_back(short_name(entry));
  return names;
}

result<std::vector<benchmark_source>>
bundled_benchmark_sources(const std::filesystem::path& bench_dir) {
  return bundled_benchmark_sources(bench_dir, "");
}

result<std::vector<benchmark_source>>
bundled_benchmark_sources(const std::filesystem::path& bench_dir,
                          std::string_view selection) {
  std::array<bool, bundled.size()> wanted{};
  const std::string spec = trim(selection);
  const bool every = spec.empty() || spec == "all";
  wanted.fill(every);
  std::string_view rest = every ? std::string_view{} : std::string_view{spec};
  std::size_t start = 0;
  while (!every && start <= rest.size()) {
    auto end = rest.find(',', start);
    if (end == std::string_view::npos)
      end = rest.size();
    auto name = trim(rest.substr(start, end - start));
    start = end + 1;
    if (name.empty())
      continue;
    std::size_t i = 0;
    while (i < bundled.size() && name != bundled[i].name
           && name != short_name(bundled[i]))
      ++i;
    if (i == bundled.size()) {
      std::string known;
      for (const auto& n : bundled_benchmark_names())
        known += (known.empty() ? "" : ", ") + n;
      return make_problem("unknown_benchmark", "unknown benchmark set \"" + name
                                                 + "\"; known sets: " + known);
    }
    wanted[i] = true;
  }
  if (std::find(wanted.begin(), wanted.end(), true) == wanted.end())
    return make_problem("unknown_benchmark",
                        "no benchmark set selected by \"" + spec + "\"");
  std::vector<benchmark_source> sources;
  for (std::size_t i = 0; i < bundled.size(); ++i) {
    if (!wanted[i])
      continue;
    const auto& entry = bundled[i];
    auto path = bench_dir / entry.path;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      auto gz = path;
      gz += ".gz";
      if (!std::filesystem::exists(gz, ec))
        return make_problem("missing_file",
                            "bundled benchmark set \"" + std::string{entry.name}
                              + "\" not found (nor its .gz)",
                            path.string());
      path = gz;
    }
    sources.push_back(benchmark_source{std::string{entry.name}, path,
                                       split_field_spec(entry.fields)});
  }
  return sources;
}

result<std::filesystem::path>
find_bench_dir(const std::filesystem::path& override_dir,
               const std::filesystem::path& executable) {
  if (!override_dir.empty()) {
    if (holds_bundled_sets(override_dir))
      return override_dir;
    return make_problem("missing_file",
                        "no bundled benchmark sets in this directory (expected "
                        "e.g. math500/test.jsonl)",
                        override_dir.string());
  }
  std::vector<std::filesystem::path> tried;
  if (!executable.empty()) {
    auto dir = executable.parent_path();
    for (auto candidate :
         {dir / "data/bench", dir / "../data/bench", dir / "../../data/bench",
          dir / "../share/kpsynth/bench"})
      tried.push_back(candidate.lexically_normal());
  }
  tried.emplace_back("data/bench");
  for (const auto& candidate : tried)
    if (holds_bundled_sets(candidate))
      return candidate;
  std::string places;
  for (const auto& candidate : tried)
    places += (places.empty() ? "" : ", ") + candidate.string();
  return make_problem("missing_file",
                      "bundled benchmark sets not found; tried " + places
                        + " (pass the directory with --bench-dir)");
}

} // namespace kpsynth::quality
