#include "actors/stage_registry.hpp"
#include "app/commands.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace kpsynth::app {

int pipeline_show_command(const std::string& config_file) {
  auto cfg = config::load(config_file);
  if (!cfg) {
    spdlog::error("{}", cfg.error().to_string());
    return 2;
  }
  auto registry = stage_registry::with_builtins();
  auto t = resolve_topology(*cfg, registry);
  if (!t) {
    spdlog::error("{}", t.error().to_string());
    return 2;
  }
  fmt::print("{}", describe(*t, *cfg));
  auto pack = core::load_prompt_pack(cfg->run.prompts);
  if (!pack) {
    spdlog::error("{}", pack.error().to_string());
    return 2;
  }
  if (auto err = check_prompts(*t, *pack)) {
    spdlog::error("{}", err->to_string());
    return 2;
  }
  std::size_t used = 0;
  for (auto& s : t->stages)
    used += s.prompts.size();
  fmt::print("prompt pack '{}' ({}): {} prompt use(s) checked, {} kind(s) "
             "defined\n",
             pack->name(), pack->dir().string(), used, pack->kinds().size());
  return 0;
}

} // namespace kpsynth::app
