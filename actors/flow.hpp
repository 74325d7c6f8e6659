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
  uint32_t wanted = 0;      ///< Calls it could start now.
  uint32_t outstanding = 0; ///< Granted, not yet used.
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

} // namespace kpsynth::flow
