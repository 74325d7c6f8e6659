#include "app/tool_commands.hpp"
#include "text/equivalence.hpp"
#include "text/extract.hpp"

#include <fmt/format.h>

namespace kpsynth::app {

int equiv_command(const std::string& a, const std::string& b, bool ordered,
                  double budget_ms) {
  text::equiv_options opts;
  opts.ordered = ordered;
  opts.budget =
    std::chrono::microseconds{static_cast<int64_t>(budget_ms * 1000)};
  auto r = text::equivalent(a, b, opts);
  fmt::print("{}: {} ({:.0f} us)\n", text::to_string(r.verdict), r.reason,
             r.micros);
  switch (r.verdict) {
  case text::verdict_kind::equal:
    return 0;
  case text::verdict_kind::not_equal:
    return 1;
  default:
    return 3;
  }
}

} // namespace kpsynth::app
