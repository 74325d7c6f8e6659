#include "control/latency_model.hpp"

#include <algorithm>
#include <cmath>

namespace kpsynth::control {

namespace {

/// Load levels are 25% apart: close enough to see the knee, far enough
/// apart that window noise does not swamp the latency difference.
const double level_step = std::log(1.25);

} // namespace

latency_model::latency_model(latency_model_options opts) : opts_(opts) {
  opts_.window_min_samples = std::max<uint32_t>(opts_.window_min_samples, 1);
}

std::optional<latency_window> latency_model::add(double now, double latency_s,
                                                 uint32_t completion_tokens,
                                                 uint32_t inflight_at_send) {
  if (!std::isfinite(latency_s) || latency_s <= 0)
    return std::nullopt;
  if (window_start_ < 0)
    window_start_ = now;
  ++n_;
  sum_latency_ += latency_s;
  sum_tokens_ += std::max<uint32_t>(completion_tokens, 1);
  sum_inflight_ += std::max<uint32_t>(inflight_at_send, 1);
  if (now - window_start_ < opts_.window_s || n_ < opts_.window_min_samples)
    return std::nullopt;
  latency_window w;
  w.samples = n_;
  w.inflight = sum_inflight_ / n_;
  w.s_per_token = sum_latency_ / sum_tokens_;
  baseline_ = std::min(baseline_, w.s_per_token);
  w.ratio = w.s_per_token / baseline_;
  int bucket = std::clamp(static_cast<int>(std::log(w.inflight) / level_step),
                          0, levels - 1);
  auto& lv = levels_[bucket];
  double li = std::log(w.inflight);
  double ll = std::log(w.s_per_token);
  if (now - lv.at > opts_.memory_s) {
    lv.log_inflight = li;
    lv.log_latency = ll;
  } else {
    // Smooth within a level; the newest window weighs half.
    lv.log_inflight = (lv.log_inflight + li) / 2;
    lv.log_latency = (lv.log_latency + ll) / 2;
  }
  lv.at = now;
  compare_with_lower(bucket, now, w);
  last_ = w;
  window_start_ = now;
  n_ = 0;
  sum_latency_ = sum_tokens_ = sum_inflight_ = 0;
  return w;
}

void latency_model::compare_with_lower(int bucket, double now,
                                       latency_window& w) const {
  const auto& hi = levels_[bucket];
  for (int b = bucket - 1; b >= std::max(0, bucket - 3); --b) {
    const auto& lo = levels_[b];
    if (now - lo.at > opts_.memory_s)
      continue;
    double dx = hi.log_inflight - lo.log_inflight;
    if (dx < level_step / 2)
      continue;
    w.elasticity = (hi.log_latency - lo.log_latency) / dx;
    w.knee_floor = std::exp(hi.log_inflight + lo.log_latency - hi.log_latency);
    return;
  }
}

} // namespace kpsynth::control
