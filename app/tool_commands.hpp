#pragma once

// Stand-alone tools over the CAF-free libraries: answer equivalence and
// decontamination of any JSONL file.

#include <cstdint>
#include <string>

namespace kpsynth::app {

/// `kpsynth equiv A B`: exit 0 equal, 1 not equal, 3 undecided.
int equiv_command(const std::string& a, const std::string& b, bool ordered,
                  double budget_ms);

/// `kpsynth decontam <input.jsonl>`.
struct decontam_options {
  std::string input;             ///< JSONL to screen.
  std::string field = "problem"; ///< Field(s) with the text, "a+b" joins.
  /// Comma-separated bundled sets ("math500,gsm8k"); empty: all of them.
  std::string benchmarks;
  /// Directory of the bundled sets; empty: found next to the binary.
  std::string bench_dir;
  std::string clean_out;   ///< Lines that pass; empty: not written.
  std::string flagged_out; ///< Flagged lines with the reason.
  bool dedup = true;       ///< Also drop near-duplicates within the file.
  double threshold = 0.7;  ///< MinHash Jaccard threshold.
};
int decontam_command(const decontam_options& opts);

} // namespace kpsynth::app
