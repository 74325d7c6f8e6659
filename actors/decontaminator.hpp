#pragma once

#include "actors/context.hpp"
#include "actors/flow.hpp"
#include "decontam/decontam.hpp"
#include "decontam/decontam_embedding.hpp"
#include "decontam/dedup.hpp"
#include "protocols/actors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kpsynth {

/// What the rephrase layer needs, prepared by the pipeline. The layer is on
/// when `check_pool` is set: exact and MinHash screens miss a benchmark
/// problem said in other words, so candidates (embedding neighbours and
/// MinHash near misses) go to an LLM "same problem?" check.
struct rephrase_setup {
  model_pool_actor check_pool; ///< Answers same_problem; null: layer off.
  model_pool_actor embed_pool; ///< Embeds problems; null: no neighbours.
  std::shared_ptr<const quality::benchmark_corpus> corpus;
  /// MinHash index at minhash_threshold - llm_band (n-grams off). What it
  /// finds in an item the main screen passed is a near miss. Null: none.
  std::shared_ptr<const quality::decontaminator> near_misses;
  std::filesystem::path cache; ///< Embedding cache file; empty: none.
  quality::embedding_cache_key cache_key;
  float embedding_threshold = 0.85f;
  uint32_t check_deadline_ms = 600'000;
  uint32_t embed_deadline_ms = 120'000;
  uint32_t batch = 64;     ///< Texts per embedding call.
  uint32_t max_embeds = 4; ///< Embedding calls in flight at most.
  uint32_t top_k = 3;      ///< Neighbours checked per item at most.
};

/// One benchmark problem an item may restate, and how it was found.
struct rephrase_candidate {
  std::size_t bench = 0; ///< Index in the corpus.
  std::string how;       ///< "cosine 0.91" or "minhash jaccard 0.62".
};

/// An item in the rephrase layer: waiting for its embedding, then for the
/// answers about its candidates.
struct rephrase_job {
  item_record item;
  std::vector<rephrase_candidate> candidates;
  uint32_t open = 0; ///< LLM checks not answered yet.
  std::string same;  ///< Rejection text once one answer was SAME.
};

/// State of the DECONTAMINATOR actor. It sits before solving and judging, so
/// that no tokens are spent on a problem that copies a benchmark test item
/// (exact 13-gram overlap or MinHash near-duplicate), restates one (the
/// rephrase layer), or nearly repeats a seed or an earlier problem.
struct decontaminator_state {
  context_ptr ctx;
  stage_spec spec;
  std::shared_ptr<const quality::decontaminator> benchmarks;
  std::unique_ptr<quality::dedup_index> dedup; ///< Null when dedup is off.
  producer_actor upstream;
  consumer_actor<item_record> downstream;
  flow::inbound_window in;
  flow::outbound_buffer<item_record> out;
  uint64_t contaminated = 0;
  uint64_t duplicates = 0;
  uint64_t rephrased = 0;

  // -- rephrase layer ---------------------------------------------------------
  rephrase_setup rephrase;
  std::optional<quality::embedding_index> index;
  /// The index is loaded or built, or building failed (then `index` stays
  /// empty and only near misses are checked). Items wait until then.
  bool index_ready = true;
  std::vector<std::vector<float>> building; ///< Benchmark vectors so far.
  std::size_t build_next = 0;               ///< Next corpus row to send.
  std::size_t build_left = 0;               ///< Rows not yet embedded.
  uint32_t embeds = 0;                      ///< Embedding calls in flight.
  std::map<uint64_t, rephrase_job> jobs;
  uint64_t next_job = 1;
  std::deque<uint64_t> to_embed;
  /// LLM checks to start: job and candidate index.
  std::deque<std::pair<uint64_t, std::size_t>> checks;
  flow::credit_account credit; ///< Pool credit held, unused.

  stage_status status() const;

  static inline const char* name = "decontaminator";
};

/// Checks one problem; sets the item rejected with a reason if it must go.
/// Exposed for tests.
void screen(item_record& x, const quality::decontaminator* benchmarks,
            quality::dedup_index* dedup);

/// `dedup` comes pre-filled with the seeds and the problems earlier runs
/// accepted, so that a restart keeps deduplicating against them.
item_stage_actor::behavior_type
decontaminator(item_stage_actor::stateful_pointer<decontaminator_state> self,
               context_ptr ctx, stage_spec spec,
               std::shared_ptr<const quality::decontaminator> benchmarks,
               std::shared_ptr<quality::dedup_index> dedup,
               consumer_actor<item_record> downstream, rephrase_setup rephrase);

} // namespace kpsynth
