#include "actors/pipeline.hpp"

#include "actors/extractor.hpp"
#include "actors/generator.hpp"
#include "actors/judge.hpp"
#include "actors/model_pool.hpp"
#include "actors/panel.hpp"
#include "actors/planner.hpp"
#include "actors/seed_source.hpp"
#include "actors/sink.hpp"
#include "actors/solver.hpp"
#include "net/io_runtime.hpp"
#include "protocols/records.hpp"

#include <caf/actor_system_config.hpp>

#include <fmt/format.h>
#include <fstream>
#include <spdlog/spdlog.h>

namespace kpsynth {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::kpsynth>();
}

std::vector<panel_member>
spawn_judges(caf::actor_system& sys, const context_ptr& ctx, pipeline& p,
             const std::vector<config::judge_config>& judges) {
  std::vector<panel_member> result;
  for (auto& j : judges) {
    auto h = sys.spawn(judge, ctx, j, p.pools.at(j.model));
    result.push_back(panel_member{j.name, h, j.weight});
  }
  return result;
}

result<pipeline> spawn_pipeline(caf::actor_system& sys, context_ptr ctx,
                                net::io_runtime& io) {
  auto& cfg = ctx->cfg;
  auto& dir = cfg.run.output_dir;
  std::error_code err;
  std::filesystem::create_directories(dir, err);
  if (err)
    return make_problem("io_error", "cannot create: " + err.message(),
                        dir.string());
  // What an earlier run of the same job left behind.
  auto items = scan_jsonl(dir / "items.jsonl", "id");
  if (!items)
    return items.error();
  auto seeds = scan_jsonl(dir / "seeds.jsonl", "seed_id");
  if (!seeds)
    return seeds.error();
  auto journal = load_kp_journal(dir / "knowledge_points.jsonl");
  if (!journal)
    return journal.error();
  for (auto* scan : {&*items, &*seeds})
    if (scan->truncated_bytes > 0)
      spdlog::warn("cut off a torn last line ({} bytes) left by a crash",
                   scan->truncated_bytes);
  pipeline p;
  p.resumed_items = items->ids.size();
  p.resumed_seeds = seeds->ids.size();
  pipeline_status counters;
  if (p.resumed_items > 0) {
    // Recount the outcomes so that the summary covers the whole job.
    std::ifstream in{dir / "items.jsonl"};
    std::string line;
    uint64_t n = 0;
    while (std::getline(in, line)) {
      auto x = parse_item_line(line, fmt::format("items.jsonl:{}", ++n));
      if (!x)
        continue;
      if (x->status == item_status::accepted)
        ++counters.accepted;
      else if (x->status == item_status::rejected)
        ++counters.rejected;
      else
        ++counters.failed;
    }
  }
  for (auto& [name, m] : cfg.models)
    p.pools.emplace(name, sys.spawn(model_pool, m, &io));
  auto reader = seed_reader::open(cfg.run.seeds);
  if (!reader)
    return reader.error();
  p.sink = sys.spawn(sink, ctx, items->ids, seeds->ids, counters);
  p.judges = spawn_judges(sys, ctx, p, cfg.panel);
  p.panel = sys.spawn(panel, ctx, p.judges,
                      consumer_actor<item_record>{p.sink});
  p.solver = sys.spawn(solver, ctx, p.pools.at(cfg.stages.at("solve").model),
                       consumer_actor<item_record>{p.panel});
  p.generator
    = sys.spawn(generator, ctx, p.pools.at(cfg.stages.at("generate").model),
                consumer_actor<item_record>{p.solver});
  p.planner = sys.spawn(planner, ctx, consumer_actor<item_record>{p.generator},
                        std::move(items->ids));
  p.extractor
    = sys.spawn(extractor, ctx, p.pools.at(cfg.stages.at("extract").model),
                consumer_actor<kp_list>{p.planner}, seed_ledger_actor{p.sink},
                std::move(*journal));
  p.source = sys.spawn(seed_source, std::move(*reader),
                       consumer_actor<seed_problem>{p.extractor},
                       seed_ledger_actor{p.sink});
  return p;
}

} // namespace kpsynth
