#pragma once

// Internal to the LLM output parsers (core/llm_output_*.cpp); not part of the
// public API: include "core/llm_output.hpp" instead. Holds what the parser
// files share so that every parser reports errors the same way.

#include "core/result.hpp"

#include <string>
#include <string_view>

namespace kpsynth::core::detail {

/// A parse failure of the prompt `kind`: code "bad_output", where = kind, so
/// that a message reads "kp_extract: no numbered knowledge points found".
inline problem bad(std::string_view kind, std::string message) {
  return make_problem("bad_output", std::move(message), std::string{kind});
}

} // namespace kpsynth::core::detail
