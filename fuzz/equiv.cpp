// libFuzzer target for the answer pipeline: extraction from whole solutions
// (think blocks, phrases, boxes, double escaping), normalisation, parsing
// and comparison of two inputs split at the first tab (or newline).
// Every path must return within its budget, without crashes, leaks or
// undefined behaviour.

#include "text/equivalence.hpp"
#include "text/extract.hpp"
#include "text/grouping.hpp"
#include "text/normalize.hpp"
#include "text/solution.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

/// CPU time of the calling thread.
static double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec)
         + static_cast<double>(ts.tv_nsec) * 1e-9;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  auto cut = input.find('\t');
  if (cut == std::string_view::npos)
    cut = input.find('\n');
  auto a = input.substr(0, cut);
  auto b = cut == std::string_view::npos ? std::string_view{"1"}
                                         : input.substr(cut + 1);
  (void)kpsynth::text::extract_final_answer(input);
  (void)kpsynth::text::undo_double_escaping(input);
  (void)kpsynth::text::looks_like_solution(input);
  (void)kpsynth::text::answer_for_comparison(input);
  (void)kpsynth::text::normalize_with_units(a);
  kpsynth::text::equiv_options options;
  options.budget = std::chrono::milliseconds(50);
  auto cpu_start = thread_cpu_seconds();
  (void)kpsynth::text::equivalent(a, b, options);
  (void)kpsynth::text::equivalent(a, a, options);
  // The budget is the contract: two comparisons that overrun it tenfold
  // each (sanitizers included) mean a size guard is missing. CPU time, not
  // wall time, so that a loaded machine (other builds descheduling the
  // fuzzer) cannot fake an overrun.
  if (thread_cpu_seconds() - cpu_start > 1.0)
    __builtin_trap();
  if (size < 256) {
    std::vector<std::string> answers{std::string{a}, std::string{b},
                                     std::string{a}};
    (void)kpsynth::text::group_answers(answers, options);
  }
  return 0;
}
