#pragma once

#include "core/result.hpp"
#include "graph/ids.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kpsynth::graph {

/// Interns knowledge-point strings to dense ids and records which seeds
/// mention which KPs. LLMs write the same KP with different spacing, case
/// or a trailing full stop; those variants share one id here so that the
/// (expensive) embedding clustering only sees genuinely different texts.
class kp_registry {
 public:
  /// The interning key: trimmed, whitespace runs (ASCII and U+00A0)
  /// collapsed to one space, ASCII letters lower-cased, trailing full
  /// stops dropped. Non-ASCII letters are left alone: there is no Unicode
  /// case-folding library here, and near-duplicates the key misses are
  /// still merged by embedding similarity.
  static std::string normalise_key(std::string_view text);

  /// The text shown to people and LLMs: trimmed and whitespace-collapsed,
  /// but with the writer's case and punctuation kept.
  static std::string normalise_display(std::string_view text);

  /// Returns the index of seed `name` (e.g. "train/algebra/10.json"),
  /// adding it if new. Seed indices are dense in first-seen order.
  seed_index add_seed(std::string_view name);

  /// The index of a known seed, if any.
  std::optional<seed_index> find_seed(std::string_view name) const;

  /// The external name of a seed; `seed` must be < seed_count().
  const std::string& seed_name(seed_index seed) const;

  std::size_t seed_count() const { return seed_names_.size(); }

  /// Interns `text` and returns its id; the first spelling seen becomes the
  /// display text. Fails (code "empty_kp") if nothing is left after
  /// normalisation; `where` names the origin for that error.
  result<kp_id> intern(std::string_view text, std::string_view where = {});

  /// The id of `text` if its key is known.
  std::optional<kp_id> find(std::string_view text) const;

  /// Display text and key of an id; `id` must be < size().
  const std::string& display(kp_id id) const { return displays_[id]; }
  const std::string& key(kp_id id) const { return keys_[id]; }

  /// Number of distinct KPs.
  std::size_t size() const { return displays_.size(); }

  /// Records that `seed` mentions `text` (interning it). A repeated mention
  /// in the same seed counts once. Errors name the seed.
  result<kp_id> add_mention(seed_index seed, std::string_view text);

  /// Records that `seed` mentions the already interned `id`.
  result<kp_id> add_mention(seed_index seed, kp_id id);

  /// KPs of a seed in first-mention order, without repeats.
  std::span<const kp_id> kps_of_seed(seed_index seed) const;

  /// Seeds that mention a KP, ascending.
  std::span<const seed_index> seeds_of(kp_id id) const;

  /// Number of distinct seeds that mention a KP.
  std::uint32_t frequency(kp_id id) const {
    return static_cast<std::uint32_t>(seeds_of_[id].size());
  }

  /// Total (seed, KP) mentions recorded.
  std::size_t mention_count() const { return mentions_; }

 private:
  /// Transparent hashing so that lookups by string_view allocate nothing.
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const;
  };
  struct key_equal {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const {
      return a == b;
    }
  };
  using index_map =
    std::unordered_map<std::string, std::uint32_t, key_hash, key_equal>;

  index_map kp_index_;
  std::vector<std::string> keys_;
  std::vector<std::string> displays_;
  std::vector<std::vector<seed_index>> seeds_of_;

  index_map seed_index_;
  std::vector<std::string> seed_names_;
  std::vector<std::vector<kp_id>> kps_of_seed_;
  std::size_t mentions_ = 0;
};

} // namespace kpsynth::graph
