// libFuzzer target: every parser of model output in core/llm_output*.
// Model output is the least trusted input kpsynth reads; whatever it is, a
// parser returns a value or a problem -- it never crashes, never reads out
// of bounds, and what it returns respects the limits it was given.
// The first byte picks the parser, the rest is the model's text.

#include "core/llm_output.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

namespace core = kpsynth::core;

void require(bool ok) {
  if (!ok)
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  auto pick = data[0];
  std::string_view text{reinterpret_cast<const char*>(data + 1), size - 1};
  switch (pick % 10) {
  case 0: {
    core::kp_list_limits limits;
    limits.max_points = 1 + pick % 12;
    if (auto r = core::parse_kp_list(text, limits)) {
      require(r->size() <= limits.max_points);
      for (auto& p : *r)
        require(!p.empty());
    }
    break;
  }
  case 1: {
    auto n = static_cast<size_t>(pick % 7);
    if (auto r = core::parse_kp_quality(text, n))
      require(r->size() == n);
    break;
  }
  case 2:
    (void)core::parse_same_or_different(text, "x");
    break;
  case 3: {
    auto n = static_cast<size_t>(1 + pick % 5);
    if (auto r = core::parse_representative(text, n))
      require(*r < n);
    break;
  }
  case 4: {
    core::problem_limits limits;
    if (auto r = core::parse_generated_problem(text, limits))
      require(r->size() >= limits.min_chars && r->size() <= limits.max_chars);
    break;
  }
  case 5:
    (void)core::parse_difficulty(text);
    break;
  case 6:
    if (auto r = core::parse_solution(text)) {
      require(r->text.size() <= text.size());
      require(r->answer.size() <= text.size());
    }
    break;
  case 7:
    if (auto r = core::parse_score(text))
      require(r->value >= 0 && r->value <= 1);
    break;
  case 8:
    (void)core::parse_verdict(text, "x");
    break;
  case 9:
    (void)core::parse_program(text);
    require(core::strip_think(text).size() <= text.size());
    break;
  }
  return 0;
}
