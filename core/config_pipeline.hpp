#pragma once

// Internal to the config loader: reading and checking the pipeline part.

#include "core/config_reader.hpp"

#include <functional>
#include <optional>
#include <string>

namespace kpsynth::config::detail {

/// Makes the error for a key path ("pipeline.stages[2].model") and message.
using bad_key = std::function<problem(std::string, std::string)>;

/// Reads `[[pipeline.stages]]` into `c.pipeline`. Keys beyond the common ones
/// (name, kind, model, queue, temperature, max_tokens, samples) go to the
/// stage's options; the stage registry checks them against the kind.
void read_pipeline(table_reader& root, kpsynth_config& c);

/// Checks what the config alone can: unique names, known models, bounds.
/// Kinds and their options are checked by the stage registry.
std::optional<problem> validate_pipeline(const kpsynth_config& c,
                                         const bad_key& bad);

} // namespace kpsynth::config::detail
