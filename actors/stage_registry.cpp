#include "actors/stage_registry.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kpsynth {

const char* to_string(flow_type x) {
  switch (x) {
  case flow_type::seeds:
    return "seeds";
  case flow_type::knowledge_points:
    return "knowledge_points";
  case flow_type::items:
    return "items";
  }
  return "?";
}

std::optional<problem> stage_registry::add(stage_kind kind) {
  if (kind.name.empty() || !kind.spawn)
    return make_problem("bad_stage_kind",
                        "a stage kind needs a name and a factory");
  auto name = kind.name;
  if (!kinds_.emplace(name, std::move(kind)).second)
    return make_problem("duplicate_stage_kind",
                        "stage kind '" + name + "' is registered twice");
  return std::nullopt;
}

const stage_kind* stage_registry::find(std::string_view name) const {
  auto i = kinds_.find(name);
  return i == kinds_.end() ? nullptr : &i->second;
}

std::vector<std::string> stage_registry::names() const {
  std::vector<std::string> result;
  for (auto& [name, kind] : kinds_)
    result.push_back(name);
  return result;
}

namespace {

std::vector<std::function<void(stage_registry&)>>& domain_registrars() {
  static std::vector<std::function<void(stage_registry&)>> registrars;
  return registrars;
}

} // namespace

bool stage_registry::add_domain(std::function<void(stage_registry&)> fn) {
  domain_registrars().push_back(std::move(fn));
  return true;
}

void register_builtin_stages(stage_registry& registry);

stage_registry stage_registry::with_builtins() {
  stage_registry result;
  register_builtin_stages(result);
  for (auto& fn : domain_registrars())
    fn(result);
  return result;
}

namespace {

std::string joined(const std::vector<std::string>& xs) {
  return fmt::format("{}", fmt::join(xs, ", "));
}

/// Checks one stage against its kind and resolves its prompts.
result<resolved_stage> resolve_one(const config::kpsynth_config& cfg,
                                   const stage_registry& registry,
                                   const config::pipeline_stage& s,
                                   int32_t position) {
  auto where = s.where.empty() ? std::string{"pipeline"} : s.where;
  where += fmt::format(": stage '{}'", s.name);
  auto* kind = registry.find(s.kind);
  if (kind == nullptr)
    return make_problem("unknown_stage_kind",
                        fmt::format("unknown kind '{}' (known: {})", s.kind,
                                    joined(registry.names())),
                        where);
  for (auto& [key, value] : s.options) {
    auto known = std::any_of(kind->options.begin(), kind->options.end(),
                             [&](auto& o) { return o.key == key; });
    if (!known)
      return make_problem(
        "unknown_key",
        fmt::format("kind '{}' has no setting '{}'", s.kind, key), where);
  }
  if (kind->needs_model && s.settings.model.empty())
    return make_problem(
      "missing_key",
      fmt::format("kind '{}' calls a model: set 'model'", s.kind), where);
  resolved_stage r;
  r.spec = stage_spec{s.name, s.kind, s.settings, s.options, position};
  // Defaults of the kind's own keys, so that factories read one map.
  for (auto& o : kind->options)
    r.spec.options.emplace(o.key, o.default_value);
  r.kind = kind;
  r.where = std::move(where);
  if (kind->prompts)
    r.prompts = kind->prompts(cfg, r.spec);
  return r;
}

} // namespace

result<topology> resolve_topology(const config::kpsynth_config& cfg,
                                  const stage_registry& registry) {
  auto stages = config::effective_pipeline(cfg);
  if (stages.empty())
    return make_problem("empty_pipeline", "the pipeline has no stages",
                        cfg.file.string());
  topology t;
  auto flowing = flow_type::seeds;
  std::string from = "the seed source";
  for (std::size_t i = 0; i < stages.size(); ++i) {
    auto r = resolve_one(cfg, registry, stages[i], static_cast<int32_t>(i));
    if (!r)
      return r.error();
    if (r->kind->consumes != flowing)
      return make_problem(
        "bad_topology",
        fmt::format("kind '{}' consumes {}, but {} before it produces {}",
                    r->kind->name, to_string(r->kind->consumes), from,
                    to_string(flowing)),
        r->where);
    flowing = r->kind->produces;
    from = "stage '" + r->spec.name + "'";
    t.stages.push_back(std::move(*r));
  }
  if (flowing != flow_type::items)
    return make_problem("bad_topology",
                        fmt::format("the sink takes items, but {} (the last "
                                    "stage) produces {}",
                                    from, to_string(flowing)),
                        t.stages.back().where);
  return t;
}

namespace {

/// "file:line" of the first use of placeholder `name` in a template.
std::string place_of(const core::prompt_kind& k, std::string_view name) {
  auto pos = k.text.find("{{");
  std::size_t line = 1;
  for (std::size_t i = 0; pos != std::string::npos; ++i) {
    auto close = k.text.find("}}", pos);
    auto inner =
      k.text.substr(pos + 2, close == std::string::npos ? 0 : close - pos - 2);
    inner.erase(0, inner.find_first_not_of(' '));
    inner.erase(inner.find_last_not_of(' ') + 1);
    if (inner == name) {
      line += static_cast<std::size_t>(
        std::count(k.text.begin(), k.text.begin() + pos, '\n'));
      break;
    }
    pos = k.text.find("{{", pos + 2);
  }
  return fmt::format("{}:{}", k.file.string(), line);
}

} // namespace

std::optional<problem> check_prompts(const topology& t,
                                     const core::prompt_pack& pack) {
  for (auto& s : t.stages) {
    for (auto& use : s.prompts) {
      auto* k = pack.find(use.kind);
      if (k == nullptr)
        return make_problem(
          "missing_kind",
          fmt::format("stage '{}' (kind {}) sends prompt kind '{}', which "
                      "the pack does not define",
                      s.spec.name, s.spec.kind, use.kind),
          (pack.dir() / "pack.toml").string());
      for (auto& p : k->placeholders)
        if (std::find(use.provides.begin(), use.provides.end(), p)
            == use.provides.end())
          return make_problem(
            "unknown_placeholder",
            fmt::format("template uses {{{{{}}}}}, which stage '{}' never "
                        "provides (it provides: {})",
                        p, s.spec.name, joined(use.provides)),
            place_of(*k, p));
      for (auto& p : use.requires_)
        if (std::find(k->placeholders.begin(), k->placeholders.end(), p)
            == k->placeholders.end())
          return make_problem(
            "missing_placeholder",
            fmt::format("template never uses {{{{{}}}}}, which stage '{}' "
                        "needs the model to see",
                        p, s.spec.name),
            fmt::format("{}:1", k->file.string()));
    }
  }
  return std::nullopt;
}

std::string describe(const topology& t, const config::kpsynth_config& cfg) {
  std::string out = "seeds  <- " + cfg.run.seeds.string() + "\n";
  for (auto& s : t.stages) {
    out += fmt::format("{:>2}. {:<14} kind {:<12} {} -> {}", s.spec.priority,
                       s.spec.name, s.spec.kind, to_string(s.kind->consumes),
                       to_string(s.kind->produces));
    if (!s.spec.settings.model.empty()) {
      auto& m = cfg.models.at(s.spec.settings.model);
      out +=
        fmt::format("  model {} ({} endpoint{})", m.name, m.endpoints.size(),
                    m.endpoints.size() == 1 ? "" : "s");
    }
    out += fmt::format("  queue {}\n", s.spec.settings.queue);
    for (auto& [key, value] : s.spec.options)
      out += fmt::format("      {} = {}\n", key, value);
    for (auto& use : s.prompts)
      out +=
        fmt::format("      prompt {} ({})\n", use.kind, joined(use.provides));
  }
  out += "sink   -> " + (cfg.run.output_dir / "items.jsonl").string() + "\n";
  return out;
}

} // namespace kpsynth
