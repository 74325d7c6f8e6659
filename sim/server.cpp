#include "sim/server.hpp"

#include "net/http_server.hpp"
#include "net/io_runtime.hpp"
#include "protocols/openai/wire.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <limits>
#include <mutex>
#include <unordered_map>

namespace kpsynth::sim {

namespace {

using writer_ptr = std::shared_ptr<net::response_writer>;
using clock_type = std::chrono::steady_clock;
constexpr double infinity = std::numeric_limits<double>::infinity();

/// One completion request in the engine, with its pre-computed answers.
struct request_state {
  writer_ptr writer;
  bool chat = true;
  bool stream = false;
  std::string id;
  std::string model;
  fault injected = fault::none;
  std::vector<answer> answers;  ///< One per choice, already cut to max_tokens.
  std::vector<std::size_t> sent; ///< Characters streamed per choice.
  uint32_t unfinished = 0;
  bool started_stream = false;
  openai::usage tokens;
};

void respond_error(const writer_ptr& w, int status, std::string_view type,
                   std::string_view message,
                   std::vector<std::pair<std::string, std::string>> hdrs = {}) {
  w->respond(status, "application/json",
             openai::error_body(status, type, message), std::move(hdrs));
}

} // namespace

struct server::impl : std::enable_shared_from_this<impl> {
  impl(net::io_runtime& r, server_options o)
    : rt(r),
      opts(std::move(o)),
      answers(opts.answers),
      faults(opts.faults, opts.fault_seed),
      eng(opts.prof, engine_options{16}) {}

  net::io_runtime& rt;
  server_options opts;
  responder answers;
  fault_injector faults;
  std::unique_ptr<net::http_server> http;
  mutable std::mutex mtx;
  engine eng;
  clock_type::time_point epoch = clock_type::now();
  std::unordered_map<uint64_t, request_state> requests;
  /// Engine sequence -> (request, choice).
  std::unordered_map<uint64_t, std::pair<uint64_t, uint32_t>> seqs;
  std::deque<writer_ptr> stalled;
  uint64_t next_request = 1;
  uint64_t next_seq = 1;
  double armed_at = infinity;
  server_stats counters;
  std::vector<event> events;

  double now() const {
    return std::chrono::duration<double>(clock_type::now() - epoch).count();
  }

  bool loading() const { return now() < opts.loading_seconds; }

  // -- engine driving (mtx held) ----------------------------------------------

  void arm() {
    auto t = eng.next_event_time();
    if (!(t < armed_at))
      return;
    armed_at = t;
    auto delay = std::max(0.0, t - now()) + 50e-6;
    std::weak_ptr<impl> weak = shared_from_this();
    rt.post_after(std::chrono::nanoseconds{static_cast<int64_t>(delay * 1e9)},
                  [weak] {
                    if (auto self = weak.lock())
                      self->on_timer();
                  });
  }

  void on_timer() {
    std::lock_guard guard{mtx};
    armed_at = infinity;
    drive();
  }

  void drive() {
    events.clear();
    eng.advance(now(), events);
    for (auto& ev : events)
      handle(ev);
    arm();
  }

  void handle(const event& ev) {
    auto s = seqs.find(ev.id);
    if (s == seqs.end())
      return;
    auto [req_id, choice] = s->second;
    auto r = requests.find(req_id);
    if (r == requests.end())
      return;
    auto& rs = r->second;
    if (rs.writer->closed()) {
      // The client went away: free its slot like vLLM aborts the request.
      for (auto i = seqs.begin(); i != seqs.end();) {
        if (i->second.first == req_id) {
          eng.cancel(i->first, now());
          i = seqs.erase(i);
        } else {
          ++i;
        }
      }
      requests.erase(r);
      return;
    }
    if (rs.stream && rs.injected == fault::none)
      stream_progress(rs, choice, ev);
    if (ev.kind != event_kind::finished)
      return;
    seqs.erase(s);
    if (--rs.unfinished > 0)
      return;
    finish(rs);
    requests.erase(r);
  }

  void stream_progress(request_state& rs, uint32_t choice, const event& ev) {
    if (!rs.started_stream) {
      rs.started_stream = true;
      rs.writer->begin_stream(200, "text/event-stream",
                              {{"Cache-Control", "no-cache"}});
      if (rs.chat)
        for (uint32_t i = 0; i < rs.answers.size(); ++i)
          rs.writer->write_chunk(
            openai::sse_chat_delta(rs.id, rs.model, i, "", true));
    }
    auto& a = rs.answers[choice];
    auto total = std::max<uint32_t>(1, a.completion_tokens);
    auto upto = ev.kind == event_kind::finished
                  ? a.text.size()
                  : a.text.size() * std::min(ev.tokens, total) / total;
    if (upto <= rs.sent[choice])
      return;
    auto piece = std::string_view{a.text}.substr(rs.sent[choice],
                                                 upto - rs.sent[choice]);
    rs.sent[choice] = upto;
    rs.writer->write_chunk(
      rs.chat ? openai::sse_chat_delta(rs.id, rs.model, choice, piece, false)
              : openai::sse_text_delta(rs.id, rs.model, choice, piece));
  }

  void finish(request_state& rs) {
    switch (rs.injected) {
      case fault::stall:
        // Keep the connection open and silent; bounded so it cannot leak.
        stalled.push_back(rs.writer);
        while (stalled.size() > 10'000)
          stalled.pop_front();
        return;
      case fault::reset:
        rs.writer->reset();
        return;
      case fault::truncate: {
        auto body = full_body(rs);
        rs.writer->send_raw(fmt::format(
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
          "Content-Length: {}\r\n\r\n{}",
          body.size(), std::string_view{body}.substr(0, body.size() / 2)));
        return;
      }
      case fault::malformed_json:
        rs.writer->respond(200, "application/json",
                           R"({"id":"broken","choices":[{"message":{"role")");
        return;
      default:
        break;
    }
    if (!rs.stream) {
      rs.writer->respond(200, "application/json", full_body(rs));
      return;
    }
    for (uint32_t i = 0; i < rs.answers.size(); ++i) {
      auto& fr = rs.answers[i].finish_reason;
      rs.writer->write_chunk(
        rs.chat ? openai::sse_final_chunk(rs.id, rs.model, i, fr, nullptr)
                : openai::sse_text_final_chunk(rs.id, rs.model, i, fr,
                                               nullptr));
    }
    rs.writer->write_chunk(openai::sse_usage_chunk(rs.id, rs.model, rs.tokens,
                                                   rs.chat));
    rs.writer->write_chunk(openai::sse_done());
    rs.writer->end_stream();
  }

  std::string full_body(const request_state& rs) const {
    openai::completion_response resp;
    resp.id = rs.id;
    resp.model = rs.model;
    resp.tokens = rs.tokens;
    for (uint32_t i = 0; i < rs.answers.size(); ++i)
      resp.choices.push_back(openai::choice{i, rs.answers[i].text, "",
                                            rs.answers[i].finish_reason});
    return openai::to_json(resp, rs.chat);
  }

  // -- request handling (io thread) -------------------------------------------

  void on_request(net::server_request req, writer_ptr w) {
    auto path = req.path();
    if (path == "/health") {
      if (loading())
        respond_error(w, 503, "unavailable", "loading model");
      else
        w->respond(200, "text/plain", "OK");
    } else if (path == "/metrics") {
      if (!opts.metrics) {
        w->respond(404, "text/plain", "not found");
        return;
      }
      std::lock_guard guard{mtx};
      auto m = eng.snapshot(now());
      auto text = render_prometheus(m, opts.prof.model_name);
      // The simulator's own counters, for benchmarks: busy slot-seconds
      // give the mean number of busy slots over any window.
      text += fmt::format("# TYPE kpsynth_sim_busy_slot_seconds_total "
                          "counter\nkpsynth_sim_busy_slot_seconds_total {}\n"
                          "# TYPE kpsynth_sim_max_num_seqs gauge\n"
                          "kpsynth_sim_max_num_seqs {}\n",
                          m.busy_slot_seconds, opts.prof.max_num_seqs);
      w->respond(200, "text/plain; version=0.0.4", std::move(text));
    } else if (path == "/v1/models") {
      openai::model_list list;
      list.ids.push_back(opts.prof.model_name);
      for (auto& [name, j] : opts.answers.judges)
        list.ids.push_back(name);
      for (auto& [name, a] : opts.answers.solver_accuracy)
        list.ids.push_back(name);
      w->respond(200, "application/json", openai::to_json(list));
    } else if (path == "/v1/embeddings" && req.method == "POST") {
      embeddings(req, w);
    } else if ((path == "/v1/chat/completions" || path == "/v1/completions")
               && req.method == "POST") {
      completion(req, w, path == "/v1/chat/completions");
    } else {
      respond_error(w, 404, "not_found",
                    fmt::format("no route for {} {}", req.method, path));
    }
  }

  void embeddings(const net::server_request& req, const writer_ptr& w) {
    auto parsed = openai::parse_embedding_request(req.body);
    if (!parsed) {
      respond_error(w, 400, "invalid_request_error",
                    parsed.error().to_string());
      return;
    }
    openai::embedding_response resp;
    resp.model = parsed->model;
    for (auto& text : parsed->input) {
      resp.data.push_back(answers.embed(text, opts.embedding_dims));
      resp.tokens.prompt_tokens += static_cast<uint32_t>(text.size() / 4 + 1);
    }
    resp.tokens.total_tokens = resp.tokens.prompt_tokens;
    w->respond(200, "application/json", openai::to_json(resp));
  }

  void completion(const net::server_request& req, const writer_ptr& w,
                  bool chat) {
    std::vector<answer> replies;
    std::string model;
    bool stream = false;
    uint32_t max_tokens = 0;
    if (chat) {
      auto parsed = openai::parse_chat_request(req.body);
      if (!parsed) {
        respond_error(w, 400, "invalid_request_error",
                      parsed.error().to_string());
        return;
      }
      if (opts.refuse_n && parsed->params.n > 1) {
        respond_error(w, 500, "server_error",
                      "Only one completion choice is allowed");
        return;
      }
      for (uint32_t i = 0; i < parsed->params.n; ++i)
        replies.push_back(answers.respond(*parsed, i));
      model = parsed->model;
      stream = parsed->stream;
      max_tokens = parsed->params.max_tokens;
    } else {
      auto parsed = openai::parse_completion_request(req.body);
      if (!parsed) {
        respond_error(w, 400, "invalid_request_error",
                      parsed.error().to_string());
        return;
      }
      for (uint32_t i = 0; i < parsed->params.n; ++i)
        replies.push_back(answers.respond(*parsed, i));
      model = parsed->model;
      stream = parsed->stream;
      max_tokens = parsed->params.max_tokens;
    }
    std::lock_guard guard{mtx};
    auto seq = counters.requests++;
    if (loading()) {
      respond_error(w, 503, "unavailable", "loading model",
                    {{"Retry-After", "1"}});
      return;
    }
    auto f = faults.pick(seq);
    if (f != fault::none)
      ++counters.faults[std::string{to_string(f)}];
    switch (f) {
      case fault::http_500:
        respond_error(w, 500, "server_error", "injected internal error");
        return;
      case fault::http_503:
        respond_error(w, 503, "unavailable", "injected overload",
                      {{"Retry-After", "1"}});
        return;
      case fault::http_429:
        respond_error(w, 429, "rate_limit", "injected rate limit",
                      {{"Retry-After", "1"}});
        return;
      default:
        break;
    }
    request_state rs;
    rs.writer = w;
    rs.chat = chat;
    rs.stream = stream;
    rs.model = model;
    rs.injected = f;
    auto req_id = next_request++;
    rs.id = fmt::format("cmpl-sim-{}", req_id);
    for (auto& a : replies) {
      if (max_tokens > 0 && a.completion_tokens > max_tokens) {
        a.text.resize(a.text.size() * max_tokens / a.completion_tokens);
        a.completion_tokens = max_tokens;
        a.finish_reason = "length";
      }
      rs.tokens.completion_tokens += a.completion_tokens;
    }
    rs.tokens.prompt_tokens = replies.empty() ? 0 : replies[0].prompt_tokens;
    rs.tokens.total_tokens
      = rs.tokens.prompt_tokens + rs.tokens.completion_tokens;
    rs.sent.assign(replies.size(), 0);
    rs.unfinished = static_cast<uint32_t>(replies.size());
    auto t = now();
    std::vector<uint64_t> submitted;
    for (uint32_t i = 0; i < replies.size(); ++i) {
      auto sid = next_seq++;
      auto res = eng.submit(sid, std::max<uint32_t>(1, replies[i].prompt_tokens),
                            std::max<uint32_t>(1, replies[i].completion_tokens),
                            t);
      if (res != submit_result::accepted) {
        for (auto s : submitted) {
          eng.cancel(s, t);
          seqs.erase(s);
        }
        if (res == submit_result::rejected_queue_full)
          respond_error(w, 429, "rate_limit", "waiting queue is full",
                        {{"Retry-After", "1"}});
        else
          respond_error(w, 400, "invalid_request_error",
                        fmt::format("request does not fit: {}",
                                    to_string(res)));
        return;
      }
      submitted.push_back(sid);
      seqs.emplace(sid, std::pair{req_id, i});
    }
    rs.answers = std::move(replies);
    requests.emplace(req_id, std::move(rs));
    drive();
  }
};

server::server(std::shared_ptr<impl> x) : impl_(std::move(x)) {}

server::~server() { stop(); }

result<std::unique_ptr<server>> server::start(net::io_runtime& rt,
                                              server_options opts) {
  auto checked = validate_profile(opts.prof);
  if (!checked)
    return checked.error();
  opts.prof = std::move(*checked);
  auto x = std::make_shared<impl>(rt, std::move(opts));
  std::weak_ptr<impl> weak = x;
  try {
    x->http = std::make_unique<net::http_server>(
      rt, x->opts.address, x->opts.port,
      [weak](net::server_request req, writer_ptr w) {
        if (auto self = weak.lock())
          self->on_request(std::move(req), std::move(w));
        else
          w->reset();
      });
  } catch (const std::exception& e) {
    return make_problem("listen_failed", e.what(),
                        fmt::format("{}:{}", x->opts.address, x->opts.port));
  }
  return std::unique_ptr<server>{new server(std::move(x))};
}

uint16_t server::port() const { return impl_->http->port(); }

std::string server::base_url() const {
  return fmt::format("http://{}:{}/v1", impl_->opts.address, port());
}

server_stats server::stats() const {
  std::lock_guard guard{impl_->mtx};
  auto result = impl_->counters;
  result.engine = impl_->eng.snapshot(impl_->now());
  return result;
}

void server::reconfigure(profile p) {
  std::lock_guard guard{impl_->mtx};
  impl_->events.clear();
  impl_->eng.reconfigure(std::move(p), impl_->now(), impl_->events);
  for (auto& ev : impl_->events)
    impl_->handle(ev);
  impl_->arm();
}

void server::stop() {
  if (impl_ && impl_->http)
    impl_->http->stop();
}

} // namespace kpsynth::sim
