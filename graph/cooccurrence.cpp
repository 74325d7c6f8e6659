#include "graph/cooccurrence.hpp"

#include "graph/hashing.hpp"
#include "graph/sampler_util.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace kpsynth::graph {

namespace {

/// Topic ids index arrays, so they must be dense-ish; this bounds memory
/// against a stray huge label.
constexpr topic_id max_topic = 1u << 24;

using member_lists =
  std::vector<std::vector<std::pair<node_index, std::uint64_t>>>;

} // namespace

result<cooccurrence_model> cooccurrence_model::from_seed_topics(
  const kp_graph& graph, std::span<const std::vector<topic_id>> seed_topics) {
  if (seed_topics.size() != graph.seed_count())
    return make_problem("size_mismatch",
                        std::to_string(seed_topics.size()) + " topic lists for "
                          + std::to_string(graph.seed_count()) + " seeds",
                        "seed_topics");
  std::vector<std::vector<topic_id>> topics(seed_topics.size());
  topic_id top = 0;
  for (std::size_t s = 0; s < seed_topics.size(); ++s) {
    for (auto t : seed_topics[s]) {
      if (t >= max_topic)
        return make_problem("bad_topic",
                            "topic id " + std::to_string(t)
                              + " is too large (ids must be dense)",
                            "seed_topics[" + std::to_string(s) + "]");
      top = std::max(top, t + 1);
    }
    topics[s] = seed_topics[s];
    std::sort(topics[s].begin(), topics[s].end());
    topics[s].erase(std::unique(topics[s].begin(), topics[s].end()),
                    topics[s].end());
  }
  member_lists members(top);
  // Nodes ascend in the outer loop, so repeats of a node are adjacent.
  for (node_index u = 0; u < graph.node_count(); ++u)
    for (auto s : graph.node_seeds(u))
      for (auto t : topics[s]) {
        auto& list = members[t];
        if (!list.empty() && list.back().first == u)
          ++list.back().second;
        else
          list.emplace_back(u, 1);
      }
  return assemble(std::move(topics), std::move(members));
}

result<cooccurrence_model>
cooccurrence_model::from_node_topics(const kp_graph& graph,
                                     std::span<const topic_id> topic_of_node) {
  if (topic_of_node.size() != graph.node_count())
    return make_problem("size_mismatch",
                        std::to_string(topic_of_node.size()) + " topics for "
                          + std::to_string(graph.node_count()) + " nodes",
                        "topic_of_node");
  topic_id top = 0;
  for (std::size_t u = 0; u < topic_of_node.size(); ++u) {
    if (topic_of_node[u] >= max_topic)
      return make_problem("bad_topic",
                          "topic id " + std::to_string(topic_of_node[u])
                            + " is too large (ids must be dense)",
                          "topic_of_node[" + std::to_string(u) + "]");
    top = std::max(top, topic_of_node[u] + 1);
  }
  member_lists members(top);
  std::vector<std::vector<topic_id>> topics(graph.seed_count());
  for (node_index u = 0; u < graph.node_count(); ++u) {
    const auto t = topic_of_node[u];
    members[t].emplace_back(u, graph.node_seeds(u).size());
    for (auto s : graph.node_seeds(u))
      topics[s].push_back(t);
  }
  for (auto& list : topics) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  return assemble(std::move(topics), std::move(members));
}

result<cooccurrence_model>
cooccurrence_model::assemble(std::vector<std::vector<topic_id>> seed_topics,
                             member_lists members) {
  cooccurrence_model m;
  std::vector<std::uint64_t> keys;
  for (const auto& list : seed_topics)
    for (std::size_t i = 0; i < list.size(); ++i)
      for (std::size_t j = i; j < list.size(); ++j)
        keys.push_back(std::uint64_t{list[i]} << 32 | list[j]);
  std::sort(keys.begin(), keys.end());
  auto samplable = [&](topic_id a, topic_id b) {
    const auto& ma = members[a];
    const auto& mb = members[b];
    if (a == b)
      return ma.size() >= 2;
    if (ma.empty() || mb.empty())
      return false;
    return ma.size() + mb.size() > 2 || ma.front().first != mb.front().first;
  };
  double total = 0;
  for (std::size_t i = 0; i < keys.size();) {
    std::size_t j = i;
    while (j < keys.size() && keys[j] == keys[i])
      ++j;
    const auto a = static_cast<topic_id>(keys[i] >> 32);
    const auto b = static_cast<topic_id>(keys[i] & 0xFFFFFFFFu);
    if (samplable(a, b)) {
      const double w = std::log1p(static_cast<double>(j - i));
      m.pairs_.push_back(topic_pair{a, b, j - i, w});
      total += w;
      m.pair_cumulative_.push_back(total);
    }
    i = j;
  }
  std::uint64_t h = 0x636f6f6363757231ULL;
  for (auto& p : m.pairs_) {
    p.probability /= total;
    h = hash_combine(h, std::uint64_t{p.a} << 32 | p.b);
    h = hash_combine(h, p.count);
  }
  for (std::size_t t = 0; t < members.size(); ++t) {
    double sum = 0;
    for (auto [node, count] : members[t]) {
      m.members_.push_back(node);
      m.member_counts_.push_back(count);
      sum += std::log1p(static_cast<double>(count));
      m.member_cumulative_.push_back(sum);
      h = hash_combine(hash_combine(h, node), count);
    }
    m.member_offsets_.push_back(m.members_.size());
    h = hash_combine(h, m.members_.size());
  }
  m.fingerprint_ = h;
  return m;
}

std::uint64_t cooccurrence_model::count(topic_id a, topic_id b) const {
  if (b < a)
    std::swap(a, b);
  auto it =
    std::lower_bound(pairs_.begin(), pairs_.end(), std::pair{a, b},
                     [](const topic_pair& p, std::pair<topic_id, topic_id> k) {
                       return std::pair{p.a, p.b} < k;
                     });
  return it != pairs_.end() && it->a == a && it->b == b ? it->count : 0;
}

double cooccurrence_model::probability(topic_id a, topic_id b) const {
  if (b < a)
    std::swap(a, b);
  for (auto it = std::lower_bound(
         pairs_.begin(), pairs_.end(), a,
         [](const topic_pair&p, topic_id k) { return p.a < k; });
       it != pairs_.end() && it->a == a; ++it)
    if (it->b == b)
      return it->probability;
  return 0;
}

std::span<const node_index> cooccurrence_model::members(topic_id t) const {
  if (t >= topic_count())
    return {};
  const auto b = member_offsets_[t];
  return {members_.data() + b, member_offsets_[t + 1] - b};
}

std::span<const std::uint64_t>
cooccurrence_model::member_counts(topic_id t) const {
  if (t >= topic_count())
    return {};
  const auto b = member_offsets_[t];
  return {member_counts_.data() + b, member_offsets_[t + 1] - b};
}

std::size_t cooccurrence_model::pick_pair(double u) const {
  const double target = u * pair_cumulative_.back();
  auto it =
    std::upper_bound(pair_cumulative_.begin(), pair_cumulative_.end(), target);
  const auto i = static_cast<std::size_t>(it - pair_cumulative_.begin());
  return std::min(i, pairs_.size() - 1);
}

node_index cooccurrence_model::pick_member(topic_id t, double u) const {
  const auto b = static_cast<std::ptrdiff_t>(member_offsets_[t]);
  const auto e = static_cast<std::ptrdiff_t>(member_offsets_[t + 1]);
  const auto first = member_cumulative_.begin() + b;
  const auto last = member_cumulative_.begin() + e;
  const double target = u * *(last - 1);
  auto it = std::upper_bound(first, last, target);
  if (it == last)
    --it;
  return members_[static_cast<std::size_t>(it - member_cumulative_.begin())];
}

// -- sampler -----------------------------------------------------------------

cooccurrence_sampler::cooccurrence_sampler(const kp_graph& graph,
                                           const cooccurrence_model& model,
                                           cooccurrence_options options)
  : graph_(&graph), model_(&model), options_(options) {
  options_.points_per_topic =
    std::max<std::size_t>(1, options_.points_per_topic);
  std::uint64_t h = hash_combine(graph.fingerprint(), model.fingerprint());
  h = hash_combine(h, hash_string("cooccurrence"));
  h = hash_combine(h, options_.seed);
  h = hash_combine(h, options_.max_items);
  fingerprint_ = hash_combine(h, options_.points_per_topic);
}

std::optional<combination> cooccurrence_sampler::next() {
  const auto& m = *model_;
  if (ordinal_ >= options_.max_items || m.pairs().empty())
    return std::nullopt;
  const auto i = ordinal_;
  const auto seed = options_.seed;
  const auto& cell = m.pairs()[m.pick_pair(counter_uniform(seed, i, 0))];
  std::vector<node_index> chosen;
  std::uint64_t draw = 1;
  auto take = [&](topic_id t, std::size_t want) {
    std::size_t got = 0;
    for (std::size_t attempt = 0; got < want && attempt < 8 * want; ++attempt) {
      const auto n = m.pick_member(t, counter_uniform(seed, i, draw++));
      if (std::find(chosen.begin(), chosen.end(), n) == chosen.end()) {
        chosen.push_back(n);
        ++got;
      }
    }
    // Unlucky or tiny topic: fill deterministically in member order.
    for (auto n : m.members(t)) {
      if (got >= want)
        break;
      if (std::find(chosen.begin(), chosen.end(), n) == chosen.end()) {
        chosen.push_back(n);
        ++got;
      }
    }
  };
  const auto k = options_.points_per_topic;
  if (cell.a == cell.b) {
    take(cell.a, 2 * k);
  } else {
    take(cell.a, k);
    take(cell.b, k);
    if (chosen.size() < 2)
      take(cell.a, 2 - chosen.size());
  }
  combination c;
  c.kind = combination_kind::cooccurrence;
  for (auto n : chosen) {
    c.points.push_back(graph_->kp_of(n));
    if (auto s = graph_->node_seeds(n); !s.empty())
      c.seeds.push_back(s.front());
  }
  std::sort(c.points.begin(), c.points.end());
  std::sort(c.seeds.begin(), c.seeds.end());
  c.seeds.erase(std::unique(c.seeds.begin(), c.seeds.end()), c.seeds.end());
  c.ordinal = ordinal_++;
  c.repetition = c.ordinal;
  c.id = combination_id(c.kind, c.points, c.repetition);
  return c;
}

sampler_cursor cooccurrence_sampler::cursor() const {
  return {std::string{name()}, fingerprint_, {ordinal_}};
}

result<std::uint64_t> cooccurrence_sampler::seek(const sampler_cursor& c) {
  if (auto e = check_cursor(c, name(), fingerprint_, 1, true))
    return *e;
  if (c.state[0] > options_.max_items)
    return detail::out_of_range(name(), "ordinal", c.state[0],
                                options_.max_items);
  ordinal_ = c.state[0];
  return ordinal_;
}

std::optional<std::uint64_t> cooccurrence_sampler::size_hint() const {
  return model_->pairs().empty() ? 0 : options_.max_items;
}

} // namespace kpsynth::graph
