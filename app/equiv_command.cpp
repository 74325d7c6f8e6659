#include "app/tool_commands.hpp"
#include "text/equivalence.hpp"
#include "text/extract.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace kpsynth::app {

int equiv_command(const std::string& a, const std::string& b, bool ordered,
                  double budget_ms) {
  text::equiv_options opts;
  opts.ordered = ordered;
  opts.budget =
    std::chrono::microseconds{static_cast<int64_t>(budget_ms * 1000)};
  auto r = text::equivalent(a, b, opts);
  // The reason is valid UTF-8 even when it quotes malformed input.
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

std::vector<std::string> command_line(int argc, char** argv) {
  std::vector<std::string> args{argv + std::min(argc, 1), argv + argc};
  // The subcommand is the first argument that is not a (global) flag.
  auto sub = std::find_if(args.begin(), args.end(),
                          [](const auto& a) { return !a.starts_with("-"); });
  bool has_separator = std::find(args.begin(), args.end(), "--") != args.end();
  if (sub != args.end() && *sub == "equiv" && !has_separator) {
    // Answers such as "-7/4" look like options to the parser: move the
    // options of `equiv` first and put the answers after "--".
    static constexpr std::array<std::string_view, 3> flags{"--ordered", "-h",
                                                           "--help"};
    std::vector<std::string> options;
    std::vector<std::string> operands;
    for (auto it = sub + 1; it != args.end(); ++it) {
      const auto& arg = *it;
      if (std::find(flags.begin(), flags.end(), arg) != flags.end()
          || arg.starts_with("--budget-ms=")) {
        options.push_back(arg);
      } else if (arg == "--budget-ms" && it + 1 != args.end()) {
        options.push_back(arg);
        options.push_back(*++it);
      } else {
        operands.push_back(arg);
      }
    }
    args.erase(sub + 1, args.end());
    args.insert(args.end(), options.begin(), options.end());
    args.push_back("--");
    args.insert(args.end(), operands.begin(), operands.end());
  }
  std::reverse(args.begin(), args.end()); // CLI11 takes them reversed
  return args;
}

} // namespace kpsynth::app
