#pragma once

// CAF-free bookkeeping of kpsynth's two credit protocols, kept apart from the
// actors so that the invariants can be unit-tested without an actor system:
//   - pull credit between stages: a consumer never receives more items than
//     it asked for, and asks again only when a quarter of its bound is free
//     (batching pulls without letting the queue run dry);
//   - pool credit: a model pool never grants more calls than its endpoints'
//     limits plus a small headroom that hides the round trip.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace kpsynth::flow {

/// Input side of a stage: how many more items to pull from upstream.
struct inbound_window {
  uint32_t bound = 64;    ///< Most items held at once (queued + in work).
  uint32_t requested = 0; ///< Pulled, not yet received.
  uint64_t total = 0;     ///< Received over the stage's life.
  bool upstream_done = false;

  /// Returns how many to pull now, given `held` items, and books them.
  uint32_t to_pull(std::size_t held) {
    auto used = held + requested;
    if (upstream_done || used >= bound)
      return 0;
    auto room = static_cast<uint32_t>(bound - used);
    // Pull in batches of at least a quarter of the bound (or everything when
    // empty) so that every item does not cost a round trip.
    if (room < std::max<uint32_t>(1, bound / 4) && used > 0)
      return 0;
    requested += room;
    return room;
  }

  /// Books `n` received items.
  void received(std::size_t n) {
    total += n;
    requested -= static_cast<uint32_t>(std::min<std::size_t>(n, requested));
  }
};

/// Output side of a stage: finished items waiting for downstream credit.
template<class T>
struct outbound_buffer {
  std::vector<T> ready;
  uint64_t credit = 0; ///< Items downstream asked for and did not get yet.
  uint64_t sent = 0;   ///< Sent over the stage's life.
  bool done_sent = false;

  /// Takes as many ready items as downstream has asked for.
  std::vector<T> take() {
    auto n = static_cast<std::size_t>(
      std::min<uint64_t>(credit, static_cast<uint64_t>(ready.size())));
    std::vector<T> result;
    if (n == 0)
      return result;
    if (n == ready.size()) {
      result.swap(ready);
    } else {
      result.assign(std::make_move_iterator(ready.begin()),
                    std::make_move_iterator(ready.begin() + n));
      ready.erase(ready.begin(), ready.begin() + n);
    }
    credit -= n;
    sent += n;
    return result;
  }
};

/// One stage registered with a model pool for credit.
struct listener_account {
  int32_t priority = 0;
  uint32_t wanted = 0;      ///< Calls it could start now, as last stated.
  uint32_t outstanding = 0; ///< Granted, not yet used or released.
};

/// Decides how many credits each listener gets. `committed` counts calls in
/// flight or waiting in the pool; `capacity` is the sum of the healthy
/// endpoints' limits. Listeners with higher priority are served first,
/// equal priorities round-robin from `rotate`.
/// Returns the grants per listener index (same order as `accounts`).
inline std::vector<uint32_t>
plan_grants(std::vector<listener_account>& accounts, uint64_t committed,
            uint64_t capacity, uint64_t headroom, std::size_t rotate) {
  std::vector<uint32_t> grants(accounts.size(), 0);
  uint64_t outstanding = 0;
  for (auto& a : accounts)
    outstanding += a.outstanding;
  auto limit = capacity + headroom;
  if (committed + outstanding >= limit || accounts.empty())
    return grants;
  auto free = limit - committed - outstanding;
  std::vector<std::size_t> order(accounts.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = (i + rotate) % order.size();
  std::stable_sort(order.begin(), order.end(), [&](auto l, auto r) {
    return accounts[l].priority > accounts[r].priority;
  });
  // Within the highest priority that wants anything, hand out one credit at a
  // time round-robin so that equal stages share fairly.
  bool progress = true;
  while (free > 0 && progress) {
    progress = false;
    int32_t top = INT32_MIN;
    for (auto i : order) {
      auto& a = accounts[i];
      if (a.wanted > a.outstanding)
        top = std::max(top, a.priority);
    }
    for (auto i : order) {
      auto& a = accounts[i];
      if (free == 0)
        break;
      if (a.priority != top || a.wanted <= a.outstanding)
        continue;
      ++a.outstanding;
      ++grants[i];
      --free;
      progress = true;
    }
  }
  return grants;
}

/// The pool's side of pool credit: the one authority on how much credit each
/// listener holds. Only the pool books it -- up on a grant, down when a call
/// arrives (`used`) or the stage hands credit back (`released`) -- so that a
/// stage's own figure, stale while grants are in flight, never overwrites it.
/// The totals make "no credit is ever lost" checkable:
/// granted == used + released + outstanding.
struct credit_ledger {
  std::vector<listener_account> accounts;
  std::size_t rotate = 0;
  uint64_t granted = 0;
  uint64_t used = 0;
  uint64_t released = 0;
  uint64_t unbacked = 0; ///< Calls or releases with no credit booked.

  /// Registers a listener; returns its index.
  std::size_t attach(int32_t priority) {
    accounts.push_back(listener_account{priority, 0, 0});
    return accounts.size() - 1;
  }

  /// The listener states how many calls it could start now (credit it
  /// holds included). Stale figures only steer future grants.
  void demand(std::size_t i, uint32_t wanted) {
    accounts.at(i).wanted = wanted;
  }

  /// A call of listener `i` arrived: one credit is spent.
  void use(std::size_t i) {
    auto& a = accounts.at(i);
    if (a.wanted > 0)
      --a.wanted;
    if (a.outstanding == 0) {
      ++unbacked;
      return;
    }
    --a.outstanding;
    ++used;
  }

  /// Listener `i` hands back `n` credits it cannot use.
  void release(std::size_t i, uint32_t n) {
    auto& a = accounts.at(i);
    auto k = std::min(n, a.outstanding);
    unbacked += n - k;
    a.outstanding -= k;
    released += k;
  }

  /// Credit granted and not yet used or released, over all listeners.
  uint64_t outstanding() const {
    uint64_t n = 0;
    for (auto& a : accounts)
      n += a.outstanding;
    return n;
  }

  /// Plans and books the next grants (see plan_grants).
  std::vector<uint32_t> grant(uint64_t committed, uint64_t capacity,
                              uint64_t headroom) {
    auto grants =
      plan_grants(accounts, committed, capacity, headroom, rotate++);
    for (auto g : grants)
      granted += g;
    return grants;
  }
};

/// A stage's side of pool credit: what it holds, and what it last told the
/// pool it wants -- mirrored exactly as the pool books it (each call spends
/// one of the stated want), so a change is sent once and never suppressed.
struct credit_account {
  uint32_t held = 0; ///< Granted and received, not yet spent.
  uint32_t told = 0; ///< The pool's figure of our want, as we mirror it.
  bool ever_told = false;

  /// What to tell the pool after a round of starting calls.
  struct report {
    bool send_demand = false;
    uint32_t wanted = 0;  ///< The demand to state if send_demand.
    uint32_t release = 0; ///< Credit to hand back (0: nothing to send).
  };

  /// Books `n` granted credits.
  void granted(uint32_t n) { held += n; }

  /// Spends one credit on a call; false when none is held.
  bool take() {
    if (held == 0)
      return false;
    --held;
    if (told > 0)
      --told;
    return true;
  }

  /// Given `startable` calls that could start now, returns the demand to
  /// state when it changed and the credit beyond it to hand back. The demand
  /// goes first: released credit then never meets a stale, larger want.
  report settle(std::size_t startable) {
    report r;
    auto want =
      static_cast<uint32_t>(std::min<std::size_t>(startable, UINT32_MAX));
    if (held > want) {
      r.release = held - want;
      held = want;
    }
    // Credit we did not ask for means the pool holds a want we no longer
    // have: restate it, or the pool would grant the released credit again.
    if (!ever_told || want != told || r.release > 0) {
      ever_told = true;
      told = want;
      r.send_demand = true;
      r.wanted = want;
    }
    return r;
  }
};

} // namespace kpsynth::flow
