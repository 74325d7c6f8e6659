#include "graph/kp_clusterer.hpp"

#include "graph/neighbours.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace kpsynth::graph {

kp_clusterer::kp_clusterer(cluster_options options) : options_(options) {}

result<std::size_t> kp_clusterer::add(kp_id id,
                                      std::span<const float> embedding,
                                      std::uint32_t frequency,
                                      std::uint32_t text_length) {
  const auto where = "embedding of kp " + std::to_string(id);
  if (ran_)
    return make_problem("clusterer_finished", "cannot add a KP after run()",
                        where);
  if (row_of_.count(id) != 0)
    return make_problem("duplicate_kp", "kp added twice", where);
  if (embedding.empty())
    return make_problem("empty_embedding", "embedding has no components",
                        where);
  if (dim_ != 0 && embedding.size() != dim_)
    return make_problem("dimension_mismatch",
                        "embedding has " + std::to_string(embedding.size())
                          + " components, earlier ones had "
                          + std::to_string(dim_),
                        where);
  double norm2 = 0;
  for (std::size_t i = 0; i < embedding.size(); ++i) {
    const float v = embedding[i];
    if (!std::isfinite(v))
      return make_problem(
        "bad_embedding",
        "component " + std::to_string(i) + " is not a finite number", where);
    norm2 += static_cast<double>(v) * v;
  }
  if (norm2 == 0 || !std::isfinite(norm2))
    return make_problem("zero_embedding",
                        "embedding has zero (or overflowing) length", where);
  dim_ = embedding.size();
  const double inv = 1.0 / std::sqrt(norm2);
  for (float v : embedding)
    rows_.push_back(static_cast<float>(v * inv));
  const auto row = static_cast<std::uint32_t>(ids_.size());
  ids_.push_back(id);
  frequency_.push_back(frequency);
  text_length_.push_back(text_length);
  chosen_.push_back(0);
  row_of_.emplace(id, row);
  parent_.push_back(row);
  rank_.push_back(0);
  groups_dirty_ = true;
  return std::size_t{row};
}

std::uint32_t kp_clusterer::find_root(std::uint32_t row) {
  while (parent_[row] != row) {
    parent_[row] = parent_[parent_[row]];
    row = parent_[row];
  }
  return row;
}

bool kp_clusterer::unite(std::uint32_t a, std::uint32_t b) {
  a = find_root(a);
  b = find_root(b);
  if (a == b)
    return false;
  if (rank_[a] < rank_[b] || (rank_[a] == rank_[b] && b < a))
    std::swap(a, b);
  parent_[b] = a;
  if (rank_[a] == rank_[b])
    ++rank_[a];
  groups_dirty_ = true;
  return true;
}

std::optional<std::uint32_t> kp_clusterer::row_of(kp_id kp) const {
  if (auto i = row_of_.find(kp); i != row_of_.end())
    return i->second;
  return std::nullopt;
}

result<cluster_summary> kp_clusterer::run() {
  if (ran_)
    return make_problem("clusterer_finished", "run() called twice",
                        "kp_clusterer");
  if (!(options_.ambiguous_threshold <= options_.same_threshold))
    return make_problem("bad_thresholds",
                        "ambiguous_threshold must not exceed same_threshold",
                        "cluster_options");
  ran_ = true;
  neighbour_options nopt;
  nopt.top_k = options_.top_k;
  nopt.min_similarity = options_.ambiguous_threshold;
  nopt.hnsw_m = options_.hnsw_m;
  nopt.hnsw_ef_construction = options_.hnsw_ef_construction;
  nopt.hnsw_ef_search = options_.hnsw_ef_search;
  nopt.hnsw_seed = options_.hnsw_seed;
  const bool approximate = options_.search == neighbour_search::approximate
                           || (options_.search == neighbour_search::automatic
                               && ids_.size() > options_.exact_limit);
  std::vector<row_pair> pairs;
  if (approximate) {
    auto found = approximate_neighbour_pairs(rows_, dim_, nopt);
    if (!found)
      return found.error();
    pairs = std::move(*found);
  } else {
    pairs = exact_neighbour_pairs(rows_, dim_, nopt);
  }
  cluster_summary summary;
  summary.kps = ids_.size();
  summary.approximate = approximate;
  candidates_.reserve(pairs.size());
  for (const auto& p : pairs) {
    kp_id a = ids_[p.a];
    kp_id b = ids_[p.b];
    if (b < a)
      std::swap(a, b);
    candidates_.push_back(kp_pair{a, b, p.similarity});
    if (p.similarity >= options_.same_threshold) {
      ++summary.same_pairs;
      unite(p.a, p.b);
    }
  }
  std::sort(candidates_.begin(), candidates_.end(),
            [](const auto& x, const auto& y) {
              return x.a != y.a ? x.a < y.a : x.b < y.b;
            });
  for (const auto& p : pairs)
    if (p.similarity < options_.same_threshold
        && find_root(p.a) != find_root(p.b)) {
      kp_id a = ids_[p.a];
      kp_id b = ids_[p.b];
      if (b < a)
        std::swap(a, b);
      ambiguous_.push_back(kp_pair{a, b, p.similarity});
    }
  std::sort(ambiguous_.begin(), ambiguous_.end(),
            [](const auto& x, const auto& y) {
              if (x.similarity != y.similarity)
                return x.similarity > y.similarity;
              return x.a != y.a ? x.a < y.a : x.b < y.b;
            });
  summary.candidate_pairs = candidates_.size();
  summary.ambiguous_pairs = ambiguous_.size();
  summary.groups = groups().size();
  return summary;
}

result<std::size_t>
kp_clusterer::apply_synonym_decisions(std::span<const kp_pair> pairs,
                                      const std::vector<bool>& decisions) {
  if (pairs.size() != decisions.size())
    return make_problem("size_mismatch",
                        std::to_string(pairs.size()) + " pairs but "
                          + std::to_string(decisions.size()) + " decisions",
                        "synonym decisions");
  std::vector<std::pair<std::uint32_t, std::uint32_t>> merges;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (!decisions[i])
      continue;
    auto a = row_of(pairs[i].a);
    auto b = row_of(pairs[i].b);
    if (!a || !b)
      return make_problem("unknown_kp",
                          "pair names kp "
                            + std::to_string(a ? pairs[i].b : pairs[i].a)
                            + " which was never added",
                          "synonym decisions[" + std::to_string(i) + "]");
    merges.emplace_back(*a, *b);
  }
  std::size_t merged = 0;
  for (auto [a, b] : merges)
    merged += unite(a, b) ? 1 : 0;
  return merged;
}

void kp_clusterer::refresh_groups() const {
  if (!groups_dirty_)
    return;
  // find_root compresses paths; the cache is logically const, so walk
  // without compressing here.
  const auto root = [this](std::uint32_t r) {
    while (parent_[r] != r)
      r = parent_[r];
    return r;
  };
  std::vector<std::uint32_t> order(ids_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [this](auto x, auto y) { return ids_[x] < ids_[y]; });
  constexpr auto none = static_cast<std::uint32_t>(-1);
  std::vector<std::uint32_t> group_of_root(ids_.size(), none);
  groups_.clear();
  group_of_row_.assign(ids_.size(), none);
  for (auto row : order) {
    auto r = root(row);
    if (group_of_root[r] == none) {
      group_of_root[r] = static_cast<std::uint32_t>(groups_.size());
      groups_.emplace_back();
    }
    group_of_row_[row] = group_of_root[r];
    groups_[group_of_root[r]].push_back(ids_[row]);
  }
  groups_dirty_ = false;
}

const std::vector<std::vector<kp_id>>& kp_clusterer::groups() const {
  refresh_groups();
  return groups_;
}

std::optional<std::size_t> kp_clusterer::group_of(kp_id kp) const {
  auto row = row_of(kp);
  if (!row)
    return std::nullopt;
  refresh_groups();
  return group_of_row_[*row];
}

result<kp_id> kp_clusterer::set_representative(std::size_t group, kp_id kp) {
  const auto where = "representative of group " + std::to_string(group);
  refresh_groups();
  if (group >= groups_.size())
    return make_problem(
      "unknown_group",
      "there are only " + std::to_string(groups_.size()) + " groups", where);
  auto row = row_of(kp);
  if (!row || group_of_row_[*row] != group)
    return make_problem(
      "not_member",
      "kp " + std::to_string(kp) + " is not a member of this group", where);
  chosen_[*row] = next_stamp_++;
  return kp;
}

kp_id kp_clusterer::representative(std::size_t group) const {
  const auto& members = groups()[group];
  std::uint32_t best = *row_of(members.front());
  for (kp_id kp : members) {
    const auto row = *row_of(kp);
    if (chosen_[row] != chosen_[best]) {
      if (chosen_[row] > chosen_[best])
        best = row;
      continue;
    }
    if (frequency_[row] != frequency_[best]) {
      if (frequency_[row] > frequency_[best])
        best = row;
      continue;
    }
    if (text_length_[row] < text_length_[best])
      best = row;
    // Equal on everything: members ascend, so the first (smallest id)
    // stays.
  }
  return ids_[best];
}

kp_id kp_clusterer::representative_of(kp_id kp) const {
  auto g = group_of(kp);
  return g ? representative(*g) : no_kp;
}

std::vector<std::pair<kp_id, kp_id>> kp_clusterer::representative_map() const {
  std::vector<std::pair<kp_id, kp_id>> out;
  out.reserve(ids_.size());
  const auto& all = groups();
  for (std::size_t g = 0; g < all.size(); ++g) {
    const kp_id rep = representative(g);
    for (kp_id kp : all[g])
      out.emplace_back(kp, rep);
  }
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace kpsynth::graph
