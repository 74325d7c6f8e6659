#include "sim/faults.hpp"

#include <fmt/format.h>

namespace kpsynth::sim {

namespace {

constexpr fault all_faults[] = {
  fault::http_500, fault::http_503, fault::http_429,      fault::stall,
  fault::reset,    fault::truncate, fault::malformed_json};

/// splitmix64: a tiny, well-mixed, seedable hash.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

} // namespace

std::string_view to_string(fault f) {
  switch (f) {
  case fault::none:
    return "none";
  case fault::http_500:
    return "http_500";
  case fault::http_503:
    return "http_503";
  case fault::http_429:
    return "http_429";
  case fault::stall:
    return "stall";
  case fault::reset:
    return "reset";
  case fault::truncate:
    return "truncate";
  case fault::malformed_json:
    return "malformed_json";
  }
  return "unknown";
}

result<fault_rates> fault_rates::parse(const std::map<std::string, double>& xs,
                                       std::string_view where) {
  fault_rates result;
  for (auto& [key, rate] : xs) {
    if (rate < 0 || rate > 1)
      return make_problem("invalid_config",
                          fmt::format("fault rate {} is not within 0..1", rate),
                          fmt::format("{}.{}", where, key));
    if (key == "all") {
      for (auto f : all_faults)
        result.rates[f] += rate / std::size(all_faults);
      continue;
    }
    bool found = false;
    for (auto f : all_faults) {
      if (to_string(f) == key) {
        result.rates[f] += rate;
        found = true;
      }
    }
    if (!found)
      return make_problem(
        "invalid_config",
        fmt::format("unknown fault '{}' (known: all, http_500, http_503, "
                    "http_429, stall, reset, truncate, malformed_json)",
                    key),
        fmt::format("{}.{}", where, key));
  }
  if (result.total() > 1)
    return make_problem("invalid_config", "fault rates add up to more than 1",
                        std::string{where});
  return result;
}

double fault_rates::total() const {
  double sum = 0;
  for (auto& [f, r] : rates)
    sum += r;
  return sum;
}

fault fault_injector::pick(uint64_t seq) const {
  if (rates_.rates.empty())
    return fault::none;
  auto u = static_cast<double>(mix(seed_ ^ mix(seq)) >> 11) * 0x1.0p-53;
  for (auto& [f, r] : rates_.rates) {
    if (u < r)
      return f;
    u -= r;
  }
  return fault::none;
}

} // namespace kpsynth::sim
