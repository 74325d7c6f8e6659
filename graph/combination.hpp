#pragma once

#include "core/result.hpp"
#include "graph/ids.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::graph {

/// The ways GSDP and KPDDS combine knowledge points into a new problem.
enum class combination_kind : std::uint8_t {
  one_hop,     ///< Both ends of an edge (explicit relation).
  two_hop,     ///< a-b-c with a, c not adjacent (implicit relation).
  three_hop,   ///< a-b-c-d through a core KP, a, d not adjacent.
  community,   ///< A triangle a-b-c.
  cooccurrence ///< KPDDS: KPs from a topic pair drawn by co-occurrence.
};

/// "one_hop", "two_hop", ... (the names used in cursors and records).
std::string_view to_string(combination_kind kind);
std::optional<combination_kind> parse_combination_kind(std::string_view name);

/// One set of KPs to write a new problem about.
struct combination {
  combination_kind kind = combination_kind::one_hop;
  /// KP ids. Sets (one_hop, community, cooccurrence) ascend; paths are in
  /// path order, oriented so that the first end is the smaller KP.
  std::vector<kp_id> points;
  /// Position in its sampler's enumeration; unique per kind.
  std::uint64_t ordinal = 0;
  /// Distinguishes repeats of the same points: one_hop's repetition r is
  /// the r-th seed the edge came from; cooccurrence uses the ordinal,
  /// since its random draws may repeat a set; 0 elsewhere.
  std::uint64_t repetition = 0;
  /// Seed indices the KPs came from (provenance), ascending.
  std::vector<seed_index> seeds;
  /// combination_id(kind, points, repetition): the idempotency key.
  std::uint64_t id = 0;
};

/// Stable 64-bit id of a combination: a hash of the kind, the points in
/// the canonical order above and the repetition index. Paths are hashed in
/// path order because four KPs can form more than one three-hop path.
std::uint64_t combination_id(combination_kind kind,
                             std::span<const kp_id> points,
                             std::uint64_t repetition);

/// A sampler's position, small enough to store after every item. The
/// daemon saves it; after a crash, `seek` continues with exactly the next
/// item, so nothing is produced twice and nothing is skipped.
struct sampler_cursor {
  std::string kind;                 ///< Sampler name, e.g. "two_hop", "mixed".
  std::uint64_t fingerprint = 0;    ///< Graph + options the state belongs to.
  std::vector<std::uint64_t> state; ///< Sampler-specific integers.

  /// "kind/fingerprint-hex/v1,v2,..." — one line, no spaces.
  std::string to_string() const;

  /// Parses `to_string` output; errors name `where` (e.g. "state.db key
  /// cursor.mixed").
  static result<sampler_cursor> parse(std::string_view text,
                                      std::string_view where = "cursor");

  friend bool operator==(const sampler_cursor&,
                         const sampler_cursor&) = default;
};

/// A lazy, deterministic, resumable enumerator of combinations.
class sampler {
 public:
  virtual ~sampler() = default;

  /// Name used in cursors ("one_hop", ..., "mixed").
  virtual std::string_view name() const = 0;

  /// The next combination, or nullopt once the enumeration is exhausted.
  virtual std::optional<combination> next() = 0;

  /// The position after the last item returned by `next`.
  virtual sampler_cursor cursor() const = 0;

  /// Restores a position from `cursor()`. Fails, leaving the sampler as it
  /// was, if the cursor belongs to another sampler, graph or options, or
  /// its state is out of range. Returns the ordinal of the next item.
  virtual result<std::uint64_t> seek(const sampler_cursor& cursor) = 0;

  /// Total number of items if it is cheap to know.
  virtual std::optional<std::uint64_t> size_hint() const = 0;

  /// Hash of everything the enumeration depends on (graph and options).
  virtual std::uint64_t fingerprint() const = 0;
};

/// Checks the kind, fingerprint and state size of a cursor before a
/// sampler interprets it; `min_state` is the smallest valid state size and
/// `exact` whether it must match exactly.
std::optional<problem> check_cursor(const sampler_cursor& cursor,
                                    std::string_view kind,
                                    std::uint64_t fingerprint,
                                    std::size_t min_state, bool exact);

} // namespace kpsynth::graph
