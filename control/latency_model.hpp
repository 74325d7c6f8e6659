#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>

namespace kpsynth::control {

struct latency_model_options {
  /// A window closes after this long...
  double window_s = 1;
  /// ...and once it holds this many completions.
  uint32_t window_min_samples = 8;
  /// Operating points older than this are forgotten: the server may have
  /// changed since.
  double memory_s = 600;
};

/// What one closed window says about the server.
struct latency_window {
  double inflight = 0;    ///< Mean in-flight count at send: the load level.
  double s_per_token = 0; ///< Sum of latencies / sum of output tokens.
  double ratio = 1;       ///< s_per_token / the lowest ever seen.
  /// d log(latency) / d log(in-flight) between this load level and a
  /// lower one; NaN when no lower level is known. Below saturation latency
  /// grows only through the batch's load factor (elasticity well below 1);
  /// past it every extra request only queues, latency grows in proportion
  /// (elasticity 1) and throughput = in-flight / latency stays flat.
  double elasticity = std::numeric_limits<double>::quiet_NaN();
  /// Little's law: past the knee throughput is flat at inflight / latency,
  /// and at the knee latency is at least the lower level's, so the knee
  /// lies at or above inflight * latency(lower) / latency(this level).
  /// NaN when no lower level is known.
  double knee_floor = std::numeric_limits<double>::quiet_NaN();
  uint32_t samples = 0;
};

/// Turns completions into per-window latency figures normalised per output
/// token, a lowest-ever baseline (the long view) and the latency elasticity
/// between load levels. Latency is normalised per token so that a mix of
/// short and long answers does not read as load.
class latency_model {
 public:
  explicit latency_model(latency_model_options opts = {});

  /// Adds one completion; returns the window it closed, if any.
  std::optional<latency_window> add(double now, double latency_s,
                                    uint32_t completion_tokens,
                                    uint32_t inflight_at_send);

  /// Lowest seconds per token seen in a window; +inf before the first.
  double baseline() const { return baseline_; }

  /// The last closed window, if any.
  const std::optional<latency_window>& last() const { return last_; }

 private:
  struct level {
    double log_inflight = 0;
    double log_latency = 0;
    double at = -std::numeric_limits<double>::infinity();
  };
  static constexpr int levels = 48; ///< In-flight 1 .. 1.25^48 (~45 000).

  void compare_with_lower(int bucket, double now, latency_window& w) const;

  latency_model_options opts_;
  double window_start_ = -1;
  uint32_t n_ = 0;
  double sum_latency_ = 0;
  double sum_tokens_ = 0;
  double sum_inflight_ = 0;
  double baseline_ = std::numeric_limits<double>::infinity();
  std::array<level, levels> levels_{};
  std::optional<latency_window> last_;
};

} // namespace kpsynth::control
