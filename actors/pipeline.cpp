#include "actors/pipeline.hpp"

#include "actors/decontaminator.hpp"
#include "actors/extractor.hpp"
#include "actors/generator.hpp"
#include "actors/judge.hpp"
#include "actors/model_pool.hpp"
#include "actors/panel.hpp"
#include "actors/planner.hpp"
#include "actors/programmer.hpp"
#include "actors/sandbox_worker.hpp"
#include "actors/seed_source.hpp"
#include "actors/sink.hpp"
#include "actors/solver.hpp"
#include "actors/verifier.hpp"
#include "net/io_runtime.hpp"
#include "protocols/records.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <simdjson.h>

namespace kpsynth {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::kpsynth>();
}

std::vector<caf::actor> all_actors(const pipeline& p) {
  std::vector<caf::actor> result;
  auto add = [&](const auto& h) {
    if (h)
      result.push_back(caf::actor_cast<caf::actor>(h));
  };
  for (auto& [name, pool] : p.pools)
    add(pool);
  for (auto& j : p.judges)
    add(j.handle);
  for (auto& w : p.sandbox_workers)
    add(w);
  for (auto h : {p.generator, p.decontam, p.solver, p.programmer, p.verifier})
    add(h);
  add(p.sink);
  add(p.panel);
  add(p.planner);
  add(p.extractor);
  add(p.source);
  return result;
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

namespace {

/// What the decontaminator is spawned with.
struct decontam_parts {
  std::shared_ptr<const quality::decontaminator> benchmarks;
  std::shared_ptr<quality::dedup_index> dedup;
  rephrase_setup rephrase; ///< Pools left null; set by the caller.
};

/// Prepares the rephrase layer: the benchmark texts, the near-miss index
/// and the embedding cache key. Nothing when no LLM check is configured.
result<rephrase_setup>
make_rephrase(const config::kpsynth_config& cfg,
              const std::vector<quality::benchmark_source>& sources,
              const quality::decontam_config& qc) {
  auto& dc = cfg.decontam;
  rephrase_setup rs;
  if (dc.llm_check_model.empty())
    return rs;
  auto corpus = quality::benchmark_corpus::load(sources);
  if (!corpus)
    return corpus.error();
  rs.corpus =
    std::make_shared<const quality::benchmark_corpus>(std::move(*corpus));
  rs.check_deadline_ms = cfg.models.at(dc.llm_check_model).request_timeout_ms;
  if (dc.llm_band > 0) {
    auto near = qc;
    near.use_ngrams = false;
    near.minhash.threshold = dc.minhash_threshold - dc.llm_band;
    auto index = quality::decontaminator::build(sources, near);
    if (!index)
      return index.error();
    rs.near_misses =
      std::make_shared<const quality::decontaminator>(std::move(*index));
  }
  if (!dc.embedding_model.empty()) {
    auto& m = cfg.models.at(dc.embedding_model);
    auto fingerprint = quality::benchmark_fingerprint(sources);
    if (!fingerprint)
      return fingerprint.error();
    rs.cache = cfg.run.output_dir / "benchmark_embeddings.bin";
    rs.cache_key = {dc.embedding_model + "/" + m.served_as, *fingerprint,
                    rs.corpus->size()};
    rs.embedding_threshold = static_cast<float>(dc.embedding_threshold);
    rs.embed_deadline_ms = m.request_timeout_ms;
  }
  spdlog::info("rephrase check: {} benchmark problems, LLM {}, embeddings {}",
               rs.corpus->size(), dc.llm_check_model,
               dc.embedding_model.empty() ? "off" : dc.embedding_model);
  return rs;
}

/// Builds the benchmark index and the dedup index (seeded with the seed
/// problems and what earlier runs accepted), and the rephrase layer.
result<decontam_parts>
make_decontam(const config::kpsynth_config& cfg,
              const std::vector<std::pair<std::string, std::string>>& done) {
  auto& dc = cfg.decontam;
  auto sources = quality::bundled_benchmark_sources(dc.benchmarks);
  if (!sources)
    return sources.error();
  quality::decontam_config qc;
  qc.ngram_n = dc.ngram_n;
  qc.ngram_overlap = dc.ngram_overlap;
  qc.minhash.threshold = dc.minhash_threshold;
  auto index = quality::decontaminator::build(*sources, qc);
  if (!index)
    return index.error();
  spdlog::info("decontamination against {} benchmark problems from {}",
               index->size(), dc.benchmarks.string());
  auto rephrase = make_rephrase(cfg, *sources, qc);
  if (!rephrase)
    return rephrase.error();
  std::shared_ptr<quality::dedup_index> dedup;
  if (dc.dedup) {
    quality::minhash_params mp;
    mp.threshold = dc.minhash_threshold;
    auto d = quality::dedup_index::create(mp);
    if (!d)
      return d.error();
    auto reader = seed_reader::open(cfg.run.seeds, cfg.run.max_seed_line_bytes,
                                    /*report_duplicates=*/false);
    if (!reader)
      return reader.error();
    while (auto next = reader->next())
      if (*next)
        d->insert_if_new("seed:" + (*next)->id, (*next)->problem);
    for (auto& [id, problem] : done)
      d->insert_if_new(id, problem);
    dedup = std::make_shared<quality::dedup_index>(std::move(*d));
  }
  return decontam_parts{
    std::make_shared<quality::decontaminator>(std::move(*index)),
    std::move(dedup), std::move(*rephrase)};
}

/// Starts the sandbox workers; none (with a warning) when no sandbox works
/// here, e.g. python3 is missing: program verification is then off.
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

} // namespace

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
  std::vector<std::pair<std::string, std::string>> done_problems;
  if (p.resumed_items > 0) {
    // Recount the outcomes so that the summary covers the whole job.
    std::ifstream in{dir / "items.jsonl"};
    std::string line;
    uint64_t n = 0;
    while (std::getline(in, line)) {
      auto x = parse_item_line(line, fmt::format("items.jsonl:{}", ++n));
      if (!x)
        continue;
      if (x->status == item_status::accepted) {
        ++counters.accepted;
        done_problems.emplace_back(x->id, x->problem);
      } else if (x->status == item_status::rejected)
        ++counters.rejected;
      else
        ++counters.failed;
    }
  }
  if (p.resumed_seeds > 0) {
    std::ifstream in{dir / "seeds.jsonl"};
    std::string line;
    simdjson::dom::parser parser;
    while (std::getline(in, line)) {
      simdjson::padded_string padded{line};
      simdjson::dom::object obj;
      if (parser.parse(padded).get(obj) != simdjson::SUCCESS)
        continue;
      std::string_view status;
      std::string_view stage;
      int64_t points = 0;
      // Absent fields keep their defaults; the line was written by us.
      if (obj["status"].get(status) != simdjson::SUCCESS)
        continue;
      if (obj["knowledge_points"].get(points) != simdjson::SUCCESS)
        points = 0;
      simdjson::dom::object why;
      if (obj["why"].get(why) == simdjson::SUCCESS
          && why["stage"].get(stage) != simdjson::SUCCESS)
        stage = {};
      if (status == "extracted") {
        ++counters.seeds_extracted;
        counters.knowledge_points += static_cast<uint64_t>(points);
      } else if (stage == "read") {
        ++counters.seeds_bad;
      } else {
        ++counters.seeds_failed;
      }
    }
  }
  auto reader = seed_reader::open(cfg.run.seeds, cfg.run.max_seed_line_bytes);
  if (!reader)
    return reader.error();
  // From here on an error must not leave actors behind: the actor system
  // waits for every actor when it shuts down, so the process would hang.
  auto reap = [&p](problem e) -> result<pipeline> {
    for (auto& a : all_actors(p))
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    return e;
  };
  for (auto& [name, m] : cfg.models)
    p.pools.emplace(name, sys.spawn(model_pool, m, &io));
  // Spawned from the sink upstream, so that each stage knows its consumer:
  // generator -> decontam -> solver -> programmer -> verifier -> panel.
  p.sink = sys.spawn(sink, ctx, items->ids, seeds->ids, counters);
  p.judges = spawn_judges(sys, ctx, p, cfg.panel);
  p.panel =
    sys.spawn(panel, ctx, p.judges, consumer_actor<item_record>{p.sink});
  auto next = consumer_actor<item_record>{p.panel};
  if (auto prog = cfg.stages.find("program"); prog != cfg.stages.end()) {
    p.sandbox_workers = make_sandbox_workers(sys, cfg.verify);
    if (!p.sandbox_workers.empty()) {
      p.verifier = sys.spawn(verifier, ctx, p.sandbox_workers, next);
      next = consumer_actor<item_record>{p.verifier};
      p.programmer =
        sys.spawn(programmer, ctx, p.pools.at(prog->second.model), next);
      next = consumer_actor<item_record>{p.programmer};
    }
  }
  p.solver =
    sys.spawn(solver, ctx, p.pools.at(cfg.stages.at("solve").model), next);
  next = consumer_actor<item_record>{p.solver};
  if (cfg.decontam.enabled) {
    auto dc = make_decontam(cfg, done_problems);
    if (!dc)
      return reap(dc.error());
    auto& dcfg = cfg.decontam;
    if (!dcfg.llm_check_model.empty())
      dc->rephrase.check_pool = p.pools.at(dcfg.llm_check_model);
    if (!dcfg.embedding_model.empty())
      dc->rephrase.embed_pool = p.pools.at(dcfg.embedding_model);
    p.decontam = sys.spawn(decontaminator, ctx, std::move(dc->benchmarks),
                           std::move(dc->dedup), next, std::move(dc->rephrase));
    next = consumer_actor<item_record>{p.decontam};
  }
  p.generator = sys.spawn(generator, ctx,
                          p.pools.at(cfg.stages.at("generate").model), next);
  p.planner = sys.spawn(planner, ctx, consumer_actor<item_record>{p.generator},
                        std::move(items->ids));
  p.extractor =
    sys.spawn(extractor, ctx, p.pools.at(cfg.stages.at("extract").model),
              consumer_actor<kp_list>{p.planner}, seed_ledger_actor{p.sink},
              std::move(*journal));
  p.source = sys.spawn(seed_source, std::move(*reader),
                       consumer_actor<seed_problem>{p.extractor},
                       seed_ledger_actor{p.sink});
  return p;
}

} // namespace kpsynth
