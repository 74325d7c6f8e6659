#pragma once

// kpsynth's error codes as CAF errors. A failed LLM call travels back to the
// caller as a caf::error in the "kpsynth" category whose context carries the
// message and the server's Retry-After, so the model pool can decide whether
// and when to retry without parsing strings.

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

#include <cstdint>
#include <string>

namespace kpsynth {

/// How an operation failed.
enum class ec : uint8_t {
  none = 0,
  /// Worth retrying after backoff (timeouts, resets, 502/504, plain 500).
  retryable,
  /// The server said it is overloaded (429/503): retry later, slow down.
  overloaded,
  /// The request can never succeed (400/401/404/422, bad prompt).
  fatal,
  /// 2xx with a body we cannot use (malformed JSON, truncated stream).
  bad_response,
  /// The call's own deadline passed.
  deadline,
  /// No healthy endpoint is available (all circuit breakers open).
  unavailable,
  /// A bounded queue is full.
  backlog_full,
  /// The LLM answered, but not in the format the prompt asked for.
  bad_output,
};

/// Stable name of an error code ("retryable", ...).
const char* to_string(ec x);

/// The category atom of kpsynth errors.
inline constexpr caf::atom_value error_category = caf::atom("kpsynth");

/// Builds a kpsynth error; `retry_after_s` < 0 means none was given.
inline caf::error make_error(ec code, std::string message,
                             double retry_after_s = -1) {
  return caf::error{static_cast<uint8_t>(code), error_category,
                    caf::make_message(std::move(message), retry_after_s)};
}

/// A caf::error taken apart; CAF's own errors (e.g. request_timeout) map to
/// the closest kpsynth code.
struct error_info {
  ec code = ec::none;
  std::string message;
  double retry_after_s = -1;
};

/// Decodes any caf::error.
error_info decode_error(const caf::error& err);

} // namespace kpsynth
