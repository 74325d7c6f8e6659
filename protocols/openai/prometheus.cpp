#include "protocols/openai/prometheus.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>

namespace kpsynth::openai {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

bool name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
         || c == ':';
}

bool name_char(char c) {
  return name_start(c) || (c >= '0' && c <= '9');
}

/// A cursor over one line.
struct line_reader {
  std::string_view s;
  std::size_t i = 0;

  bool at_end() const { return i >= s.size(); }
  char peek() const { return s[i]; }
  void skip_blanks() {
    while (i < s.size() && is_blank(s[i]))
      ++i;
  }
  std::string_view take_name(bool allow_colon) {
    auto start = i;
    if (i < s.size() && name_start(s[i]) && (allow_colon || s[i] != ':'))
      ++i;
    else
      return {};
    while (i < s.size() && name_char(s[i]) && (allow_colon || s[i] != ':'))
      ++i;
    return s.substr(start, i - start);
  }
  std::string_view take_token() {
    auto start = i;
    while (i < s.size() && !is_blank(s[i]))
      ++i;
    return s.substr(start, i - start);
  }
};

/// Reads a quoted label value (after the opening quote) with its escapes.
bool read_label_value(line_reader& r, std::string* out) {
  while (!r.at_end()) {
    char c = r.s[r.i++];
    if (c == '"')
      return true;
    if (c == '\\') {
      if (r.at_end())
        return false;
      char e = r.s[r.i++];
      c = e == 'n' ? '\n' : e; // \\ and \" stand for themselves
    }
    if (out)
      out->push_back(c);
  }
  return false; // unterminated
}

bool parse_value(std::string_view tok, double& out) {
  if (!tok.empty() && tok.front() == '+')
    tok.remove_prefix(1); // from_chars rejects "+Inf"
  if (tok.empty())
    return false;
  auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), out);
  return ec == std::errc{} && p == tok.data() + tok.size();
}

/// Parses one line; false for comments, blanks and malformed lines. Labels
/// are unescaped into `labels` only when it is non-null.
bool parse_line(std::string_view line, std::string_view& name,
                std::vector<std::pair<std::string, std::string>>* labels,
                double& value, bool& has_ts, int64_t& ts) {
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  line_reader r{line};
  r.skip_blanks();
  if (r.at_end() || r.peek() == '#')
    return false;
  name = r.take_name(true);
  if (name.empty())
    return false;
  r.skip_blanks();
  if (!r.at_end() && r.peek() == '{') {
    ++r.i;
    while (true) {
      r.skip_blanks();
      if (r.at_end())
        return false;
      if (r.peek() == '}') {
        ++r.i;
        break;
      }
      auto label = r.take_name(false);
      if (label.empty())
        return false;
      r.skip_blanks();
      if (r.at_end() || r.peek() != '=')
        return false;
      ++r.i;
      r.skip_blanks();
      if (r.at_end() || r.peek() != '"')
        return false;
      ++r.i;
      std::string* out = nullptr;
      if (labels) {
        labels->emplace_back(std::string(label), std::string{});
        out = &labels->back().second;
      }
      if (!read_label_value(r, out))
        return false;
      r.skip_blanks();
      if (!r.at_end() && r.peek() == ',')
        ++r.i;
      else if (r.at_end() || r.peek() != '}')
        return false;
    }
  }
  r.skip_blanks();
  if (!parse_value(r.take_token(), value))
    return false;
  r.skip_blanks();
  has_ts = false;
  if (!r.at_end()) {
    auto tok = r.take_token();
    // Prometheus writes integer milliseconds; OpenMetrics float seconds.
    auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), ts);
    if (ec != std::errc{} || p != tok.data() + tok.size()) {
      double secs = 0;
      // Beyond +-9.2e15 s the milliseconds do not fit in int64.
      if (!parse_value(tok, secs) || !(std::fabs(secs) < 9e15))
        return false;
      ts = static_cast<int64_t>(secs * 1000);
    }
    has_ts = true;
    r.skip_blanks();
    if (!r.at_end())
      return false;
  }
  return true;
}

/// Calls `f(name, value)` for each sample line of `text`.
template<class F>
void for_each_sample(std::string_view text, F&& f) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto line = text.substr(
      pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    std::string_view name;
    double value = 0;
    bool has_ts = false;
    int64_t ts = 0;
    if (parse_line(line, name, nullptr, value, has_ts, ts))
      f(name, value);
  }
}

} // namespace

std::vector<prometheus_sample> parse_prometheus_samples(std::string_view text) {
  std::vector<prometheus_sample> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto line = text.substr(
      pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    prometheus_sample s;
    std::string_view name;
    if (parse_line(line, name, &s.labels, s.value, s.has_timestamp,
                   s.timestamp_ms)) {
      s.name = name;
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::map<std::string, double, std::less<>>
sum_prometheus_metrics(std::string_view text) {
  std::map<std::string, double, std::less<>> out;
  for_each_sample(text, [&](std::string_view name, double v) {
    auto it = out.find(name);
    if (it == out.end())
      out.emplace(std::string(name), v);
    else
      it->second += v;
  });
  return out;
}

control::server_metrics parse_prometheus(std::string_view text) {
  // The names we read, in order of preference per gauge.
  enum gauge : std::size_t { running, waiting, kv, preempt, n_gauges };
  struct wanted {
    std::string_view name;
    gauge g;
    int rank; // lower wins when a server exports several spellings
  };
  static constexpr wanted names[] = {
    {"vllm:num_requests_running", running, 0},
    {"llamacpp:requests_processing", running, 1},
    {"vllm:num_requests_waiting", waiting, 0},
    {"llamacpp:requests_deferred", waiting, 1},
    {"vllm:kv_cache_usage_perc", kv, 0},
    {"vllm:gpu_cache_usage_perc", kv, 1},
    {"llamacpp:kv_cache_usage_ratio", kv, 2},
    {"vllm:num_preemptions_total", preempt, 0},
    {"vllm:num_preemptions", preempt, 1},
  };
  struct acc {
    double sum = 0;
    int count = 0;
  };
  acc found[std::size(names)] = {};
  for_each_sample(text, [&](std::string_view name, double v) {
    for (std::size_t i = 0; i < std::size(names); ++i) {
      if (names[i].name == name) {
        found[i].sum += v;
        ++found[i].count;
        return;
      }
    }
  });
  double value[n_gauges] = {};
  bool has[n_gauges] = {};
  int best[n_gauges] = {99, 99, 99, 99};
  for (std::size_t i = 0; i < std::size(names); ++i) {
    const auto& w = names[i];
    if (found[i].count == 0 || w.rank >= best[w.g])
      continue;
    double v = found[i].sum;
    if (w.g == kv)
      v /= found[i].count;
    best[w.g] = w.rank;
    has[w.g] = std::isfinite(v);
    value[w.g] = has[w.g] ? v : 0;
  }
  control::server_metrics m;
  m.has_running = has[running];
  m.running = value[running];
  m.has_waiting = has[waiting];
  m.waiting = value[waiting];
  m.has_kv_usage = has[kv];
  m.kv_usage = std::clamp(value[kv], 0.0, 1.0);
  m.has_preemptions = has[preempt];
  m.preemptions_total = value[preempt];
  return m;
}

} // namespace kpsynth::openai
