#pragma once

#include "core/result.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::quality {

/// One benchmark file to protect.
struct benchmark_source {
  std::string name;           ///< Set name used in verdicts, e.g. "math_test".
  std::filesystem::path path; ///< JSONL file, optionally gzip-compressed.
  /// Fields whose string values, joined by a space, are the problem text.
  std::vector<std::string> fields;
};

/// Splits a field spec such as "Body+Question" into its field names.
std::vector<std::string> split_field_spec(std::string_view spec);

/// Short names of the bundled benchmark sets (their directories under
/// `data/bench`, e.g. "math500", "gsm8k"), in load order.
std::vector<std::string> bundled_benchmark_names();

/// The benchmark test sets bundled under `data/bench` (pass that directory),
/// with the text fields of each. A `.jsonl` file may be replaced by a
/// `.jsonl.gz` one. A missing file is an error naming its path.
result<std::vector<benchmark_source>>
bundled_benchmark_sources(const std::filesystem::path& bench_dir);

/// Same, for a subset: `selection` is a comma-separated list of short names
/// ("math500,gsm8k") or set names ("math500_test"); empty or "all" selects
/// every set. Sets load in bundled order whatever the order given. An
/// unknown name is an error that lists the known ones.
result<std::vector<benchmark_source>>
bundled_benchmark_sources(const std::filesystem::path& bench_dir,
                          std::string_view selection);

/// Finds the bundled benchmark directory wherever the program runs from.
///
/// `override_dir`, when not empty, is the answer (and must hold the bundled
/// layout). Otherwise the first of these that holds it: next to the
/// executable (`<exe>/data/bench`, `<exe>/../data/bench`, and
/// `<exe>/../../data/bench` for a build tree inside the checkout), the
/// installed data path `<exe>/../share/kpsynth/bench`, then `data/bench`
/// under the working directory. The error names every place tried.
result<std::filesystem::path>
find_bench_dir(const std::filesystem::path& override_dir,
               const std::filesystem::path& executable);

} // namespace kpsynth::quality
