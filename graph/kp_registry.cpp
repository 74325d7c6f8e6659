#include "graph/kp_registry.hpp"

#include "graph/hashing.hpp"

#include <algorithm>

namespace kpsynth::graph {

namespace {

/// Length of the whitespace sequence starting at `i` (0 if none). U+00A0
/// counts because copy-pasted LaTeX and HTML carry it into LLM output.
std::size_t space_at(std::string_view s, std::size_t i) {
  const char c = s[i];
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
    return 1;
  if (static_cast<unsigned char>(c) == 0xC2 && i + 1 < s.size()
      && static_cast<unsigned char>(s[i + 1]) == 0xA0)
    return 2;
  return 0;
}

/// Trims and collapses whitespace; optionally lower-cases ASCII letters.
std::string collapse(std::string_view text, bool fold_case) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size();) {
    if (auto n = space_at(text, i); n > 0) {
      pending_space = !out.empty();
      i += n;
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    char c = text[i++];
    if (fold_case && c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
    out.push_back(c);
  }
  return out;
}

} // namespace

std::size_t kp_registry::key_hash::operator()(std::string_view s) const {
  return static_cast<std::size_t>(hash_string(s));
}

std::string kp_registry::normalise_key(std::string_view text) {
  auto out = collapse(text, true);
  while (!out.empty() && (out.back() == '.' || out.back() == ' '))
    out.pop_back();
  return out;
}

std::string kp_registry::normalise_display(std::string_view text) {
  return collapse(text, false);
}

seed_index kp_registry::add_seed(std::string_view name) {
  if (auto i = seed_index_.find(name); i != seed_index_.end())
    return i->second;
  const auto id = static_cast<seed_index>(seed_names_.size());
  seed_index_.emplace(std::string{name}, id);
  seed_names_.emplace_back(name);
  kps_of_seed_.emplace_back();
  return id;
}

std::optional<seed_index> kp_registry::find_seed(std::string_view name) const {
  if (auto i = seed_index_.find(name); i != seed_index_.end())
    return i->second;
  return std::nullopt;
}

const std::string& kp_registry::seed_name(seed_index seed) const {
  return seed_names_[seed];
}

result<kp_id> kp_registry::intern(std::string_view text,
                                  std::string_view where) {
  auto key = normalise_key(text);
  if (key.empty())
    return make_problem("empty_kp",
                        "knowledge point is empty after normalisation",
                        std::string{where});
  if (auto i = kp_index_.find(std::string_view{key}); i != kp_index_.end())
    return i->second;
  const auto id = static_cast<kp_id>(displays_.size());
  kp_index_.emplace(key, id);
  keys_.push_back(std::move(key));
  displays_.push_back(normalise_display(text));
  seeds_of_.emplace_back();
  return id;
}

std::optional<kp_id> kp_registry::find(std::string_view text) const {
  auto key = normalise_key(text);
  if (auto i = kp_index_.find(std::string_view{key}); i != kp_index_.end())
    return i->second;
  return std::nullopt;
}

result<kp_id> kp_registry::add_mention(seed_index seed, std::string_view text) {
  if (seed >= seed_names_.size())
    return make_problem("unknown_seed",
                        "seed index " + std::to_string(seed) + " was never "
                          + "added",
                        "kp_registry");
  auto id = intern(text);
  if (!id) {
    auto p = id.error();
    p.where = "seed " + seed_names_[seed];
    return p;
  }
  return add_mention(seed, *id);
}

result<kp_id> kp_registry::add_mention(seed_index seed, kp_id id) {
  if (seed >= seed_names_.size())
    return make_problem(
      "unknown_seed", "seed index " + std::to_string(seed) + " was never added",
      "kp_registry");
  if (id >= displays_.size())
    return make_problem("unknown_kp",
                        "kp id " + std::to_string(id) + " was never interned",
                        "seed " + seed_names_[seed]);
  auto& kps = kps_of_seed_[seed];
  if (std::find(kps.begin(), kps.end(), id) != kps.end())
    return id;
  kps.push_back(id);
  auto& seeds = seeds_of_[id];
  // Seeds usually arrive in order, so this is an append in practice.
  seeds.insert(std::upper_bound(seeds.begin(), seeds.end(), seed), seed);
  ++mentions_;
  return id;
}

std::span<const kp_id> kp_registry::kps_of_seed(seed_index seed) const {
  return kps_of_seed_[seed];
}

std::span<const seed_index> kp_registry::seeds_of(kp_id id) const {
  return seeds_of_[id];
}

} // namespace kpsynth::graph
