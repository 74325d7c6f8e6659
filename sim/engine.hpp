#pragma once

#include "sim/profiles.hpp"

#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kpsynth::sim {

/// Outcome of `engine::submit`.
enum class submit_result {
  accepted,
  rejected_queue_full,  ///< The waiting queue is full: answer 429.
  rejected_too_long,    ///< Prompt + output can never fit: answer 400.
  rejected_duplicate_id ///< The id is already in the engine (caller bug).
};

std::string_view to_string(submit_result r);

/// What happened to a request during `engine::advance`.
enum class event_kind {
  first_token, ///< Prefill done; the first output token exists.
  progress,    ///< Another `progress_tokens` tokens exist (for streaming).
  finished,    ///< All tokens generated; the request left the engine.
  preempted,   ///< KV ran out; the request went back to the waiting queue.
};

std::string_view to_string(event_kind k);

/// One engine event. `tokens` is the number of output tokens generated so
/// far (for `finished`, the whole output).
struct event {
  event_kind kind = event_kind::finished;
  uint64_t id = 0;
  double time = 0;
  uint32_t tokens = 0;
};

/// Options of the engine that are not properties of the modelled server.
struct engine_options {
  /// Emit a `progress` event every this many output tokens; 0 = never.
  /// Streaming front ends set it to their chunk size.
  uint32_t progress_tokens = 0;
};

/// The engine's counters and gauges, named after vLLM's Prometheus metrics.
struct metrics {
  uint32_t running = 0;
  uint32_t waiting = 0;
  double kv_usage = 0; ///< Used KV blocks / all KV blocks, 0..1.
  uint64_t preemptions_total = 0;
  uint64_t completed_total = 0;
  /// Every token decoded, including those later discarded by preemption.
  uint64_t generated_tokens_total = 0;
  /// Prompt tokens prefilled, recomputations included.
  uint64_t prompt_tokens_total = 0;
  uint64_t rejected_total = 0;
  /// Integral of `running` over time: mean busy slots over a window is
  /// delta(busy_slot_seconds) / delta(t).
  double busy_slot_seconds = 0;
};

/// Capacity model of one vLLM server with continuous batching, in virtual
/// time: every call takes the current time as `now` (seconds, never
/// decreasing) and no clock is read, so tests are deterministic and a real
/// time driver only needs one timer armed at `next_event_time()`.
///
/// The scheduler works in steps, as vLLM's does. At each step boundary it
///  1. gives every decoding sequence the KV slot for its next token; when no
///     block is free it preempts the most recently admitted sequence
///     (recompute: its tokens are discarded, it returns to the front of the
///     waiting queue) until the allocation fits;
///  2. if nothing was preempted, admits waiting requests in FIFO order while
///     a slot is free and the free KV blocks minus the prompt's blocks stay
///     above the watermark;
///  3. runs a step of `itl * lf(running) + sched_overhead * (running +
///     waiting)` seconds, lf growing linearly from 1 to `load_factor_full`.
/// Prefill is a per-sequence delay (as with chunked prefill, it does not
/// stall the others): a sequence admitted at t produces its first token at
/// the end of the first step ending at or after `t + ttft * lf`. After that
/// it gains one token per step. When nothing decodes, the step stretches to
/// the earliest prefill end. When `itl` and `sched_overhead` are both zero,
/// decoding is instant: a sequence completes in the step its prefill ends,
/// so the `zero` profile completes every request at the instant it is
/// admitted (and needs no KV blocks beyond its prompt).
class engine {
 public:
  /// Invalid knobs are clamped (see `validate_profile` to report them).
  explicit engine(profile p, engine_options opts = {});

  /// Queues a request at `now`; call `advance(now)` before, so that the
  /// engine has caught up, and after, to collect instant completions.
  /// `max_output_tokens` is the exact output length (at least 1).
  submit_result submit(uint64_t id, uint32_t prompt_tokens,
                       uint32_t max_output_tokens, double now);

  /// The client went away: frees the request's slot and blocks. Returns
  /// false when the id is unknown (already finished, never submitted).
  bool cancel(uint64_t id, double now);

  /// Processes every step boundary up to and including `now`; appends the
  /// events to `out` in time order.
  void advance(double now, std::vector<event>& out);

  /// Convenience form of `advance` that returns the events.
  std::vector<event> advance(double now);

  /// Time of the next step boundary, +inf when idle.
  double next_event_time() const { return next_boundary_; }

  /// Counters and gauges as of the last processed boundary, with
  /// busy_slot_seconds integrated up to `now`.
  metrics snapshot(double now) const;

  const profile& config() const { return profile_; }

  /// Replaces the server's knobs mid-run (capacity drop or recovery). Takes
  /// effect at the next step; if the KV cache shrank below its use, the most
  /// recently admitted sequences are preempted now.
  void reconfigure(profile p, double now, std::vector<event>& out);

  void set_progress_tokens(uint32_t n) { options_.progress_tokens = n; }

  /// Requests in the engine (running + waiting).
  size_t size() const { return index_.size(); }

 private:
  enum class seq_state : uint8_t { waiting, prefill, decode };

  struct seq {
    uint64_t id = 0;
    uint32_t prompt = 0;
    uint32_t output = 1;
    uint32_t generated = 0;
    uint32_t emitted = 0; ///< Highest token count already reported.
    uint32_t blocks = 0;
    seq_state state = seq_state::waiting;
    bool done = false;
    double prefill_until = 0;
  };

  void apply_profile(profile p);
  uint64_t blocks_for(uint64_t tokens) const;
  double load_factor(size_t running) const;
  void account(double t);
  void boundary(double t, std::vector<event>& out);
  void finish_step(double t, std::vector<event>& out);
  void start_step(double t, std::vector<event>& out);
  void admit(double t);
  void preempt(uint32_t slot, double t, std::vector<event>& out);
  void decode_one(seq& s, bool instant, double t, std::vector<event>& out);
  void release(uint32_t slot);

  profile profile_;
  engine_options options_;
  uint64_t total_blocks_ = 0;
  uint64_t watermark_blocks_ = 0;
  uint64_t used_blocks_ = 0;

  std::vector<seq> pool_;
  std::vector<uint32_t> free_slots_;
  std::unordered_map<uint64_t, uint32_t> index_;
  std::vector<uint32_t> running_; ///< Pool slots in admission order.
  std::deque<uint32_t> waiting_;  ///< Pool slots, FIFO.
  size_t decoding_ = 0;           ///< Running sequences past prefill.

  bool in_step_ = false;
  bool step_instant_ = false;
  double next_boundary_ = std::numeric_limits<double>::infinity();
  double busy_mark_ = 0;
  metrics counters_;
};

/// Renders the engine's metrics as Prometheus text with vLLM's names
/// (`vllm:num_requests_running`, ...) and a `model_name` label, so that the
/// client's scraper reads the simulator exactly as it reads vLLM.
std::string render_prometheus(const metrics& m, std::string_view model_name);

} // namespace kpsynth::sim
