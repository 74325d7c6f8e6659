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

namespace {

/// The index of the merge that closes the lanes of the route at `r`.
result<std::size_t> merge_of(const topology& t, std::size_t r) {
  auto& route = t.stages[r];
  for (auto i = r + 1; i < t.stages.size(); ++i) {
    auto role = t.stages[i].kind->role;
    if (role == stage_role::merge)
      return i;
    if (role == stage_role::route)
      return make_problem(
        "bad_topology",
        fmt::format("route '{}' starts before route '{}' has merged: "
                    "routes do not nest",
                    t.stages[i].spec.name, route.spec.name),
        t.stages[i].where);
  }
  return make_problem(
    "bad_topology",
    fmt::format("route '{}' has no merge stage after it", route.spec.name),
    route.where);
}

/// Resolves the lanes of the route at `r`: each names a stage between the
/// route and its merge (or the merge, for an empty lane), and the first
/// stage after the route starts a lane. Sets `next` of lane ends.
std::optional<problem> resolve_lanes(topology& t, std::size_t r) {
  auto& route = t.stages[r];
  auto m = merge_of(t, r);
  if (!m)
    return m.error();
  auto field = find_route_field(route.spec.options["by"]);
  if (field == nullptr) {
    std::vector<std::string> names;
    for (auto& f : route_fields())
      names.push_back(f.name);
    return make_problem(
      "bad_lanes",
      fmt::format("'by = \"{}\"' is not a field a route can switch on "
                  "(fields: {})",
                  route.spec.options["by"], joined(names)),
      route.where);
  }
  auto specs = parse_lanes(route.spec.options["lanes"], *field);
  if (!specs)
    return problem{specs.error().code, specs.error().message, route.where};
  std::vector<resolved_lane> lanes;
  for (auto& l : *specs) {
    std::size_t at = r + 1;
    while (at <= *m && t.stages[at].spec.name != l.first)
      ++at;
    if (at > *m)
      return make_problem(
        "unknown_lane_target",
        fmt::format("lane '{}' starts at stage '{}', which is not a stage "
                    "between route '{}' and merge '{}'",
                    l.value, l.first, route.spec.name, t.stages[*m].spec.name),
        route.where);
    lanes.push_back(resolved_lane{l, at, at});
  }
  std::sort(lanes.begin(), lanes.end(),
            [](auto& a, auto& b) { return a.first < b.first; });
  if (lanes.front().first != r + 1)
    return make_problem(
      "bad_topology",
      fmt::format("stage '{}' follows route '{}' but starts no lane",
                  t.stages[r + 1].spec.name, route.spec.name),
      t.stages[r + 1].where);
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    auto end = i + 1 < lanes.size() ? lanes[i + 1].first : *m;
    auto& l = lanes[i];
    l.last = l.first == *m ? r : end - 1;
    for (auto j = l.first; j < end; ++j)
      t.stages[j].lane = route.spec.name + "/" + l.spec.value;
    if (l.first != *m)
      t.stages[l.last].next = *m;
  }
  t.stages[*m].joins = lanes.size();
  route.field = field;
  route.next = *m;
  route.lanes = std::move(lanes);
  return std::nullopt;
}

/// What flows into stage `i`, with the name of where it comes from.
std::vector<std::pair<flow_type, std::string>> inputs_of(const topology& t,
                                                         std::size_t i) {
  std::vector<std::pair<flow_type, std::string>> result;
  for (std::size_t j = 0; j < t.stages.size(); ++j) {
    auto& s = t.stages[j];
    auto from = "stage '" + s.spec.name + "'";
    if (s.kind->role == stage_role::route) {
      for (auto& l : s.lanes)
        if (l.first == i)
          result.emplace_back(s.kind->produces, from);
    } else if (s.next == i) {
      result.emplace_back(s.kind->produces, from);
    }
  }
  if (i == 0)
    result.emplace_back(flow_type::seeds, "the seed source");
  return result;
}

} // namespace

result<topology> resolve_topology(const config::kpsynth_config& cfg,
                                  const stage_registry& registry) {
  auto stages = config::effective_pipeline(cfg);
  if (stages.empty())
    return make_problem("empty_pipeline", "the pipeline has no stages",
                        cfg.file.string());
  topology t;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    auto r = resolve_one(cfg, registry, stages[i], static_cast<int32_t>(i));
    if (!r)
      return r.error();
    r->next = i + 1;
    t.stages.push_back(std::move(*r));
  }
  for (std::size_t i = 0; i < t.stages.size(); ++i) {
    auto role = t.stages[i].kind->role;
    if (role == stage_role::route && t.stages[i].lane.empty())
      if (auto err = resolve_lanes(t, i))
        return *err;
    if (role == stage_role::merge && t.stages[i].joins == 0)
      return make_problem("bad_topology",
                          fmt::format("merge '{}' closes no route's lanes",
                                      t.stages[i].spec.name),
                          t.stages[i].where);
  }
  for (std::size_t i = 0; i < t.stages.size(); ++i) {
    auto& s = t.stages[i];
    for (auto& [type, from] : inputs_of(t, i))
      if (type != s.kind->consumes)
        return make_problem(
          "bad_topology",
          fmt::format("kind '{}' consumes {}, but {} before it produces {}",
                      s.kind->name, to_string(s.kind->consumes), from,
                      to_string(type)),
          s.where);
  }
  auto& last = t.stages.back();
  if (last.kind->produces != flow_type::items)
    return make_problem("bad_topology",
                        fmt::format("the sink takes items, but stage '{}' "
                                    "(the last stage) produces {}",
                                    last.spec.name,
                                    to_string(last.kind->produces)),
                        last.where);
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
    out += fmt::format("  queue {}", s.spec.settings.queue);
    if (!s.lane.empty())
      out += "  lane " + s.lane;
    out += "\n";
    for (auto& l : s.lanes)
      out +=
        fmt::format("      lane {} = {} -> {}\n", s.field->name, l.spec.value,
                    l.first == s.next ? "(empty) " + t.stages[s.next].spec.name
                                      : t.stages[l.first].spec.name + " .. "
                                          + t.stages[l.last].spec.name);
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
