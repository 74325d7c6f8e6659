// Benchmark of the knowledge-point planner at GSDP's scale: 7,500 seeds
// with up to 10 KPs each, drawn Zipf-like from ~20,000 KP names with
// 256-dimensional embeddings. Times registry interning, clustering (HNSW),
// graph building, the graph file, and enumerating 2M mixed combinations;
// prints peak RSS. Usage: kpsynth_bench_graph [--seeds N] [--names N]
// [--dim N] [--combos N] [--zipf S] [--draws N] [--ef-construction N]
// [--m N] [--search auto|exact|hnsw] [--compare]

#include "graph/cooccurrence.hpp"
#include "graph/graph_file.hpp"
#include "graph/kp_clusterer.hpp"
#include "graph/kp_graph.hpp"
#include "graph/kp_registry.hpp"
#include "graph/mixed_sampler.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <random>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

using namespace kpsynth::graph;

namespace {

struct params {
  std::size_t seeds = 7500;
  std::size_t names = 20000;
  std::size_t dim = 256;
  std::size_t combos = 2000000;
  double zipf = 1.0;
  std::size_t draws = 10;
  std::size_t ef_construction = cluster_options{}.hnsw_ef_construction;
  std::size_t hnsw_m = cluster_options{}.hnsw_m;
  neighbour_search search = neighbour_search::automatic;
  bool compare = false;
};

/// Process CPU seconds: on a shared two-core machine wall time mostly
/// measures the neighbours, so both are printed.
double cpu_now() {
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
    .count();
}

long peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

[[noreturn]] void die(const kpsynth::problem& p) {
  std::fprintf(stderr, "error: %s\n", p.to_string().c_str());
  std::exit(1);
}

/// Names are grouped in concepts of 1-4 spellings; an embedding is its
/// cluster's centre plus noise whose size varies by cluster, so pairs fall
/// on both sides of the 0.90 and 0.70 thresholds as real KP sets do.
struct synthetic_kps {
  std::vector<std::string> names;
  std::vector<std::uint32_t> concept_of;
  std::vector<double> sigma_of_concept;
  std::vector<std::uint32_t> first_of_concept;
};

synthetic_kps make_names(const params& p, std::mt19937_64& rng) {
  synthetic_kps s;
  std::uniform_int_distribution<int> spellings(1, 4);
  const double sigmas[] = {0.15, 0.3, 0.5, 0.7};
  std::uint32_t cluster = 0;
  while (s.names.size() < p.names) {
    const int k = spellings(rng);
    s.sigma_of_concept.push_back(sigmas[cluster % 4]);
    s.first_of_concept.push_back(static_cast<std::uint32_t>(s.names.size()));
    for (int v = 0; v < k && s.names.size() < p.names; ++v) {
      s.names.push_back("Concept " + std::to_string(cluster) + " variant "
                        + std::to_string(v));
      s.concept_of.push_back(cluster);
    }
    ++cluster;
  }
  return s;
}

} // namespace

int main(int argc, char** argv) {
  params p;
  for (int i = 1; i < argc; ++i) {
    auto arg = std::string{argv[i]};
    auto text = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    auto value = [&] {
      return static_cast<std::size_t>(std::strtoull(text(), nullptr, 10));
    };
    if (arg == "--seeds")
      p.seeds = value();
    else if (arg == "--names")
      p.names = value();
    else if (arg == "--dim")
      p.dim = value();
    else if (arg == "--combos")
      p.combos = value();
    else if (arg == "--zipf")
      p.zipf = std::strtod(text(), nullptr);
    else if (arg == "--draws")
      p.draws = value();
    else if (arg == "--ef-construction")
      p.ef_construction = value();
    else if (arg == "--m")
      p.hnsw_m = value();
    else if (arg == "--search") {
      const std::string mode = text();
      p.search = mode == "exact"  ? neighbour_search::exact
                 : mode == "hnsw" ? neighbour_search::approximate
                                  : neighbour_search::automatic;
    } else if (arg == "--compare")
      p.compare = true;
    else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  std::printf("graph bench: %zu seeds, %zu KP names, dim %zu, %zu combos\n",
              p.seeds, p.names, p.dim, p.combos);
  std::mt19937_64 rng(20241211);
  const auto kps = make_names(p, rng);

  // Zipf(1) over name ranks; a random permutation decouples rank and name.
  std::vector<double> cumulative(p.names);
  double acc = 0;
  for (std::size_t r = 0; r < p.names; ++r)
    cumulative[r] = acc += 1.0 / std::pow(double(r + 1), p.zipf);
  std::vector<std::uint32_t> by_rank(p.names);
  for (std::uint32_t i = 0; i < p.names; ++i)
    by_rank[i] = i;
  std::shuffle(by_rank.begin(), by_rank.end(), rng);
  std::uniform_real_distribution<double> unit(0.0, 1.0);

  // 1. Registry: 5% of mentions use a sloppy spelling that must intern to
  // the same id.
  auto t0 = std::chrono::steady_clock::now();
  kp_registry registry;
  std::size_t mentions = 0;
  for (std::size_t s = 0; s < p.seeds; ++s) {
    auto seed =
      registry.add_seed("train/synthetic/" + std::to_string(s) + ".json");
    for (std::size_t k = 0; k < p.draws; ++k) {
      auto it =
        std::lower_bound(cumulative.begin(), cumulative.end(), unit(rng) * acc);
      const auto name =
        by_rank[static_cast<std::size_t>(std::min<std::ptrdiff_t>(
          it - cumulative.begin(), static_cast<std::ptrdiff_t>(p.names - 1)))];
      std::string text = kps.names[name];
      if (unit(rng) < 0.05)
        for (auto& c : text)
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (auto r = registry.add_mention(seed, "  " + text + ". "); !r)
        die(r.error());
      ++mentions;
    }
  }
  const double t_registry = seconds_since(t0);
  std::printf("registry: %zu mentions -> %zu distinct KPs in %.3f s\n",
              mentions, registry.size(), t_registry);

  // 2. Embeddings (not timed: an embedding server produces them).
  std::normal_distribution<double> gauss(0.0, 1.0);
  const std::size_t concepts = kps.sigma_of_concept.size();
  std::vector<float> centres(concepts * p.dim);
  for (auto& x : centres)
    x = static_cast<float>(gauss(rng));
  std::vector<std::uint32_t> name_of_kp(registry.size());
  for (kp_id id = 0; id < registry.size(); ++id) {
    const auto& key = registry.key(id); // "concept <c> variant <v>"
    const auto c = static_cast<std::uint32_t>(std::stoul(key.substr(8)));
    const auto v =
      static_cast<std::uint32_t>(std::stoul(key.substr(key.rfind(' ') + 1)));
    name_of_kp[id] = kps.first_of_concept[c] + v;
  }
  std::vector<float> embeddings(registry.size() * p.dim);
  for (kp_id id = 0; id < registry.size(); ++id) {
    const auto c = kps.concept_of[name_of_kp[id]];
    const double sigma = kps.sigma_of_concept[c];
    for (std::size_t d = 0; d < p.dim; ++d)
      embeddings[id * p.dim + d] =
        static_cast<float>(centres[c * p.dim + d] + sigma * gauss(rng));
  }

  // 3. Clustering, then a stand-in for the LLM: pairs >= 0.8 are synonyms.
  auto cluster = [&](neighbour_search mode) {
    cluster_options copt;
    copt.search = mode;
    copt.hnsw_ef_construction = p.ef_construction;
    copt.hnsw_m = p.hnsw_m;
    kp_clusterer c(copt);
    for (kp_id id = 0; id < registry.size(); ++id)
      if (auto r = c.add(
            id, std::span<const float>(embeddings.data() + id * p.dim, p.dim),
            registry.frequency(id),
            static_cast<std::uint32_t>(registry.display(id).size()));
          !r)
        die(r.error());
    const auto w0 = std::chrono::steady_clock::now();
    const double c0 = cpu_now();
    auto summary = c.run();
    if (!summary)
      die(summary.error());
    const double wall = seconds_since(w0);
    const double cpu = cpu_now() - c0;
    std::printf("clustering (%s): %zu KPs, %zu candidate pairs, %zu same, "
                "%zu ambiguous, %zu groups; %.3f s wall, %.3f s cpu "
                "(%.0f KPs/cpu-s)\n",
                summary->approximate ? "hnsw" : "exact", summary->kps,
                summary->candidate_pairs, summary->same_pairs,
                summary->ambiguous_pairs, summary->groups, wall, cpu,
                double(summary->kps) / cpu);
    return c;
  };
  auto clusterer = cluster(p.search);
  if (p.compare) {
    const bool was_hnsw =
      p.search == neighbour_search::approximate
      || (p.search == neighbour_search::automatic
          && registry.size() > cluster_options{}.exact_limit);
    auto other = cluster(was_hnsw ? neighbour_search::exact
                                  : neighbour_search::approximate);
    const auto& exact = was_hnsw ? other : clusterer;
    const auto& approx = was_hnsw ? clusterer : other;
    for (auto [lo, hi, label] : {std::tuple{0.90f, 2.0f, "same"},
                                 std::tuple{0.70f, 0.90f, "ambiguous"}}) {
      std::set<std::pair<kp_id, kp_id>> found;
      for (const auto& q : approx.candidate_pairs())
        if (q.similarity >= lo && q.similarity < hi)
          found.emplace(q.a, q.b);
      std::size_t truth = 0, hit = 0;
      for (const auto& q : exact.candidate_pairs())
        if (q.similarity >= lo && q.similarity < hi) {
          ++truth;
          hit += found.count({q.a, q.b});
        }
      std::printf("hnsw recall of %s pairs: %.4f (%zu of %zu)\n", label,
                  truth ? double(hit) / double(truth) : 1.0, hit, truth);
    }
  }
  auto t0b = std::chrono::steady_clock::now();
  std::vector<bool> decisions;
  for (const auto& pair : clusterer.ambiguous_pairs())
    decisions.push_back(pair.similarity >= 0.8f);
  auto merged =
    clusterer.apply_synonym_decisions(clusterer.ambiguous_pairs(), decisions);
  if (!merged)
    die(merged.error());
  const auto rep_map = clusterer.representative_map();
  std::printf("LLM stand-in: %zu merges, representatives in %.3f s -> %zu "
              "groups\n",
              *merged, seconds_since(t0b), clusterer.groups().size());

  // 4. Graph.
  std::vector<kp_id> rep_of(registry.size());
  for (auto [kp, rep] : rep_map)
    rep_of[kp] = rep;
  t0 = std::chrono::steady_clock::now();
  std::vector<std::vector<kp_id>> seed_kps(registry.seed_count());
  for (seed_index s = 0; s < registry.seed_count(); ++s)
    for (auto kp : registry.kps_of_seed(s))
      seed_kps[s].push_back(rep_of[kp]);
  auto graph = kp_graph::build(seed_kps);
  if (!graph)
    die(graph.error());
  const double t_build = seconds_since(t0);
  const auto st = graph->stats();
  t0 = std::chrono::steady_clock::now();
  const auto triangles = graph->triangle_count();
  const double t_tri = seconds_since(t0);
  std::printf("graph: %zu nodes, %zu edges (weight %llu), %zu components, "
              "max degree %zu, %llu triangles; build %.3f s, triangles "
              "%.3f s\n",
              st.nodes, st.edges,
              static_cast<unsigned long long>(st.total_weight), st.components,
              st.max_degree, static_cast<unsigned long long>(triangles),
              t_build, t_tri);

  // 5. Graph file.
  const auto file =
    std::filesystem::temp_directory_path()
    / ("kpsynth_bench_graph_" + std::to_string(::getpid()) + ".kpg");
  t0 = std::chrono::steady_clock::now();
  auto bytes = save_bundle(file, registry, rep_of, *graph);
  if (!bytes)
    die(bytes.error());
  const double t_save = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  auto loaded = load_bundle(file);
  if (!loaded)
    die(loaded.error());
  const double t_load = seconds_since(t0);
  std::filesystem::remove(file);
  std::printf("graph file: %llu bytes, save %.3f s, load+validate %.3f s, "
              "fingerprint %s\n",
              static_cast<unsigned long long>(*bytes), t_save, t_load,
              loaded->graph.fingerprint() == graph->fingerprint() ? "equal"
                                                                  : "DIFFERS");

  // 6. 2M mixed combinations: GSDP's four kinds plus KPDDS co-occurrence
  // over seven subject-like labels.
  std::vector<std::vector<topic_id>> labels(graph->seed_count());
  for (std::size_t s = 0; s < labels.size(); ++s)
    labels[s].push_back(static_cast<topic_id>(s % 7));
  auto model = cooccurrence_model::from_seed_topics(*graph, labels);
  if (!model)
    die(model.error());
  gsdp_mix_options mix;
  mix.cooccurrence = 1;
  mix.model = &*model;
  mix.cooccurrence_config = {7, p.combos, 1};
  auto sampler = make_gsdp_sampler(*graph, mix);
  const long rss_before = peak_rss_mib();
  std::uint64_t checksum = 0, points = 0;
  std::size_t produced = 0;
  t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_now();
  while (produced < p.combos) {
    auto c = sampler->next();
    if (!c)
      break;
    checksum ^= c->id;
    points += c->points.size();
    ++produced;
  }
  const double t_enum = seconds_since(t0);
  const double c_enum = cpu_now() - c0;
  std::printf("mixed: %zu combinations in %.3f s wall, %.3f s cpu = %.0f "
              "items/cpu-s (%.2f KPs each, checksum %016llx); per kind:",
              produced, t_enum, c_enum, double(produced) / c_enum,
              double(points) / double(produced),
              static_cast<unsigned long long>(checksum));
  for (std::size_t i = 0; i < sampler->part_count(); ++i)
    std::printf(" %s %llu", std::string{sampler->part(i).name()}.c_str(),
                static_cast<unsigned long long>(sampler->emitted(i)));
  std::printf("\n");

  // Cursor cost: what the daemon pays to persist and restore a position.
  t0 = std::chrono::steady_clock::now();
  std::string text;
  const int reps = 10000;
  for (int i = 0; i < reps; ++i)
    text = sampler->cursor().to_string();
  const double t_cursor = seconds_since(t0) / reps;
  auto parsed = sampler_cursor::parse(text);
  if (!parsed)
    die(parsed.error());
  auto fresh = make_gsdp_sampler(*graph, mix);
  t0 = std::chrono::steady_clock::now();
  auto at = fresh->seek(*parsed);
  if (!at)
    die(at.error());
  const double t_seek = seconds_since(t0);
  std::printf("cursor: %zu chars, cursor()+to_string %.2f us, seek %.3f ms\n",
              text.size(), t_cursor * 1e6, t_seek * 1e3);
  std::printf("peak RSS: %ld MiB (%ld MiB before sampling)\n", peak_rss_mib(),
              rss_before);
  return 0;
}
