#pragma once

// What a run cost. Two bases, as people actually pay for inference:
// renting GPUs by the hour (self-hosted vLLM: dollars per GPU-hour times
// GPUs times the run's wall time), or paying per token (an API: dollars per
// million prompt and completion tokens, per model). A run directory does not
// record its wall time, so GPU pricing needs it stated.
//
// TOML form (every key optional, but a [gpu] table must be complete):
//
//   [gpu]
//   dollars_per_hour = 2.0   # per GPU
//   count = 8
//   wall_hours = 84.0
//
//   [tokens."math-7b"]        # model pool name as in the run's trace
//   prompt_per_million = 0.10
//   completion_per_million = 0.30
//
//   [tokens."*"]              # any model not listed
//   prompt_per_million = 0.20
//   completion_per_million = 0.60

#include "core/result.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace kpsynth::quality {

/// Dollars per million tokens of one model.
struct token_price {
  double prompt_per_million = 0;
  double completion_per_million = 0;
};

/// Prices for the cost figures. Nothing priced: no cost is reported.
struct price_table {
  double gpu_dollars_per_hour = 0; ///< 0: not priced by GPU time.
  double gpu_count = 0;
  double wall_hours = 0;
  /// By model name; "*" applies to models not listed.
  std::map<std::string, token_price> tokens;

  bool gpu_priced() const { return gpu_dollars_per_hour > 0; }
  bool token_priced() const { return !tokens.empty(); }

  /// The price of `model`: its own, else "*", else nullptr.
  const token_price* price_of(const std::string& model) const;
};

/// Parses the TOML form above; `where` names the source in errors, which
/// give the line and key.
result<price_table> parse_price_table(std::string_view toml_text,
                                      std::string_view where);

/// Reads a TOML price table file.
result<price_table> load_price_table(const std::filesystem::path& file);

/// Parses a command-line token price "model=prompt:completion" (dollars per
/// million tokens); "*" as the model prices every model not listed.
result<std::pair<std::string, token_price>>
parse_token_price_arg(std::string_view arg);

/// Checks a table: no negative price, and GPU pricing complete (a price
/// needs a positive count and wall time). `where` prefixes the problem.
result<price_table> validate_prices(price_table t, std::string_view where);

} // namespace kpsynth::quality
