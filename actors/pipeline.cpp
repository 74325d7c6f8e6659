#include "actors/pipeline.hpp"

#include "actors/judge.hpp"
#include "actors/model_pool.hpp"
#include "actors/seed_source.hpp"
#include "actors/sink.hpp"
#include "net/io_runtime.hpp"

#include <caf/actor_system_config.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace kpsynth {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::kpsynth>();
}

std::vector<std::pair<std::string, caf::actor>>
named_actors(const pipeline& p) {
  std::vector<std::pair<std::string, caf::actor>> result;
  auto add = [&](std::string name, const auto& h) {
    if (h)
      result.emplace_back(std::move(name), caf::actor_cast<caf::actor>(h));
  };
  for (auto& [name, pool] : p.pools)
    add("pool '" + name + "'", pool);
  for (auto& j : p.judges)
    add("judge '" + j.name + "'", j.handle);
  for (std::size_t i = 0; i < p.helpers.size(); ++i)
    add(fmt::format("helper {}", i), p.helpers[i]);
  for (auto& s : p.stages)
    add("stage '" + s.name + "'", s.handle);
  add("sink", p.sink);
  add("seed source", p.source);
  return result;
}

std::vector<caf::actor> all_actors(const pipeline& p) {
  std::vector<caf::actor> result;
  for (auto& [name, h] : named_actors(p))
    result.push_back(std::move(h));
  return result;
}

std::vector<panel_member>
spawn_judges(caf::actor_system& sys, const context_ptr& ctx, pipeline& p,
             const std::vector<config::judge_config>& judges) {
  std::vector<panel_member> result;
  for (auto& j : judges) {
    auto h = sys.spawn(judge, ctx, j, p.pools.at(j.model), p.judge_priority);
    result.push_back(panel_member{j.name, h, j.weight});
  }
  return result;
}

result<pipeline> spawn_pipeline(caf::actor_system& sys, context_ptr ctx,
                                net::io_runtime& io) {
  auto registry = stage_registry::with_builtins();
  auto t = resolve_topology(ctx->cfg, registry);
  if (!t)
    return t.error();
  if (auto err = check_prompts(*t, ctx->prompts))
    return *err;
  return spawn_pipeline(sys, std::move(ctx), io, *t);
}

namespace {

/// Spawns the stages from the sink upstream, so that each one is handed
/// its consumer (a route: the first stage of each lane). Returns the first
/// stage's handle (the source's consumer).
result<caf::actor> spawn_stages(caf::actor_system& sys, const context_ptr& ctx,
                                const topology& t, pipeline& p) {
  // entry[i]: who receives what flows into stage i -- the stage itself, or
  // whoever it hands on to when it left itself out. entry[n] is the sink.
  std::vector<caf::actor> entry(t.stages.size() + 1);
  entry.back() = caf::actor_cast<caf::actor>(p.sink);
  p.stages.resize(t.stages.size());
  std::vector<std::vector<std::pair<std::string, caf::actor>>> views(
    t.stages.size());
  for (auto i = t.stages.size(); i-- > 0;) {
    auto& s = t.stages[i];
    stage_env env{sys, ctx, s, entry[s.next], p};
    for (auto& l : s.lanes) {
      auto h = entry[l.first];
      if (std::count(env.lanes.begin(), env.lanes.end(), h))
        return make_problem("bad_topology",
                            fmt::format("route '{}': two lanes lead straight "
                                        "to the same stage (their stages "
                                        "left themselves out)",
                                        s.spec.name),
                            s.where);
      env.lanes.push_back(std::move(h));
    }
    auto h = s.kind->spawn(env);
    if (!h)
      return h.error();
    p.stages[i] = running_stage{s.spec.name, s.spec.kind, {}};
    entry[i] = *h;
    if (*h == env.downstream)
      continue; // The stage left itself out; its factory said why.
    p.stages[i].handle = *h;
    views[i] = std::move(env.views);
  }
  // Views (a route's lanes) follow their stage in the status list.
  std::vector<running_stage> ordered;
  for (std::size_t i = 0; i < t.stages.size(); ++i) {
    ordered.push_back(std::move(p.stages[i]));
    for (auto& [name, h] : views[i])
      ordered.push_back(running_stage{name, "lane", std::move(h)});
  }
  p.stages = std::move(ordered);
  return entry.front();
}

} // namespace

result<pipeline> spawn_pipeline(caf::actor_system& sys, context_ptr ctx,
                                net::io_runtime& io, const topology& t) {
  auto& cfg = ctx->cfg;
  auto resumed = scan_output_dir(cfg.run.output_dir);
  if (!resumed)
    return resumed.error();
  auto reader = seed_reader::open(cfg.run.seeds, cfg.run.max_seed_line_bytes);
  if (!reader)
    return reader.error();
  pipeline p;
  p.resumed = std::move(*resumed);
  p.resumed_items = p.resumed.item_ids.size();
  p.resumed_seeds = p.resumed.seed_ids.size();
  for (auto& [name, m] : cfg.models)
    p.pools.emplace(name, sys.spawn(model_pool, m, &io));
  p.sink = sys.spawn(sink, ctx, p.resumed.item_ids, p.resumed.seed_ids,
                     p.resumed.counters);
  auto first = spawn_stages(sys, ctx, t, p);
  if (!first) {
    // Nothing may outlive a failed start: the actor system waits for all.
    for (auto& a : all_actors(p))
      anon_send_exit(a, caf::exit_reason::user_shutdown);
    return first.error();
  }
  p.source = sys.spawn(seed_source, std::move(*reader),
                       caf::actor_cast<consumer_actor<seed_problem>>(*first),
                       seed_ledger_actor{p.sink});
  return p;
}

} // namespace kpsynth
