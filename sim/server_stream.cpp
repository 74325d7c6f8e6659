// The simulator's answer delivery: drives the capacity model on a timer and,
// as its sequences progress and finish, streams SSE deltas or sends whole
// answers, injecting the faults picked for each request. Request parsing is
// in sim/server.cpp.

#include "sim/server_internal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <string_view>

namespace kpsynth::sim {

using detail::infinity;
using detail::request_state;

void server::impl::arm() {
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

void server::impl::on_timer() {
  std::lock_guard guard{mtx};
  armed_at = infinity;
  drive();
}

void server::impl::drive() {
  events.clear();
  eng.advance(now(), events);
  for (auto& ev : events)
    handle(ev);
  arm();
}

void server::impl::handle(const event& ev) {
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

void server::impl::stream_progress(request_state& rs, uint32_t choice,
                                   const event& ev) {
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
  auto piece =
    std::string_view{a.text}.substr(rs.sent[choice], upto - rs.sent[choice]);
  rs.sent[choice] = upto;
  rs.writer->write_chunk(
    rs.chat ? openai::sse_chat_delta(rs.id, rs.model, choice, piece, false)
            : openai::sse_text_delta(rs.id, rs.model, choice, piece));
}

void server::impl::finish(request_state& rs) {
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
              : openai::sse_text_final_chunk(rs.id, rs.model, i, fr, nullptr));
  }
  rs.writer->write_chunk(
    openai::sse_usage_chunk(rs.id, rs.model, rs.tokens, rs.chat));
  rs.writer->write_chunk(openai::sse_done());
  rs.writer->end_stream();
}

std::string server::impl::full_body(const request_state& rs) const {
  openai::completion_response resp;
  resp.id = rs.id;
  resp.model = rs.model;
  resp.tokens = rs.tokens;
  for (uint32_t i = 0; i < rs.answers.size(); ++i)
    resp.choices.push_back(
      openai::choice{i, rs.answers[i].text, "", rs.answers[i].finish_reason});
  return openai::to_json(resp, rs.chat);
}

} // namespace kpsynth::sim
