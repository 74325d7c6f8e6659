// The pipeline part of the configuration: `[[pipeline.stages]]` entries, and
// the fixed chain that the legacy `[stages.*]` tables stand for.

#include "core/config_pipeline.hpp"

#include <fmt/format.h>

#include <set>

namespace kpsynth::config {

namespace detail {

namespace {

/// Keys every stage entry may have; the rest belong to its kind.
const std::set<std::string, std::less<>> common_keys = {
  "name", "kind", "model", "queue", "temperature", "max_tokens", "samples"};

/// A kind's own key as text: TOML spelling for numbers and booleans.
std::optional<std::string> option_text(const toml::node& node) {
  if (auto s = node.value<std::string>())
    return *s;
  if (node.is_integer())
    return fmt::format("{}", *node.value<int64_t>());
  if (node.is_floating_point())
    return fmt::format("{}", *node.value<double>());
  if (auto b = node.value<bool>())
    return *b ? "true" : "false";
  return std::nullopt;
}

} // namespace

void read_pipeline(table_reader& root, kpsynth_config& c) {
  root.table("pipeline", [&](table_reader& pr) {
    pr.each_array_table("stages", [&](table_reader& r) {
      pipeline_stage s;
      r.read("name", s.name);
      r.read("kind", s.kind);
      r.read("model", s.settings.model);
      r.read("queue", s.settings.queue);
      r.read("temperature", s.settings.temperature);
      r.read("max_tokens", s.settings.max_tokens);
      r.read("samples", s.settings.samples);
      s.where = r.where();
      for (auto& [key, node] : r.raw()) {
        if (common_keys.count(key.str()))
          continue;
        r.mark_known(key.str());
        auto text = option_text(node);
        if (!text)
          r.fail(node,
                 fmt::format("'{}' must be a string, number or boolean",
                             r.qualified(key.str())),
                 "bad_type");
        else
          s.options[std::string{key.str()}] = std::move(*text);
      }
      if (s.name.empty())
        s.name = s.kind;
      c.pipeline.push_back(std::move(s));
    });
  });
}

std::optional<problem> validate_pipeline(const kpsynth_config& c,
                                         const bad_key& bad) {
  if (c.pipeline.empty())
    return std::nullopt;
  if (!c.stages.empty())
    return bad("stages", "use either [stages.*] tables or "
                         "[[pipeline.stages]] entries, not both");
  std::set<std::string> names;
  for (std::size_t i = 0; i < c.pipeline.size(); ++i) {
    auto& s = c.pipeline[i];
    auto key = fmt::format("pipeline.stages[{}]", i);
    if (s.kind.empty())
      return bad(key + ".kind", "every stage needs a kind");
    if (!names.insert(s.name).second)
      return bad(key + ".name",
                 fmt::format("stage name '{}' is used twice", s.name));
    if (!s.settings.model.empty() && !c.models.count(s.settings.model))
      return bad(key + ".model",
                 fmt::format("unknown model '{}'", s.settings.model));
    if (s.settings.queue < 1)
      return bad(key + ".queue", "must be at least 1");
    if (s.settings.samples < 1)
      return bad(key + ".samples", "must be at least 1");
  }
  return std::nullopt;
}

} // namespace detail

std::vector<pipeline_stage> effective_pipeline(const kpsynth_config& c) {
  if (!c.pipeline.empty())
    return c.pipeline;
  std::vector<pipeline_stage> result;
  auto where =
    c.file.empty() ? std::string{"[stages]"} : c.file.string() + ": [stages]";
  auto add = [&](std::string kind, stage_config settings) {
    result.push_back(
      pipeline_stage{kind, kind, std::move(settings), {}, where});
  };
  auto legacy = [&](const char* name) {
    auto i = c.stages.find(name);
    return i == c.stages.end() ? stage_config{} : i->second;
  };
  add("extract", legacy("extract"));
  auto generate = legacy("generate");
  add("plan", stage_config{.queue = generate.queue});
  add("generate", generate);
  // The decontaminator and the panel held as much as the stages around
  // them before the topology was configurable; keep their bounds.
  if (c.decontam.enabled)
    add("decontam", stage_config{.queue = generate.queue});
  add("solve", legacy("solve"));
  if (c.stages.count("program")) {
    add("program", legacy("program"));
    add("verify", stage_config{.queue = legacy("program").queue});
  }
  uint32_t widest = 1;
  for (auto& [name, s] : c.stages)
    widest = std::max(widest, s.queue);
  add("judge_panel", stage_config{.queue = widest});
  return result;
}

} // namespace kpsynth::config
