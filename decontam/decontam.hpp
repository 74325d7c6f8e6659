#pragma once

#include "core/result.hpp"
#include "decontam/decontam_sources.hpp"
#include "decontam/minhash.hpp"
#include "decontam/ngram_index.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::quality {

/// Decontamination thresholds, tuned on the probe set of
/// `bench/decontam.cpp` (1,000 MATH test problems, copied and lightly
/// edited, as positives; MATH and GSM8K train as negatives).
///
/// What the sweep showed: the n-gram overlap threshold hardly matters
/// (0.5..0.8 moves recall and flags by < 1 point, MinHash catches the
/// rest), so it keeps the usual 0.5. The MinHash threshold is the real
/// trade-off, because MATH train holds many template siblings of MATH test
/// problems, indistinguishable from a copy with changed numbers: at
/// J >= 0.7 / 0.65 / 0.6, word-substitution recall is 0.75 / 0.86 / 0.93,
/// number-change recall 0.49 / 0.59 / 0.70, and 12.8% / 14.8% / 17.6% of
/// MATH train is flagged (GSM8K train: 0.07% / 0.08% / 0.13%). Below 0.7
/// short problems that only share a template ("Simplify: ...") start to
/// match, so the default stays at 0.7.
struct decontam_config {
  std::size_t ngram_n = 13; ///< Gram length in words (GPT-3 / lm-eval: 13).
  /// Flag when this fraction of the query's n-grams occurs in the index.
  /// One shared 13-gram is not enough: MATH problems share boilerplate
  /// ("Express your answer as a common fraction ...") with the test set.
  double ngram_overlap = 0.5;
  /// Also flag when the query contains this fraction of one benchmark
  /// item's n-grams: catches a copied problem wrapped in new text.
  double ngram_coverage = 0.8;
  /// Texts with fewer words than this (query or matched item) are short:
  /// a MinHash candidate must then share word tokens, numbers included,
  /// instead of character shingles. Short template problems ("Find the
  /// least common multiple of 36 and 132.") differ from a test problem
  /// only in their numbers, which are few characters but whole tokens.
  std::size_t short_words = 25;
  /// Token Jaccard (distinct normalised words) that flags a short text.
  /// Form-only edits leave the tokens of a short text as they were, while
  /// one changed word in a dozen already drops it to 0.85.
  double short_token_jaccard = 0.9;
  /// A MinHash candidate must also agree in its numbers: the Jaccard of
  /// the multisets of number tokens (1 when neither has numbers) must reach
  /// this, unless the candidate shares an n-gram with the text. Copies keep
  /// their numbers; template siblings change them.
  double number_jaccard = 0.8;
  /// Shortest word run that the short-item rules (`contains_item`,
  /// `item_prefix`) accept as a match ("Compute $\dbinom{15}{2}$." has
  /// four words).
  std::size_t min_run_words = 3;
  /// `item_prefix` flags a short text only when it keeps at least this
  /// fraction of the item's words (a copy with its last sentence dropped,
  /// not a shared opening phrase).
  double prefix_min_fraction = 0.3;
  /// `contains_item` flags a text only when the short item makes up at
  /// least this fraction of its words (a test problem behind a sentence of
  /// preamble, not a phrase inside a different, longer problem).
  double contained_min_fraction = 0.25;
  /// Run the exact n-gram stage. Without it, MinHash candidates are
  /// verified by plain shingle Jaccard: the short-text and number rules
  /// need the n-gram evidence, and a MinHash-only index serves to find
  /// near misses (the rephrase layer), not to decide copies.
  bool use_ngrams = true;
  bool use_minhash = true; ///< Run the MinHash-LSH stage.
  /// Re-check MinHash candidates (estimated Jaccard at least threshold -
  /// minhash.candidate_margin) with the exact shingle Jaccard. Keeps the
  /// normalised benchmark texts (about one byte per character) and removes
  /// the estimator's noise (+-0.04 at J = 0.7 with 128 permutations) at
  /// the threshold.
  bool exact_verification = true;
  /// Shingles, permutations, Jaccard threshold and banding of the
  /// near-duplicate stage.
  minhash_params minhash{};
};

/// Where a matching benchmark item lives.
struct match_source {
  std::string set;      ///< Benchmark set name.
  std::size_t line = 0; ///< 1-based line in its JSONL file.
};

/// The rule that flagged a text.
enum class match_rule : std::uint8_t {
  none,
  exact_text,      ///< A short text with the same normalised words as an item.
  ngram_overlap,   ///< At least `ngram_overlap` of its n-grams are indexed.
  ngram_coverage,  ///< It contains `ngram_coverage` of one item's n-grams.
  contains_item,   ///< A short item's words occur as a run inside it.
  item_prefix,     ///< A short text that is the beginning of an item.
  minhash_jaccard, ///< Character-shingle Jaccard (long texts).
  token_jaccard,   ///< Word-token Jaccard, numbers kept (short texts).
};

/// Stable name of a rule for reports and JSON, e.g. "token_jaccard".
std::string_view match_rule_name(match_rule rule);

/// Outcome of `decontaminator::check`.
struct verdict {
  bool contaminated = false;
  match_rule rule = match_rule::none; ///< Which rule flagged it.
  /// Why, e.g. "13-gram overlap 0.82 with math_test:123" or
  /// "minhash jaccard 0.91 with gsm8k_test:5"; empty when clean.
  std::string reason;
  std::optional<match_source> source; ///< Set when contaminated.
  double ngram_overlap = 0.0;         ///< Fraction of query n-grams found.
  /// Jaccard similarity of the best MinHash match (exact when
  /// `exact_verification` is on, else estimated), when that stage matched.
  double jaccard = 0.0;
};

/// Per-set load summary.
struct benchmark_set_info {
  std::string name;
  std::size_t items = 0;
};

/// Flags texts that copy or nearly copy a benchmark test problem.
///
/// Two stages over the same normalised text (`normalize_text`): an exact
/// word n-gram index (verbatim copies, long shared passages, and short
/// items quoted whole or cut short), then MinHash-LSH over character
/// shingles (copies with changed words or formatting), whose candidates
/// are verified by exact Jaccard: of character shingles for long texts, of
/// word tokens with numbers kept for short ones. The verdict names the
/// rule (`match_rule`). Loading is single-threaded; `check` is const and
/// may be called from many threads at once; it allocates only for texts
/// longer than any the calling thread checked before.
class decontaminator {
 public:
  /// An empty index; fails on invalid thresholds or MinHash parameters.
  static result<decontaminator> create(decontam_config config = {});

  /// Creates and loads all `sources`; the first failing file stops it.
  static result<decontaminator> build(std::span<const benchmark_source> sources,
                                      decontam_config config = {});

  /// Loads one benchmark file; returns the number of items added. Errors
  /// name `path:line` and the field; records before the bad line stay
  /// loaded (`build` discards the whole index instead).
  result<std::size_t> load(const benchmark_source& source);

  /// Adds one benchmark item. Texts that normalise to nothing are ignored
  /// (false).
  bool add(std::string_view set, std::size_t line, std::string_view text);

  /// Releases spare capacity after loading (`build` does this).
  void shrink_to_fit();

  /// Checks one candidate text.
  verdict check(std::string_view text) const;

  /// Items indexed.
  std::size_t size() const { return items_.size(); }

  /// Sets loaded, in load order.
  std::span<const benchmark_set_info> sets() const { return sets_; }

  const decontam_config& config() const { return config_; }

  /// LSH banding in use.
  lsh_shape shape() const { return lsh_.shape(); }

  /// The two stages, for statistics.
  const ngram_index& ngrams() const { return ngrams_; }
  const minhash_lsh& lsh() const { return lsh_; }

  /// Bytes held by both indexes and the item table.
  std::size_t memory_bytes() const;

 private:
  struct item_ref {
    std::uint32_t set;
    std::uint32_t line;
    std::uint32_t words; ///< Words of the normalised text.
  };
  struct scratch;

  decontaminator(decontam_config config, minhash_lsh lsh);
  match_source source_of(std::uint32_t item) const;

  std::string_view text_of(std::uint32_t item) const;
  bool check_ngrams(scratch& s, verdict& out) const;
  bool check_minhash(scratch& s, verdict& out) const;
  void flag(verdict& out, match_rule rule, std::uint32_t item,
            std::string what) const;

  decontam_config config_;
  ngram_index ngrams_;
  std::string texts_; ///< Normalised item texts, for verification.
  std::vector<std::size_t> text_ends_;
  minhash_lsh lsh_;
  std::vector<item_ref> items_;
  std::vector<benchmark_set_info> sets_;
};

} // namespace kpsynth::quality
