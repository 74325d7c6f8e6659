#include "decontam/decontam.hpp"

#include "decontam/decontam_jsonl.hpp"
#include "decontam/ngram_text.hpp"

#include <array>
#include <cstdio>
#include <limits>
#include <system_error>

namespace kpsynth::quality {

namespace {

struct bundled_entry {
  std::string_view name;
  std::string_view path;
  std::string_view fields;
};

/// Load order decides attribution when sets share items: the first set
/// loaded owns a shared n-gram and wins MinHash ties, so subsets that are
/// the usual evaluation sets (MATH500 within MATH test, AIME 2024 beside
/// the 1983-2023 archive) come first.
constexpr std::array<bundled_entry, 18> bundled = {{
  {"math500_test", "math500/test.jsonl", "problem"},
  {"math_test", "math/test.jsonl", "problem"},
  {"gsm8k_test", "gsm8k/test.jsonl", "question"},
  {"gsm_hard", "gsm_hard/test.jsonl", "input"},
  {"svamp", "svamp/svamp.jsonl", "Body+Question"},
  {"asdiv", "asdiv/test.jsonl", "body+question"},
  {"mawps", "mawps/test.jsonl", "input"},
  {"aime24", "aime24/test.jsonl", "problem"},
  {"aime25", "aime25/test.jsonl", "problem"},
  {"aime_1983_2023", "aime_1983_2023/problems.jsonl", "problem"},
  {"amc23", "amc23/test.jsonl", "problem"},
  {"amc_2022_2023", "amc_2022_2023/test.jsonl", "problem"},
  {"minerva_math", "minerva_math/test.jsonl", "problem"},
  {"olympiadbench", "olympiadbench/test.jsonl", "context+question"},
  {"college_math", "college_math/test.jsonl", "question"},
  {"gaokao2023en", "gaokao2023en/test.jsonl", "question"},
  {"aqua", "aqua/test.jsonl", "question"},
  {"sat_math", "sat_math/test.jsonl", "question"},
}};

std::string fixed2(double v) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.2f", v);
  return buf.data();
}

bool in_unit_interval(double v) {
  return v > 0.0 && v <= 1.0;
}

} // namespace

std::vector<std::string> split_field_spec(std::string_view spec) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (start <= spec.size()) {
    auto end = spec.find('+', start);
    if (end == std::string_view::npos)
      end = spec.size();
    if (end > start)
      fields.emplace_back(spec.substr(start, end - start));
    start = end + 1;
  }
  return fields;
}

result<std::vector<benchmark_source>>
bundled_benchmark_sources(const std::filesystem::path& bench_dir) {
  std::vector<benchmark_source> sources;
  for (const auto& entry : bundled) {
    auto path = bench_dir / entry.path;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      auto gz = path;
      gz += ".gz";
      if (!std::filesystem::exists(gz, ec))
        return make_problem("missing_file",
                            "bundled benchmark set \"" + std::string{entry.name}
                              + "\" not found (nor its .gz)",
                            path.string());
      path = gz;
    }
    sources.push_back(benchmark_source{std::string{entry.name}, path,
                                       split_field_spec(entry.fields)});
  }
  return sources;
}

decontaminator::decontaminator(decontam_config config, minhash_lsh lsh)
  : config_(std::move(config)), ngrams_(config_.ngram_n), lsh_(std::move(lsh)) {
}

result<decontaminator> decontaminator::create(decontam_config config) {
  if (config.ngram_n == 0 || config.ngram_n > 64)
    return make_problem("bad_config",
                        "decontamination ngram_n must be in 1..64, got "
                          + std::to_string(config.ngram_n));
  if (!in_unit_interval(config.ngram_overlap)
      || !in_unit_interval(config.ngram_coverage))
    return make_problem("bad_config",
                        "decontamination ngram_overlap and ngram_coverage "
                        "must be in (0, 1]");
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
  constexpr std::size_t max_line = std::numeric_limits<std::uint32_t>::max();
  items_.push_back(
    item_ref{static_cast<std::uint32_t>(set_index),
             static_cast<std::uint32_t>(line < max_line ? line : max_line)});
  if (config_.use_ngrams)
    ngrams_.add(id, normalized);
  if (config_.use_minhash) {
    lsh_.add(lsh_.signature(normalized)); // returns `id`: both count items
    if (config_.exact_verification) {
      texts_ += normalized;
      text_ends_.push_back(texts_.size());
    }
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

verdict decontaminator::check(std::string_view text) const {
  verdict out;
  auto normalized = normalize_text(text);
  if (normalized.empty())
    return out;
  auto grams = config_.use_ngrams ? ngrams_.query(normalized) : ngram_match{};
  out.ngram_overlap = grams.overlap;
  if (grams.item) {
    auto where = source_of(*grams.item);
    auto label = std::to_string(ngrams_.n()) + "-gram ";
    auto at = where.set + ":" + std::to_string(where.line);
    if (grams.overlap >= config_.ngram_overlap) {
      out.contaminated = true;
      out.reason = label + "overlap " + fixed2(grams.overlap) + " with " + at;
    } else if (grams.item_coverage >= config_.ngram_coverage) {
      out.contaminated = true;
      out.reason =
        label + "coverage " + fixed2(grams.item_coverage) + " of " + at;
    }
    if (out.contaminated) {
      out.source = std::move(where);
      return out;
    }
  }
  if (!config_.use_minhash)
    return out;
  auto match = minhash_match(normalized);
  if (!match)
    return out;
  out.jaccard = match->jaccard;
  out.contaminated = true;
  out.source = source_of(match->item);
  out.reason = "minhash jaccard " + fixed2(match->jaccard) + " with "
               + out.source->set + ":" + std::to_string(out.source->line);
  return out;
}

std::string_view decontaminator::text_of(std::uint32_t item) const {
  std::size_t begin = item == 0 ? 0 : text_ends_[item - 1];
  return std::string_view{texts_}.substr(begin, text_ends_[item] - begin);
}

std::optional<lsh_match>
decontaminator::minhash_match(std::string_view normalized) const {
  auto sig = lsh_.signature(normalized);
  const double threshold = config_.minhash.threshold;
  if (!config_.exact_verification)
    return lsh_.best_match(sig, threshold);
  auto candidates =
    lsh_.matches(sig, threshold - config_.minhash.candidate_margin);
  if (candidates.empty())
    return std::nullopt;
  auto query = shingle_set(normalized, config_.minhash.shingle);
  std::optional<lsh_match> best;
  for (const auto& candidate : candidates) {
    auto other = shingle_set(text_of(candidate.item), config_.minhash.shingle);
    double j = set_jaccard(query, other);
    if (j >= threshold && (!best || j > best->jaccard))
      best = lsh_match{candidate.item, j};
  }
  return best;
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
