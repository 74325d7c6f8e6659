#include "core/seeds.hpp"
#include "report/report_cluster.hpp"
#include "report/report_embed.hpp"
#include "report/report_stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace kpsynth::quality {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t max_diversity_sample = 5000;
constexpr std::size_t closest_shown = 5;
constexpr std::size_t clusters_shown = 5;

/// splitmix64: a small, well-mixed, reproducible generator.
struct rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return next() % n; }
};

/// A text with the id that names it.
struct text_entry {
  std::string id;
  std::string text;
};

/// Reservoir sampling (Algorithm R) of accepted problems; shuffled at the
/// end so that every prefix is itself a uniform sample.
class reservoir {
 public:
  reservoir(std::size_t capacity, uint64_t seed)
    : capacity_(capacity), rng_{seed} {}

  void offer(text_entry x) {
    ++seen_;
    if (kept_.size() < capacity_) {
      kept_.push_back(std::move(x));
      return;
    }
    auto j = rng_.below(seen_);
    if (j < capacity_)
      kept_[j] = std::move(x);
  }

  std::vector<text_entry> take() {
    for (std::size_t i = kept_.size(); i > 1; --i)
      std::swap(kept_[i - 1], kept_[rng_.below(i)]);
    return std::move(kept_);
  }

  uint64_t seen() const { return seen_; }

 private:
  std::size_t capacity_;
  rng rng_;
  uint64_t seen_ = 0;
  std::vector<text_entry> kept_;
};

std::optional<problem> price(report_summary& s, const price_table& prices) {
  auto per = [&](double dollars) {
    return s.items.accepted == 0
             ? nan
             : dollars / static_cast<double>(s.items.accepted);
  };
  auto& c = s.cost;
  c.gpu_priced = prices.gpu_priced();
  if (c.gpu_priced) {
    c.gpu_hours = prices.gpu_count * prices.wall_hours;
    c.gpu_dollars = c.gpu_hours * prices.gpu_dollars_per_hour;
    c.gpu_per_accepted = per(c.gpu_dollars);
  }
  c.token_priced = prices.token_priced();
  for (auto& m : s.models) {
    m.dollars = nan;
    if (!c.token_priced)
      continue;
    auto* p = prices.price_of(m.model);
    if (!p)
      return make_problem(
        "no_price",
        fmt::format("no token price for model '{}' of the run (add "
                    "[tokens.\"{}\"] or a [tokens.\"*\"] default)",
                    m.model, m.model),
        "price table");
    m.dollars =
      static_cast<double>(m.prompt_tokens) / 1e6 * p->prompt_per_million
      + static_cast<double>(m.completion_tokens) / 1e6
          * p->completion_per_million;
    c.token_dollars += m.dollars;
  }
  if (c.token_priced)
    c.token_per_accepted = per(c.token_dollars);
  return std::nullopt;
}

result<std::vector<text_entry>> read_seeds(const std::filesystem::path& f) {
  auto reader = seed_reader::open(f);
  if (!reader)
    return reader.error();
  std::vector<text_entry> seeds;
  while (auto next = reader->next()) {
    if (!*next)
      return next->error();
    seeds.push_back({(*next)->id, (*next)->problem});
  }
  return seeds;
}

/// Vectors for `entries`: looked up in `table`, or lexical.
result<std::vector<sparse_vector>>
vectors_of(const std::vector<text_entry>& entries, std::size_t count,
           const embedding_table* table, const lexical_embedder& lexical,
           std::string_view what) {
  std::vector<sparse_vector> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (!table) {
      out.push_back(lexical.embed(entries[i].text));
      continue;
    }
    auto it = table->vectors.find(entries[i].id);
    if (it == table->vectors.end())
      return make_problem(
        "missing_embedding",
        fmt::format("no embedding for {} '{}'", what, entries[i].id),
        table->source);
    out.push_back(it->second);
  }
  return out;
}

void similarity(report_summary& s, const report_config& cfg,
                const std::vector<text_entry>& items, std::size_t n,
                const std::vector<text_entry>& seeds,
                const std::vector<sparse_vector>& item_vecs,
                const std::vector<sparse_vector>& seed_vecs) {
  auto& sim = s.similarity;
  sim.computed = true;
  sim.items = n;
  sim.seeds = seeds.size();
  sim.histogram.assign(cfg.histogram_bins, 0);
  auto near = nearest_neighbours({item_vecs.data(), n}, seed_vecs);
  std::vector<double> values;
  std::vector<std::size_t> order;
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto v = near[i].similarity;
    values.push_back(v);
    order.push_back(i);
    sum += v;
    auto bin = static_cast<std::size_t>(
      std::clamp(v, 0.0, 1.0) * static_cast<double>(cfg.histogram_bins));
    ++sim.histogram[std::min(bin, cfg.histogram_bins - 1)];
    sim.above_0_9 += v >= 0.9 ? 1 : 0;
  }
  auto sorted = values;
  std::sort(sorted.begin(), sorted.end());
  sim.mean = n == 0 ? nan : sum / static_cast<double>(n);
  sim.median = percentile(sorted, 50);
  sim.p90 = percentile(sorted, 90);
  sim.max = sorted.empty() ? nan : sorted.back();
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (values[a] != values[b])
      return values[a] > values[b];
    return items[a].id < items[b].id;
  });
  for (std::size_t k = 0; k < std::min(closest_shown, n); ++k) {
    auto i = order[k];
    auto j = near[i].index;
    if (j >= seeds.size())
      continue;
    sim.closest.push_back(
      {items[i].id, items[i].text, seeds[j].id, seeds[j].text, values[i]});
  }
}

void diversity(report_summary& s, const report_config& cfg,
               const std::vector<text_entry>& items, std::size_t n,
               const std::vector<sparse_vector>& vecs) {
  auto& d = s.diversity;
  d.sample = n;
  d.min_pts = cfg.min_pts;
  if (n < cfg.min_pts + 2) {
    d.note = fmt::format("{} accepted problems are too few to cluster with "
                         "minPts = {}",
                         n, cfg.min_pts);
    return;
  }
  distance_matrix dm(n, [&](std::size_t i, std::size_t j) {
    return std::clamp(1.0 - cosine(vecs[i], vecs[j]), 0.0, 2.0);
  });
  auto choice = choose_eps(dm, cfg.min_pts);
  auto clusters = dbscan(dm, choice.eps, cfg.min_pts);
  d.computed = true;
  d.k_curve = std::move(choice.curve);
  d.knee = choice.knee;
  d.eps = choice.eps;
  d.clusters = clusters.clusters;
  d.noise = clusters.noise_points;
  std::vector<std::size_t> ids(clusters.clusters);
  for (std::size_t c = 0; c < ids.size(); ++c)
    ids[c] = c;
  std::stable_sort(ids.begin(), ids.end(), [&](std::size_t a, std::size_t b) {
    return clusters.sizes[a] > clusters.sizes[b];
  });
  for (std::size_t k = 0; k < std::min(clusters_shown, ids.size()); ++k) {
    auto c = static_cast<int>(ids[k]);
    auto first = static_cast<std::size_t>(
      std::find(clusters.labels.begin(), clusters.labels.end(), c)
      - clusters.labels.begin());
    d.largest.push_back(
      {clusters.sizes[ids[k]], items[first].id, items[first].text});
  }
}

std::optional<problem> check(const report_config& cfg) {
  auto bad = [](std::string what) {
    return make_problem("bad_option", std::move(what), "report options");
  };
  if (cfg.diversity_sample > max_diversity_sample)
    return bad(fmt::format("diversity sample {} exceeds {} (the distance "
                           "matrix is quadratic)",
                           cfg.diversity_sample, max_diversity_sample));
  if (cfg.min_pts < 1)
    return bad("minPts must be at least 1");
  if (cfg.histogram_bins < 1 || cfg.histogram_bins > 1000)
    return bad("histogram bins must be within 1..1000");
  if (!(cfg.accept_threshold >= 0 && cfg.accept_threshold <= 1))
    return bad("accept threshold must be within 0..1");
  return std::nullopt;
}

} // namespace

result<report_summary> analyse_run(const report_config& cfg) {
  if (auto p = check(cfg))
    return *p;
  report_summary s;
  s.run_dir = cfg.run_dir.string();
  s.accept_threshold = cfg.accept_threshold;
  run_tally tally{cfg.accept_threshold};
  auto run_seeds = load_run_seeds(cfg.run_dir);
  if (!run_seeds)
    return run_seeds.error();
  tally.add_seeds(*run_seeds);
  auto capacity = cfg.similarity_sample == 0
                    ? std::numeric_limits<std::size_t>::max()
                    : std::max(cfg.similarity_sample, cfg.diversity_sample);
  reservoir pool{capacity, cfg.sample_seed};
  auto stats = for_each_run_item(cfg.run_dir, [&](run_item&& x) {
    tally.add(x);
    if (x.status == "accepted")
      pool.offer({std::move(x.id), std::move(x.problem)});
  });
  if (!stats)
    return stats.error();
  s.torn_lines = stats->torn_lines;
  tally.finish(s);
  if (auto p = price(s, cfg.prices))
    return *p;
  auto sample = pool.take();
  s.diversity.population = pool.seen();
  std::optional<embedding_table> table;
  if (!cfg.embeddings.empty()) {
    auto t = load_embeddings(cfg.embeddings);
    if (!t)
      return t.error();
    table = std::move(*t);
    s.embedding = fmt::format("precomputed: {} ({} dimensions), cosine",
                              table->source, table->dims);
  } else {
    s.embedding = "lexical: hashed word uni/bi-gram TF-IDF, cosine. It "
                  "measures shared wording, not meaning; it is not a model "
                  "embedding";
  }
  std::vector<text_entry> seeds;
  if (!cfg.seeds.empty()) {
    auto r = read_seeds(cfg.seeds);
    if (!r)
      return r.error();
    seeds = std::move(*r);
  }
  auto n_sim = cfg.similarity_sample == 0
                 ? sample.size()
                 : std::min(cfg.similarity_sample, sample.size());
  auto n_div = std::min(cfg.diversity_sample, sample.size());
  auto n_vec = std::max(seeds.empty() ? 0 : n_sim, n_div);
  lexical_embedder lexical;
  if (!table) {
    for (auto& x : seeds)
      lexical.add_document(x.text);
    for (std::size_t i = 0; i < n_vec; ++i)
      lexical.add_document(sample[i].text);
  }
  auto item_vecs =
    vectors_of(sample, n_vec, table ? &*table : nullptr, lexical, "item");
  if (!item_vecs)
    return item_vecs.error();
  if (seeds.empty()) {
    s.similarity.note = "no seed file: give --seeds or --config";
  } else if (sample.empty()) {
    s.similarity.note = "no accepted items to compare with the seeds";
  } else {
    auto seed_vecs = vectors_of(seeds, seeds.size(), table ? &*table : nullptr,
                                lexical, "seed");
    if (!seed_vecs)
      return seed_vecs.error();
    similarity(s, cfg, sample, n_sim, seeds, *item_vecs, *seed_vecs);
    s.similarity.note =
      fmt::format("{} of {} accepted items (uniform sample) against {} seeds",
                  n_sim, pool.seen(), seeds.size());
  }
  diversity(s, cfg, sample, n_div, *item_vecs);
  if (s.diversity.computed)
    s.diversity.note = fmt::format(
      "DBSCAN on a uniform sample of {} of {} accepted problems; cosine "
      "distance; eps from the knee of the {}-distance graph",
      n_div, pool.seen(), cfg.min_pts);
  return s;
}

} // namespace kpsynth::quality
