#pragma once

// Internals of the configuration loader shared by config.cpp (parsing) and
// config_validate.cpp (cross-field checks). Not part of the public API.

#include "core/config.hpp"

#include <optional>
#include <string_view>
#include <toml++/toml.h>

namespace kpsynth::config::detail {

/// Cross-field checks that the per-key conversion cannot do; `root` is the
/// parsed file (for line numbers) and `file` its name.
std::optional<problem> validate(const kpsynth_config& c,
                                const toml::table& root, std::string_view file);

} // namespace kpsynth::config::detail
