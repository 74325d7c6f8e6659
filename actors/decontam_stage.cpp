// The decontam stage kind: builds the benchmark index, the dedup index and
// the rephrase layer, then spawns the decontaminator. Index building is the
// stage's own business, so it lives with its factory.

#include "actors/builtin_stages.hpp"
#include "actors/decontaminator.hpp"
#include "actors/pipeline.hpp"
#include "core/seeds.hpp"

#include <caf/actor_system.hpp>

#include <spdlog/spdlog.h>

namespace kpsynth {

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

} // namespace

result<caf::actor> spawn_decontam(stage_env& env) {
  auto& cfg = env.ctx->cfg;
  auto dc = make_decontam(cfg, env.p.resumed.accepted_problems);
  if (!dc)
    return dc.error();
  auto& dcfg = cfg.decontam;
  if (!dcfg.llm_check_model.empty())
    dc->rephrase.check_pool = env.p.pools.at(dcfg.llm_check_model);
  if (!dcfg.embedding_model.empty())
    dc->rephrase.embed_pool = env.p.pools.at(dcfg.embedding_model);
  auto h =
    env.sys.spawn(decontaminator, env.ctx, env.stage.spec,
                  std::move(dc->benchmarks), std::move(dc->dedup),
                  caf::actor_cast<consumer_actor<item_record>>(env.downstream),
                  std::move(dc->rephrase));
  return caf::actor_cast<caf::actor>(h);
}

} // namespace kpsynth
