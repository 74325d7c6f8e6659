#include "graph/mixed_sampler.hpp"

#include "graph/hashing.hpp"

#include <string>

namespace kpsynth::graph {

mixed_sampler::mixed_sampler(std::vector<mixed_part> parts)
  : parts_(std::move(parts)), emitted_(parts_.size(), 0),
    exhausted_(parts_.size(), false) {
  std::uint64_t h = hash_combine(hash_string("mixed"), parts_.size());
  for (const auto& p : parts_)
    h = hash_combine(hash_combine(h, p.source->fingerprint()), p.weight);
  fingerprint_ = h;
}

std::optional<combination> mixed_sampler::next() {
  for (;;) {
    std::size_t best = parts_.size();
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      const std::uint64_t w = parts_[i].weight;
      if (w == 0 || exhausted_[i])
        continue;
      if (best == parts_.size()) {
        best = i;
        continue;
      }
      // (e_i + 1) / w_i < (e_best + 1) / w_best, without division.
      using wide = unsigned __int128;
      if (static_cast<wide>(emitted_[i] + 1) * parts_[best].weight
          < static_cast<wide>(emitted_[best] + 1) * w)
        best = i;
    }
    if (best == parts_.size())
      return std::nullopt;
    if (auto c = parts_[best].source->next()) {
      ++emitted_[best];
      ++total_;
      return c;
    }
    exhausted_[best] = true;
  }
}

sampler_cursor mixed_sampler::cursor() const {
  sampler_cursor c{std::string{name()}, fingerprint_, {total_, parts_.size()}};
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    auto sub = parts_[i].source->cursor();
    c.state.push_back(emitted_[i]);
    c.state.push_back(exhausted_[i] ? 1 : 0);
    c.state.push_back(sub.state.size());
    c.state.insert(c.state.end(), sub.state.begin(), sub.state.end());
  }
  return c;
}

result<std::uint64_t> mixed_sampler::seek(const sampler_cursor& c) {
  if (auto e = check_cursor(c, name(), fingerprint_, 2, false))
    return *e;
  const auto& s = c.state;
  if (s[1] != parts_.size())
    return make_problem("bad_cursor",
                        "cursor has " + std::to_string(s[1])
                          + " parts, sampler has "
                          + std::to_string(parts_.size()),
                        "cursor mixed");
  std::vector<sampler_cursor> subs;
  std::vector<std::uint64_t> emitted;
  std::vector<bool> exhausted;
  std::size_t at = 2;
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    if (at + 3 > s.size() || s[at + 2] > s.size() - at - 3)
      return make_problem(
        "bad_cursor", "state of part " + std::to_string(i) + " is truncated",
        "cursor mixed");
    emitted.push_back(s[at]);
    exhausted.push_back(s[at + 1] != 0);
    sum += s[at];
    const auto len = static_cast<std::size_t>(s[at + 2]);
    at += 3;
    subs.push_back(
      sampler_cursor{std::string{parts_[i].source->name()},
                     parts_[i].source->fingerprint(),
                     {s.begin() + static_cast<std::ptrdiff_t>(at),
                      s.begin() + static_cast<std::ptrdiff_t>(at + len)}});
    at += len;
  }
  if (at != s.size() || sum != s[0])
    return make_problem("bad_cursor", "part counts do not add up to the total",
                        "cursor mixed");
  std::vector<sampler_cursor> saved;
  for (const auto& p : parts_)
    saved.push_back(p.source->cursor());
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    auto r = parts_[i].source->seek(subs[i]);
    if (!r) {
      for (std::size_t j = 0; j < i; ++j)
        (void)parts_[j].source->seek(saved[j]);
      auto p = r.error();
      p.where = "cursor mixed, part " + std::to_string(i) + " ("
                + std::string{parts_[i].source->name()} + ")";
      return p;
    }
  }
  emitted_ = std::move(emitted);
  exhausted_ = std::move(exhausted);
  total_ = s[0];
  return total_;
}

std::optional<std::uint64_t> mixed_sampler::size_hint() const {
  std::uint64_t sum = 0;
  for (const auto& p : parts_) {
    if (p.weight == 0)
      continue;
    auto h = p.source->size_hint();
    if (!h)
      return std::nullopt;
    sum += *h;
  }
  return sum;
}

std::unique_ptr<mixed_sampler> make_gsdp_sampler(const kp_graph& graph,
                                                 const gsdp_mix_options& opt) {
  std::vector<mixed_part> parts;
  parts.push_back({std::make_unique<one_hop_sampler>(graph), opt.one_hop});
  parts.push_back(
    {std::make_unique<two_hop_sampler>(graph, opt.provenance), opt.two_hop});
  parts.push_back(
    {std::make_unique<three_hop_sampler>(graph, opt.three_hop_config),
     opt.three_hop});
  parts.push_back({std::make_unique<community_sampler>(graph, opt.provenance),
                   opt.community});
  if (opt.model != nullptr)
    parts.push_back({std::make_unique<cooccurrence_sampler>(
                       graph, *opt.model, opt.cooccurrence_config),
                     opt.cooccurrence});
  return std::make_unique<mixed_sampler>(std::move(parts));
}

} // namespace kpsynth::graph
