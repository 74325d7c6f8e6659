#pragma once

// Seeded fault injection for the simulator, in the spirit of toxiproxy: the
// same seed gives the same faults on the same request sequence, so a failing
// run can be replayed.

#include "core/result.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace kpsynth::sim {

/// What to do to one request.
enum class fault : uint8_t {
  none,
  http_500,       ///< Answer 500 with an error body.
  http_503,       ///< Answer 503 with Retry-After.
  http_429,       ///< Answer 429 with Retry-After.
  stall,          ///< Never answer; the client's deadline must fire.
  reset,          ///< Reset the connection instead of answering.
  truncate,       ///< Send half the body, then close.
  malformed_json, ///< Answer 200 with a body that is not valid JSON.
};

std::string_view to_string(fault f);

/// Probability of each fault per completion request (each 0..1, sum <= 1).
struct fault_rates {
  std::map<fault, double> rates;

  /// Parses {"http_500": 0.02, ...}; the special key "all" spreads a total
  /// rate evenly over every fault kind. Errors name `where` and the key.
  static result<fault_rates> parse(const std::map<std::string, double>& xs,
                                   std::string_view where);

  double total() const;
};

/// Picks faults deterministically from a seed and a request sequence number.
class fault_injector {
 public:
  fault_injector(fault_rates rates, uint64_t seed)
    : rates_(std::move(rates)), seed_(seed) {}

  /// The fault for the `seq`-th request.
  fault pick(uint64_t seq) const;

 private:
  fault_rates rates_;
  uint64_t seed_;
};

} // namespace kpsynth::sim
