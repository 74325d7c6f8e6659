#include "sim/engine.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace kpsynth::sim {

std::string_view to_string(submit_result r) {
  switch (r) {
  case submit_result::accepted:
    return "accepted";
  case submit_result::rejected_queue_full:
    return "rejected_queue_full";
  case submit_result::rejected_too_long:
    return "rejected_too_long";
  case submit_result::rejected_duplicate_id:
    return "rejected_duplicate_id";
  }
  return "unknown";
}

std::string_view to_string(event_kind k) {
  switch (k) {
  case event_kind::first_token:
    return "first_token";
  case event_kind::progress:
    return "progress";
  case event_kind::finished:
    return "finished";
  case event_kind::preempted:
    return "preempted";
  }
  return "unknown";
}

engine::engine(profile p, engine_options opts) : options_(opts) {
  apply_profile(std::move(p));
}

void engine::apply_profile(profile p) {
  auto non_negative = [](double x) {
    return std::isfinite(x) && x > 0 ? x : 0;
  };
  p.max_num_seqs = std::max<uint32_t>(p.max_num_seqs, 1);
  p.block_size = std::max<uint32_t>(p.block_size, 1);
  p.max_model_len = std::max<uint32_t>(p.max_model_len, 1);
  p.kv_cache_tokens = std::max<uint64_t>(p.kv_cache_tokens, p.block_size);
  p.ttft_ms = non_negative(p.ttft_ms);
  p.itl_ms = non_negative(p.itl_ms);
  p.sched_overhead_us = non_negative(p.sched_overhead_us);
  if (!std::isfinite(p.load_factor_full) || p.load_factor_full < 1)
    p.load_factor_full = 1;
  p.kv_watermark = std::clamp(non_negative(p.kv_watermark), 0.0, 0.5);
  profile_ = std::move(p);
  total_blocks_ = profile_.kv_cache_tokens / profile_.block_size;
  watermark_blocks_ = static_cast<uint64_t>(
    profile_.kv_watermark * static_cast<double>(total_blocks_));
}

uint64_t engine::blocks_for(uint64_t tokens) const {
  return (tokens + profile_.block_size - 1) / profile_.block_size;
}

double engine::load_factor(size_t running) const {
  double busy = std::min(1.0, static_cast<double>(running)
                                / static_cast<double>(profile_.max_num_seqs));
  return 1 + (profile_.load_factor_full - 1) * busy;
}

void engine::account(double t) {
  if (t > busy_mark_) {
    counters_.busy_slot_seconds +=
      static_cast<double>(running_.size()) * (t - busy_mark_);
    busy_mark_ = t;
  }
}

submit_result engine::submit(uint64_t id, uint32_t prompt_tokens,
                             uint32_t max_output_tokens, double now) {
  if (index_.count(id) != 0)
    return submit_result::rejected_duplicate_id;
  uint64_t output = std::max<uint32_t>(max_output_tokens, 1);
  uint64_t len = uint64_t{prompt_tokens} + output;
  if (len > profile_.max_model_len
      || blocks_for(len) + watermark_blocks_ > total_blocks_) {
    ++counters_.rejected_total;
    return submit_result::rejected_too_long;
  }
  uint64_t free_slots = running_.size() < profile_.max_num_seqs
                          ? profile_.max_num_seqs - running_.size()
                          : 0;
  if (waiting_.size() >= uint64_t{profile_.max_waiting} + free_slots) {
    ++counters_.rejected_total;
    return submit_result::rejected_queue_full;
  }
  uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(pool_.size());
    pool_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  auto& s = pool_[slot];
  s = seq{};
  s.id = id;
  s.prompt = prompt_tokens;
  s.output = static_cast<uint32_t>(output);
  index_.emplace(id, slot);
  waiting_.push_back(slot);
  if (!in_step_)
    next_boundary_ = std::min(next_boundary_, std::max(now, busy_mark_));
  return submit_result::accepted;
}

void engine::release(uint32_t slot) {
  index_.erase(pool_[slot].id);
  free_slots_.push_back(slot);
}

bool engine::cancel(uint64_t id, double now) {
  auto i = index_.find(id);
  if (i == index_.end())
    return false;
  auto slot = i->second;
  auto& s = pool_[slot];
  if (s.state == seq_state::waiting) {
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), slot));
  } else {
    account(now);
    running_.erase(std::find(running_.begin(), running_.end(), slot));
    if (s.state == seq_state::decode)
      --decoding_;
    used_blocks_ -= s.blocks;
  }
  release(slot);
  return true;
}

std::vector<event> engine::advance(double now) {
  std::vector<event> out;
  advance(now, out);
  return out;
}

void engine::advance(double now, std::vector<event>& out) {
  while (next_boundary_ <= now)
    boundary(next_boundary_, out);
}

void engine::boundary(double t, std::vector<event>& out) {
  account(t);
  if (in_step_)
    finish_step(t, out);
  start_step(t, out);
}

void engine::decode_one(seq& s, bool instant, double t,
                        std::vector<event>& out) {
  uint32_t gained = instant ? s.output - s.generated : 1;
  s.generated += gained;
  counters_.generated_tokens_total += gained;
  if (s.generated >= s.output) {
    out.push_back({event_kind::finished, s.id, t, s.generated});
    s.done = true;
    return;
  }
  // After a preemption the regenerated tokens were already reported.
  auto every = options_.progress_tokens;
  if (every > 0 && s.generated > s.emitted && s.generated % every == 0) {
    out.push_back({event_kind::progress, s.id, t, s.generated});
    s.emitted = s.generated;
  }
}

void engine::finish_step(double t, std::vector<event>& out) {
  bool any_done = false;
  for (auto slot : running_) {
    auto& s = pool_[slot];
    if (s.state == seq_state::decode) {
      decode_one(s, step_instant_, t, out);
    } else if (s.prefill_until <= t) {
      // The prefill itself yields the first token.
      s.state = seq_state::decode;
      ++decoding_;
      s.generated = 1;
      ++counters_.generated_tokens_total;
      if (s.emitted == 0) {
        out.push_back({event_kind::first_token, s.id, t, 1});
        s.emitted = 1;
      }
      if (s.generated >= s.output) {
        out.push_back({event_kind::finished, s.id, t, s.generated});
        s.done = true;
      } else if (step_instant_) {
        decode_one(s, true, t, out);
      }
    }
    any_done = any_done || s.done;
  }
  if (!any_done)
    return;
  // One stable pass keeps admission order: O(running) per step.
  auto keep = running_.begin();
  for (auto slot : running_) {
    auto& s = pool_[slot];
    if (!s.done) {
      *keep++ = slot;
      continue;
    }
    used_blocks_ -= s.blocks;
    --decoding_;
    ++counters_.completed_total;
    release(slot);
  }
  running_.erase(keep, running_.end());
}

void engine::preempt(uint32_t slot, double t, std::vector<event>& out) {
  auto& s = pool_[slot];
  used_blocks_ -= s.blocks;
  s.blocks = 0;
  if (s.state == seq_state::decode)
    --decoding_;
  out.push_back({event_kind::preempted, s.id, t, s.generated});
  s.state = seq_state::waiting;
  s.generated = 0;
  waiting_.push_front(slot);
  ++counters_.preemptions_total;
}

void engine::admit(double t) {
  size_t first_new = running_.size();
  while (!waiting_.empty() && running_.size() < profile_.max_num_seqs) {
    auto slot = waiting_.front();
    auto& s = pool_[slot];
    auto need = blocks_for(s.prompt);
    if (used_blocks_ + need + watermark_blocks_ > total_blocks_)
      break; // FIFO: the head blocks the queue, as in vLLM.
    waiting_.pop_front();
    used_blocks_ += need;
    s.blocks = static_cast<uint32_t>(need);
    s.state = seq_state::prefill;
    counters_.prompt_tokens_total += s.prompt;
    running_.push_back(slot);
  }
  double prefill_s = profile_.ttft_ms / 1000 * load_factor(running_.size());
  for (size_t i = first_new; i < running_.size(); ++i)
    pool_[running_[i]].prefill_until = t + prefill_s;
}

void engine::start_step(double t, std::vector<event>& out) {
  bool instant = profile_.itl_ms == 0 && profile_.sched_overhead_us == 0;
  bool preempted = false;
  if (!instant) {
    // Every decoding sequence needs the KV slot of its next token; the most
    // recently admitted sequences give way when the cache is full.
    for (size_t i = 0; i < running_.size(); ++i) {
      auto& s = pool_[running_[i]];
      if (s.state != seq_state::decode)
        continue;
      auto need = blocks_for(uint64_t{s.prompt} + s.generated + 1);
      while (s.blocks < need) {
        if (used_blocks_ < total_blocks_) {
          ++used_blocks_;
          ++s.blocks;
          continue;
        }
        auto victim = running_.back();
        running_.pop_back();
        preempt(victim, t, out);
        preempted = true;
        if (i == running_.size())
          break; // The victim was this very sequence.
      }
    }
  }
  if (!preempted)
    admit(t);
  if (running_.empty()) {
    in_step_ = false;
    next_boundary_ = std::numeric_limits<double>::infinity();
    return;
  }
  auto r = running_.size();
  auto tracked = static_cast<double>(r + waiting_.size());
  double d = profile_.itl_ms / 1000 * load_factor(r)
             + profile_.sched_overhead_us / 1e6 * tracked;
  double end = t + d;
  if (decoding_ == 0) {
    // Only prefills in flight: the step lasts until the first one is done.
    double first = std::numeric_limits<double>::infinity();
    for (auto slot : running_)
      first = std::min(first, pool_[slot].prefill_until);
    end = std::max(end, first);
  }
  step_instant_ = d == 0;
  in_step_ = true;
  next_boundary_ = end;
}

metrics engine::snapshot(double now) const {
  auto m = counters_;
  m.running = static_cast<uint32_t>(running_.size());
  m.waiting = static_cast<uint32_t>(waiting_.size());
  m.kv_usage =
    static_cast<double>(used_blocks_) / static_cast<double>(total_blocks_);
  if (now > busy_mark_)
    m.busy_slot_seconds +=
      static_cast<double>(running_.size()) * (now - busy_mark_);
  return m;
}

void engine::reconfigure(profile p, double now, std::vector<event>& out) {
  account(now);
  apply_profile(std::move(p));
  while (used_blocks_ > total_blocks_ && !running_.empty()) {
    auto victim = running_.back();
    running_.pop_back();
    preempt(victim, now, out);
  }
  if (!in_step_ && !waiting_.empty())
    next_boundary_ = std::min(next_boundary_, now);
}

namespace {

void append_number(std::string& out, double x) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  if (ec == std::errc{})
    out.append(buf, end);
  else
    out += "NaN";
}

void append_metric(std::string& out, std::string_view name,
                   std::string_view type, std::string_view help,
                   std::string_view label, double value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += label;
  out += ' ';
  append_number(out, value);
  out += '\n';
}

} // namespace

std::string render_prometheus(const metrics& m, std::string_view model_name) {
  // Label values escape backslash, quote and newline (text format 0.0.4).
  std::string label = "{model_name=\"";
  for (char c : model_name) {
    if (c == '\\' || c == '"') {
      label += '\\';
      label += c;
    } else if (c == '\n') {
      label += "\\n";
    } else {
      label += c;
    }
  }
  label += "\"}";
  std::string out;
  out.reserve(1200);
  auto d = [](auto x) { return static_cast<double>(x); };
  append_metric(out, "vllm:num_requests_running", "gauge",
                "Number of requests in model execution batches.", label,
                d(m.running));
  append_metric(out, "vllm:num_requests_waiting", "gauge",
                "Number of requests waiting to be processed.", label,
                d(m.waiting));
  append_metric(out, "vllm:kv_cache_usage_perc", "gauge",
                "KV-cache usage. 1 means 100 percent usage.", label,
                m.kv_usage);
  append_metric(out, "vllm:num_preemptions_total", "counter",
                "Cumulative number of preemptions from the engine.", label,
                d(m.preemptions_total));
  append_metric(out, "vllm:prompt_tokens_total", "counter",
                "Number of prefill tokens processed.", label,
                d(m.prompt_tokens_total));
  append_metric(out, "vllm:generation_tokens_total", "counter",
                "Number of generation tokens processed.", label,
                d(m.generated_tokens_total));
  append_metric(out, "vllm:request_success_total", "counter",
                "Count of successfully processed requests.", label,
                d(m.completed_total));
  return out;
}

} // namespace kpsynth::sim
