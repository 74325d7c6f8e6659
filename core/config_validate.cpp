// Cross-field validation of a parsed configuration: what the per-key
// conversion in config.cpp cannot check. Errors point at the line of the
// offending key, as the per-key errors do.

#include "core/config_internal.hpp"
#include "core/config_pipeline.hpp"

#include <fmt/format.h>

#include <cmath>

namespace kpsynth::config::detail {

namespace {

/// The line of `key` (a path such as "panel[0].weight") or, when the file
/// does not spell it, of its closest enclosing table; 0 when none exists.
uint32_t line_of(const toml::table& root, std::string_view key) {
  while (!key.empty()) {
    if (auto node = root.at_path(key); node && node.node()->source().begin)
      return node.node()->source().begin.line;
    auto cut = key.find_last_of(".[");
    key = key.substr(0, cut == std::string_view::npos ? 0 : cut);
  }
  return 0;
}

/// The legacy `[stages.*]` tables: the fixed chain needs extract, generate
/// and solve, and knows program besides.
template<class Bad>
std::optional<problem> validate_legacy_stages(const kpsynth_config& c,
                                              Bad& bad) {
  for (auto stage : {"extract", "generate", "solve"})
    if (!c.stages.count(stage))
      return bad(fmt::format("stages.{}", stage), "stage is not configured");
  for (auto& [name, s] : c.stages) {
    if (name != "extract" && name != "generate" && name != "solve"
        && name != "program")
      return bad("stages." + name,
                 "unknown stage (known: extract, generate, solve, program); "
                 "configure other topologies with [[pipeline.stages]]");
    if (s.model.empty())
      return bad(fmt::format("stages.{}", name), "the stage names no model");
    if (!c.models.count(s.model))
      return bad(fmt::format("stages.{}.model", name),
                 fmt::format("unknown model '{}'", s.model));
    if (s.queue < 1)
      return bad(fmt::format("stages.{}.queue", name), "must be at least 1");
    if (s.samples < 1)
      return bad(fmt::format("stages.{}.samples", name),
                 "must be at least 1 (solutions per problem)");
  }
  return std::nullopt;
}

/// The rephrase layer of [decontam]: both models must exist, and the
/// embedding neighbours need the LLM check to decide on them.
template<class Bad>
std::optional<problem> validate_rephrase(const kpsynth_config& c, Bad& bad) {
  auto& d = c.decontam;
  for (auto [key, model] :
       {std::pair{"decontam.embedding_model", &d.embedding_model},
        std::pair{"decontam.llm_check_model", &d.llm_check_model}})
    if (!model->empty() && !c.models.count(*model))
      return bad(key, fmt::format("unknown model '{}'", *model));
  if (!d.embedding_model.empty() && d.llm_check_model.empty())
    return bad("decontam.embedding_model",
               "embedding neighbours need decontam.llm_check_model to "
               "judge them");
  // Written so that NaN fails too.
  if (!(d.embedding_threshold > -1 && d.embedding_threshold <= 1))
    return bad("decontam.embedding_threshold", "must be within (-1, 1]");
  if (!(d.llm_band >= 0 && d.llm_band < d.minhash_threshold))
    return bad("decontam.llm_band",
               "must be within [0, decontam.minhash_threshold)");
  return std::nullopt;
}

} // namespace

std::optional<problem> validate(const kpsynth_config& c,
                                const toml::table& root, std::string_view f) {
  auto bad = [&](std::string key, std::string msg) {
    auto line = line_of(root, key);
    return problem{"invalid_config", std::move(msg),
                   line > 0 ? fmt::format("{}:{}: {}", f, line, key)
                            : fmt::format("{}: {}", f, key)};
  };
  if (c.run.seeds.empty())
    return bad("run.seeds", "no seed file given");
  for (auto& [name, m] : c.models) {
    if (m.endpoints.empty())
      return bad("models." + name + ".endpoints", "a model needs endpoints");
    if (m.min_limit < 1 || m.min_limit > m.max_limit)
      return bad("models." + name, "need 1 <= min_limit <= max_limit");
    if (m.max_attempts < 1)
      return bad("models." + name + ".max_attempts", "must be at least 1");
  }
  if (c.pipeline.empty()) {
    if (auto p = validate_legacy_stages(c, bad))
      return p;
  } else if (auto p = validate_pipeline(c, bad)) {
    return p;
  }
  if (c.panel.empty())
    return bad("panel", "the judge panel needs at least one judge");
  for (size_t i = 0; i < c.panel.size(); ++i) {
    if (c.panel[i].model.empty())
      return bad(fmt::format("panel[{}]", i), "the judge names no model");
    if (!c.models.count(c.panel[i].model))
      return bad(fmt::format("panel[{}].model", i),
                 fmt::format("unknown model '{}'", c.panel[i].model));
    // Written so that NaN fails too: TOML can spell nan and inf.
    if (!(c.panel[i].weight > 0 && std::isfinite(c.panel[i].weight)))
      return bad(fmt::format("panel[{}].weight", i),
                 "must be a positive finite number");
  }
  if (!(c.run.accept_threshold >= 0 && c.run.accept_threshold <= 1))
    return bad("run.accept_threshold", "must be within 0..1");
  if (c.decontam.enabled && c.decontam.benchmarks.empty())
    return bad("decontam.benchmarks",
               "name the benchmark directory (e.g. data/bench) or set "
               "decontam.enabled = false");
  if (c.decontam.minhash_threshold <= 0 || c.decontam.minhash_threshold > 1)
    return bad("decontam.minhash_threshold", "must be within (0, 1]");
  if (auto p = validate_rephrase(c, bad))
    return p;
  if (c.consensus.min_share < 0 || c.consensus.min_share > 1)
    return bad("consensus.min_share", "must be within 0..1");
  auto& pl = c.planner;
  if (pl.one_hop + pl.two_hop + pl.three_hop + pl.community == 0)
    return bad("planner", "every combination kind has weight 0");
  if (!(pl.core_fraction > 0 && pl.core_fraction <= 1))
    return bad("planner.core_fraction", "must be within (0, 1]");
  if (c.verify.workers < 1)
    return bad("verify.workers", "must be at least 1");
  if (!(c.run.model_down_timeout_s >= 0
        && std::isfinite(c.run.model_down_timeout_s)))
    return bad("run.model_down_timeout_s",
               "must be a finite number of seconds, 0 or more");
  if (c.run.max_seed_line_bytes < 1)
    return bad("run.max_seed_line_bytes", "must be at least 1");
  if (c.control.max_connections < 1)
    return bad("control.max_connections", "must be at least 1");
  if (c.control.read_timeout_ms < 1)
    return bad("control.read_timeout_ms", "must be at least 1");
  auto& ca = c.control.address;
  bool loopback = ca == "127.0.0.1" || ca == "::1" || ca == "localhost"
                  || ca.rfind("127.", 0) == 0;
  if (c.control.enabled && !loopback && !c.control.allow_remote)
    return bad("control.address",
               "the control API listens on loopback only unless "
               "control.allow_remote = true");
  return std::nullopt;
}

} // namespace kpsynth::config::detail
