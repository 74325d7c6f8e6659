#include "decontam/decontam.hpp"

#include "decontam/decontam_jsonl.hpp"
#include "decontam/ngram_text.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>

namespace kpsynth::quality {

namespace {

std::string fixed2(double v) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.2f", v);
  return buf.data();
}

bool in_unit_interval(double v) {
  return v > 0.0 && v <= 1.0;
}

/// Sorted distinct word hashes of a normalised text: the token set of the
/// short-text rule. Numbers are words of their own after normalisation, so
/// they count like any other token.
void token_set(std::string_view normalized, std::vector<std::uint64_t>& out) {
  out.clear();
  append_word_hashes(normalized, out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

/// Sorted hashes of the number tokens (digit runs) of a normalised text,
/// repeats kept: a multiset, as `set_jaccard` compares sorted lists.
void number_tokens(std::string_view normalized,
                   std::vector<std::uint64_t>& out) {
  out.clear();
  for (auto word : split_words(normalized))
    if (std::all_of(word.begin(), word.end(),
                    [](char c) { return c >= '0' && c <= '9'; }))
      out.push_back(hash_bytes(word.data(), word.size()));
  std::sort(out.begin(), out.end());
}

} // namespace

/// One thread's buffers for `check`.
struct decontaminator::scratch {
  std::string normalized;
  std::vector<std::uint64_t> words;
  word_windows windows;
  std::vector<std::uint64_t> grams;
  std::vector<std::uint32_t> owners;
  std::vector<std::uint32_t> signature;
  std::vector<std::uint64_t> query_set;
  std::vector<std::uint64_t> item_set;
  std::vector<std::uint64_t> query_numbers;
  std::vector<std::uint64_t> item_numbers;
  /// The item sharing the most n-grams with the query, if any.
  std::optional<std::uint32_t> ngram_item;
};

std::string_view match_rule_name(match_rule rule) {
  switch (rule) {
  case match_rule::none:
    return "none";
  case match_rule::exact_text:
    return "exact_text";
  case match_rule::ngram_overlap:
    return "ngram_overlap";
  case match_rule::ngram_coverage:
    return "ngram_coverage";
  case match_rule::contains_item:
    return "contains_item";
  case match_rule::item_prefix:
    return "item_prefix";
  case match_rule::minhash_jaccard:
    return "minhash_jaccard";
  case match_rule::token_jaccard:
    return "token_jaccard";
  }
  return "unknown";
}

decontaminator::decontaminator(decontam_config config, minhash_lsh lsh)
  : config_(std::move(config)), ngrams_(config_.ngram_n, config_.min_run_words),
    lsh_(std::move(lsh)) {}

result<decontaminator> decontaminator::create(decontam_config config) {
  if (config.ngram_n == 0 || config.ngram_n > word_windows::max_length)
    return make_problem("bad_config",
                        "decontamination ngram_n must be in 1..64, got "
                          + std::to_string(config.ngram_n));
  if (!in_unit_interval(config.ngram_overlap)
      || !in_unit_interval(config.ngram_coverage)
      || !in_unit_interval(config.short_token_jaccard)
      || !in_unit_interval(config.number_jaccard)
      || !in_unit_interval(config.prefix_min_fraction)
      || !in_unit_interval(config.contained_min_fraction))
    return make_problem("bad_config",
                        "decontamination ngram_overlap, ngram_coverage, "
                        "short_token_jaccard, number_jaccard, "
                        "prefix_min_fraction and contained_min_fraction must "
                        "be in (0, 1]");
  if (config.min_run_words == 0)
    return make_problem("bad_config",
                        "decontamination min_run_words must be at least 1");
  auto lsh = minhash_lsh::create(config.minhash);
  if (!lsh)
    return lsh.error();
  return decontaminator{std::move(config), std::move(*lsh)};
}

result<decontaminator>
decontaminator::build(std::span<const benchmark_source> sources,
                      decontam_config config) {
  auto self = create(std::move(config));
  if (!self)
    return self.error();
  for (const auto& source : sources)
    if (auto loaded = self->load(source); !loaded)
      return loaded.error();
  self->shrink_to_fit();
  return self;
}

result<std::size_t> decontaminator::load(const benchmark_source& source) {
  std::size_t added = 0;
  auto records = for_each_jsonl_text(
    source.path, source.fields, [&](std::size_t line, std::string_view text) {
      added += add(source.name, line, text) ? 1 : 0;
    });
  if (!records)
    return records.error();
  return added;
}

bool decontaminator::add(std::string_view set, std::size_t line,
                         std::string_view text) {
  auto normalized = normalize_text(text);
  if (normalized.empty())
    return false;
  std::size_t set_index = 0;
  while (set_index < sets_.size() && sets_[set_index].name != set)
    ++set_index;
  if (set_index == sets_.size())
    sets_.push_back(benchmark_set_info{std::string{set}, 0});
  ++sets_[set_index].items;
  auto id = static_cast<std::uint32_t>(items_.size());
  std::vector<std::uint64_t> words;
  append_word_hashes(normalized, words);
  constexpr std::size_t max32 = std::numeric_limits<std::uint32_t>::max();
  items_.push_back(
    item_ref{static_cast<std::uint32_t>(set_index),
             static_cast<std::uint32_t>(std::min(line, max32)),
             static_cast<std::uint32_t>(std::min(words.size(), max32))});
  if (config_.use_ngrams) {
    word_windows windows;
    windows.assign(words);
    ngrams_.add(id, windows);
  }
  if (config_.use_minhash) {
    lsh_.add(lsh_.signature(normalized)); // returns `id`: both count items
    texts_ += normalized;
    text_ends_.push_back(texts_.size());
  }
  return true;
}

void decontaminator::shrink_to_fit() {
  ngrams_.shrink_to_fit();
  lsh_.shrink_to_fit();
  items_.shrink_to_fit();
  texts_.shrink_to_fit();
  text_ends_.shrink_to_fit();
}

match_source decontaminator::source_of(std::uint32_t item) const {
  const auto& ref = items_[item];
  return match_source{sets_[ref.set].name, ref.line};
}

void decontaminator::flag(verdict& out, match_rule rule, std::uint32_t item,
                          std::string what) const {
  out.contaminated = true;
  out.rule = rule;
  out.source = source_of(item);
  out.reason = std::move(what) + " " + out.source->set + ":"
               + std::to_string(out.source->line);
}

verdict decontaminator::check(std::string_view text) const {
  thread_local scratch s;
  verdict out;
  normalize_text_into(text, s.normalized);
  if (s.normalized.empty())
    return out;
  s.ngram_item.reset();
  s.words.clear();
  append_word_hashes(s.normalized, s.words);
  s.windows.assign(s.words);
  if (config_.use_ngrams && check_ngrams(s, out))
    return out;
  if (config_.use_minhash)
    check_minhash(s, out);
  return out;
}

bool decontaminator::check_ngrams(scratch& s, verdict& out) const {
  auto grams = ngrams_.query(s.windows, s.grams, s.owners);
  out.ngram_overlap = grams.overlap;
  s.ngram_item = grams.item;
  const auto n = ngrams_.n();
  const auto words = s.windows.size();
  if (grams.item) {
    auto label = std::to_string(n) + "-gram ";
    if (words < n && grams.overlap >= 1.0
        && items_[*grams.item].words == words) {
      flag(out, match_rule::exact_text, *grams.item, "same normalised text as");
      return true;
    }
    if (grams.overlap >= config_.ngram_overlap) {
      flag(out, match_rule::ngram_overlap, *grams.item,
           label + "overlap " + fixed2(grams.overlap) + " with");
      return true;
    }
    if (grams.item_coverage >= config_.ngram_coverage) {
      flag(out, match_rule::ngram_coverage, *grams.item,
           label + "coverage " + fixed2(grams.item_coverage) + " of");
      return true;
    }
  }
  // A short item (under n words) cannot make up contained_min_fraction of
  // a longer query: skip the probes there.
  const bool may_contain =
    config_.contained_min_fraction * static_cast<double>(words)
    <= static_cast<double>(n - 1);
  if (auto item =
        may_contain ? ngrams_.contained_item(s.windows) : std::nullopt) {
    auto item_words = items_[*item].words;
    if (static_cast<double>(item_words)
        >= config_.contained_min_fraction * static_cast<double>(words)) {
      flag(out, match_rule::contains_item, *item,
           "contains all " + std::to_string(item_words) + " words of");
      return true;
    }
  }
  if (auto item = ngrams_.prefix_item(s.windows)) {
    auto item_words = items_[*item].words;
    if (static_cast<double>(words)
        >= config_.prefix_min_fraction * static_cast<double>(item_words)) {
      flag(out, match_rule::item_prefix, *item,
           "is the first " + std::to_string(words) + " of "
             + std::to_string(item_words) + " words of");
      return true;
    }
  }
  return false;
}

std::string_view decontaminator::text_of(std::uint32_t item) const {
  std::size_t begin = item == 0 ? 0 : text_ends_[item - 1];
  return std::string_view{texts_}.substr(begin, text_ends_[item] - begin);
}

bool decontaminator::check_minhash(scratch& s, verdict& out) const {
  const auto& mh = config_.minhash;
  s.signature.resize(mh.num_perm);
  lsh_.signature_into(s.normalized, s.signature);
  auto candidates =
    lsh_.matches(s.signature, mh.threshold - mh.candidate_margin);
  if (candidates.empty())
    return false;
  const std::size_t query_words = s.windows.size();
  // The short-text and number rules tell copies from template siblings
  // with the n-gram stage's evidence beside them; a MinHash-only index
  // (such as the rephrase layer's near-miss index) reports plain shingle
  // Jaccard.
  const bool strict = config_.use_ngrams;
  bool have_shingles = false, have_tokens = false;
  std::optional<lsh_match> best;
  match_rule best_rule = match_rule::none;
  number_tokens(s.normalized, s.query_numbers);
  for (const auto& candidate : candidates) {
    // A candidate that shares a verbatim n-gram passage with the query
    // needs no number agreement: changed numbers in a copied passage are
    // still a copy, while template siblings share no such passage.
    if (strict && candidate.item != s.ngram_item) {
      number_tokens(text_of(candidate.item), s.item_numbers);
      if (set_jaccard(s.query_numbers, s.item_numbers) < config_.number_jaccard)
        continue;
    }
    auto item_words = items_[candidate.item].words;
    bool short_pair =
      strict
      && std::min<std::size_t>(query_words, item_words) < config_.short_words;
    double j = 0.0;
    if (short_pair) {
      // Short texts: distinct word tokens, numbers kept, must agree.
      if (!have_tokens) {
        token_set(s.normalized, s.query_set);
        have_tokens = true;
        have_shingles = false;
      }
      token_set(text_of(candidate.item), s.item_set);
      j = set_jaccard(s.query_set, s.item_set);
      if (j < config_.short_token_jaccard)
        continue;
    } else if (config_.exact_verification) {
      if (!have_shingles) {
        s.query_set = shingle_set(s.normalized, mh.shingle);
        have_shingles = true;
        have_tokens = false;
      }
      j = set_jaccard(s.query_set,
                      shingle_set(text_of(candidate.item), mh.shingle));
      if (j < mh.threshold)
        continue;
    } else {
      j = candidate.jaccard;
      if (j < mh.threshold)
        continue;
    }
    if (!best || j > best->jaccard) {
      best = lsh_match{candidate.item, j};
      best_rule =
        short_pair ? match_rule::token_jaccard : match_rule::minhash_jaccard;
    }
  }
  if (!best)
    return false;
  out.jaccard = best->jaccard;
  flag(out, best_rule, best->item,
       std::string{best_rule == match_rule::token_jaccard ? "token" : "minhash"}
         + " jaccard " + fixed2(best->jaccard) + " with");
  return true;
}

std::size_t decontaminator::memory_bytes() const {
  std::size_t bytes = ngrams_.memory_bytes() + lsh_.memory_bytes()
                      + items_.capacity() * sizeof(item_ref) + texts_.capacity()
                      + text_ends_.capacity() * sizeof(std::size_t);
  for (const auto& set : sets_)
    bytes += sizeof(set) + set.name.capacity();
  return bytes;
}

} // namespace kpsynth::quality
