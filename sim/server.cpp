// The simulator's request handling (routing, parsing, fault picking,
// admission to the capacity model) and the public `server` API. Answers are
// delivered by sim/server_stream.cpp as the engine produces them.

#include "sim/server.hpp"

#include "sim/server_internal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>

namespace kpsynth::sim {

using detail::request_state;
using detail::writer_ptr;

namespace {

void respond_error(const writer_ptr& w, int status, std::string_view type,
                   std::string_view message,
                   std::vector<std::pair<std::string, std::string>> hdrs = {}) {
  w->respond(status, "application/json",
             openai::error_body(status, type, message), std::move(hdrs));
}

} // namespace

void server::impl::on_request(net::server_request req, writer_ptr w) {
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

void server::impl::embeddings(const net::server_request& req,
                              const writer_ptr& w) {
  auto parsed = openai::parse_embedding_request(req.body);
  if (!parsed) {
    respond_error(w, 400, "invalid_request_error", parsed.error().to_string());
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

void server::impl::completion(const net::server_request& req,
                              const writer_ptr& w, bool chat) {
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
  rs.tokens.total_tokens =
    rs.tokens.prompt_tokens + rs.tokens.completion_tokens;
  rs.sent.assign(replies.size(), 0);
  rs.unfinished = static_cast<uint32_t>(replies.size());
  auto t = now();
  std::vector<uint64_t> submitted;
  for (uint32_t i = 0; i < replies.size(); ++i) {
    auto sid = next_seq++;
    auto res =
      eng.submit(sid, std::max<uint32_t>(1, replies[i].prompt_tokens),
                 std::max<uint32_t>(1, replies[i].completion_tokens), t);
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
                      fmt::format("request does not fit: {}", to_string(res)));
      return;
    }
    submitted.push_back(sid);
    seqs.emplace(sid, std::pair{req_id, i});
  }
  rs.answers = std::move(replies);
  requests.emplace(req_id, std::move(rs));
  drive();
}

server::server(std::shared_ptr<impl> x) : impl_(std::move(x)) {}

server::~server() {
  stop();
}

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

uint16_t server::port() const {
  return impl_->http->port();
}

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
