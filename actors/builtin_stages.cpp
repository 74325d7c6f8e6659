#include "actors/builtin_stages.hpp"

#include "actors/extractor.hpp"
#include "actors/generator.hpp"
#include "actors/judge.hpp"
#include "actors/panel.hpp"
#include "actors/pipeline.hpp"
#include "actors/planner.hpp"
#include "actors/programmer.hpp"
#include "actors/rater.hpp"
#include "actors/router.hpp"
#include "actors/sandbox_worker.hpp"
#include "actors/solver.hpp"
#include "actors/verifier.hpp"

#include <caf/actor_system.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace kpsynth {

namespace {

template<class T>
consumer_actor<T> next_of(const stage_env& env) {
  return caf::actor_cast<consumer_actor<T>>(env.downstream);
}

const model_pool_actor& pool_of(const stage_env& env) {
  return env.p.pools.at(env.stage.spec.settings.model);
}

/// A prompt kind that is sent with `provides`, the first of which the
/// template must use.
prompt_use prompt(std::string kind, std::vector<std::string> provides,
                  std::vector<std::string> needs) {
  return prompt_use{std::move(kind), std::move(provides), std::move(needs)};
}

/// Whether the pipeline has a stage of kind `kind`.
bool has_kind(const config::kpsynth_config& cfg, std::string_view kind) {
  auto stages = config::effective_pipeline(cfg);
  return std::any_of(stages.begin(), stages.end(),
                     [&](auto& s) { return s.kind == kind; });
}

/// Starts the sandbox workers; none (with a warning) when no sandbox works
/// here, e.g. python3 is missing.
std::vector<sandbox_worker_actor>
make_sandbox_workers(caf::actor_system& sys, const config::verify_config& v) {
  quality::sandbox_options opts;
  opts.python = v.python;
  opts.cpu_seconds = v.cpu_seconds;
  opts.wall_seconds = v.wall_seconds;
  opts.memory_bytes = static_cast<std::size_t>(v.memory_mb) << 20;
  auto box = quality::sandbox::create(opts);
  std::vector<sandbox_worker_actor> result;
  if (!box) {
    spdlog::warn("{}", box.error().to_string());
    return result;
  }
  spdlog::info("program verification: {} sandbox worker(s), backend {}",
               v.workers, box->backend());
  for (uint32_t i = 0; i < v.workers; ++i)
    result.push_back(sys.spawn<caf::detached>(sandbox_worker, *box));
  return result;
}

/// Whether programs can run here; a program stage without a sandbox would
/// only spend tokens, so both program stages leave themselves out.
bool sandbox_available(const config::verify_config& v) {
  quality::sandbox_options opts;
  opts.python = v.python;
  return quality::sandbox::create(opts).has_value();
}

result<caf::actor> spawn_extract(stage_env& env) {
  return caf::actor_cast<caf::actor>(env.sys.spawn(
    extractor, env.ctx, env.stage.spec, pool_of(env), next_of<kp_list>(env),
    seed_ledger_actor{env.p.sink}, std::move(env.p.resumed.journal)));
}

result<caf::actor> spawn_plan(stage_env& env) {
  return caf::actor_cast<caf::actor>(
    env.sys.spawn(planner, env.ctx, env.stage.spec, next_of<item_record>(env),
                  env.p.resumed.item_ids));
}

/// Factory of a kind whose actor takes (ctx, spec, pool, downstream).
template<class F>
stage_factory llm_item_stage(F fn) {
  return [fn](stage_env& env) -> result<caf::actor> {
    return caf::actor_cast<caf::actor>(env.sys.spawn(
      fn, env.ctx, env.stage.spec, pool_of(env), next_of<item_record>(env)));
  };
}

result<caf::actor> spawn_program(stage_env& env) {
  if (!sandbox_available(env.ctx->cfg.verify)) {
    spdlog::warn("stage '{}' left out: no sandbox can run programs here",
                 env.stage.spec.name);
    return env.downstream;
  }
  return llm_item_stage(programmer)(env);
}

result<caf::actor> spawn_verify(stage_env& env) {
  auto workers = make_sandbox_workers(env.sys, env.ctx->cfg.verify);
  if (workers.empty()) {
    spdlog::warn("stage '{}' left out: program verification is off",
                 env.stage.spec.name);
    return env.downstream;
  }
  for (auto& w : workers)
    env.p.helpers.push_back(caf::actor_cast<caf::actor>(w));
  return caf::actor_cast<caf::actor>(
    env.sys.spawn(verifier, env.ctx, env.stage.spec, std::move(workers),
                  next_of<item_record>(env)));
}

result<caf::actor> spawn_judge_panel(stage_env& env) {
  if (env.p.panel)
    return make_problem("bad_topology", "only one judge_panel stage may run",
                        env.stage.where);
  env.p.judge_priority = env.stage.spec.priority;
  env.p.judges = spawn_judges(env.sys, env.ctx, env.p, env.ctx->cfg.panel);
  env.p.panel = env.sys.spawn(panel, env.ctx, env.stage.spec, env.p.judges,
                              next_of<item_record>(env));
  return caf::actor_cast<caf::actor>(env.p.panel);
}

result<caf::actor> spawn_route(stage_env& env) {
  std::vector<consumer_actor<item_record>> lanes;
  for (auto& h : env.lanes)
    lanes.push_back(caf::actor_cast<consumer_actor<item_record>>(h));
  std::vector<lane_spec> specs;
  for (auto& l : env.stage.lanes)
    specs.push_back(l.spec);
  auto route = env.sys.spawn(router, env.stage.spec, env.stage.field, specs,
                             std::move(lanes));
  for (uint32_t i = 0; i < specs.size(); ++i)
    env.views.emplace_back(
      env.stage.spec.name + "/" + specs[i].value,
      caf::actor_cast<caf::actor>(env.sys.spawn(lane_view, route, i)));
  return caf::actor_cast<caf::actor>(route);
}

result<caf::actor> spawn_merge(stage_env& env) {
  return caf::actor_cast<caf::actor>(env.sys.spawn(
    merger, env.stage.spec, static_cast<uint32_t>(env.stage.joins),
    next_of<item_record>(env)));
}

std::vector<prompt_use> panel_prompts(const config::kpsynth_config& cfg,
                                      const stage_spec&) {
  std::vector<prompt_use> result{
    prompt("judge_problem", {"problem"}, {"problem"}),
    prompt("judge_solution", {"problem", "solution"}, {"problem", "solution"})};
  if (has_kind(cfg, "program"))
    result.push_back(
      prompt("program_judge", {"problem", "program"}, {"problem", "program"}));
  return result;
}

/// The prompts of a kind that always sends one prompt kind.
auto sends(prompt_use use) {
  return [use](const config::kpsynth_config&, const stage_spec&) {
    return std::vector<prompt_use>{use};
  };
}

/// Registers one kind; a clash of names is a programming error.
void add(stage_registry& r, stage_kind k) {
  if (auto err = r.add(std::move(k)))
    spdlog::critical("{}", err->to_string());
}

/// From seeds to generated problems.
void register_generation_stages(stage_registry& r) {
  using ft = flow_type;
  add(r, {"extract",
          "knowledge points of each seed (kp_extract)",
          ft::seeds,
          ft::knowledge_points,
          true,
          {},
          sends(prompt("kp_extract", {"problem", "solution", "max_points"},
                       {"problem"})),
          spawn_extract});
  add(r, {"plan",
          "KP graph; one/two/three-hop and community combinations",
          ft::knowledge_points,
          ft::items,
          false,
          {},
          nullptr,
          spawn_plan});
  add(r, {"generate",
          "a new problem per combination (generate)",
          ft::items,
          ft::items,
          true,
          {},
          sends(prompt("generate", {"knowledge_points", "count"},
                       {"knowledge_points"})),
          llm_item_stage(generator)});
  add(r,
      {"decontam",
       "benchmark decontamination and dedup",
       ft::items,
       ft::items,
       false,
       {},
       [](const config::kpsynth_config& cfg, const stage_spec&) {
         std::vector<prompt_use> result;
         if (!cfg.decontam.llm_check_model.empty())
           result.push_back(prompt("same_problem", {"problem_a", "problem_b"},
                                   {"problem_a", "problem_b"}));
         return result;
       },
       spawn_decontam});
}

/// Difficulty rating and lanes.
void register_routing_stages(stage_registry& r) {
  using ft = flow_type;
  add(r, {"rate",
          "rates difficulty easy/medium/hard (difficulty)",
          ft::items,
          ft::items,
          true,
          {},
          sends(prompt("difficulty", {"problem"}, {"problem"})),
          llm_item_stage(rater)});
  add(r, {"route",
          "sends each item to a lane by a field; pull credit per lane",
          ft::items,
          ft::items,
          false,
          {{"by", "difficulty", "item field: difficulty, status, combination"},
           {"lanes", "", "'value=first stage; ...', '*' takes the rest"}},
          nullptr,
          spawn_route,
          stage_role::route});
  add(r, {"merge",
          "joins the lanes of the route before it",
          ft::items,
          ft::items,
          false,
          {},
          nullptr,
          spawn_merge,
          stage_role::merge});
}

/// Solving, verification and judging.
void register_checking_stages(stage_registry& r) {
  using ft = flow_type;
  add(r, {"solve",
          "solutions with consensus voting (solve)",
          ft::items,
          ft::items,
          true,
          {},
          sends(prompt("solve", {"problem"}, {"problem"})),
          llm_item_stage(solver)});
  add(r, {"program",
          "a program that computes the answer (program)",
          ft::items,
          ft::items,
          true,
          {},
          sends(prompt("program", {"problem"}, {"problem"})),
          spawn_program});
  add(r, {"verify",
          "runs the program in the sandbox; output must agree",
          ft::items,
          ft::items,
          false,
          {},
          nullptr,
          spawn_verify});
  add(r, {"judge_panel",
          "judges from [[panel]]; weighted score and veto",
          ft::items,
          ft::items,
          false,
          {},
          panel_prompts,
          spawn_judge_panel});
}

} // namespace

void register_builtin_stages(stage_registry& r) {
  register_generation_stages(r);
  register_routing_stages(r);
  register_checking_stages(r);
}

} // namespace kpsynth
