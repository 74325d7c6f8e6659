// libFuzzer target: the configuration loader and the seed line parser, the
// two readers of files a user writes by hand. Any bytes give a value or a
// problem that names a place; nothing crashes. Two targets in one binary
// keep the sanitizer build small: the first byte picks one.

#include "core/config.hpp"

#include "core/seeds.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void require(bool ok) {
  if (!ok)
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  std::string_view text{reinterpret_cast<const char*>(data + 1), size - 1};
  if (data[0] % 2 == 0) {
    auto cfg = kpsynth::config::parse(text, "fuzz.toml", "/nonexistent");
    if (!cfg)
      require(!cfg.error().where.empty() && !cfg.error().message.empty());
    else
      (void)kpsynth::config::effective_pipeline(*cfg);
  } else {
    auto seed = kpsynth::parse_seed_line(text, "seeds.jsonl:1");
    if (!seed)
      require(!seed.error().message.empty());
  }
  return 0;
}
