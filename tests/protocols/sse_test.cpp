#include "protocols/openai/sse.hpp"
#include "protocols/openai/wire.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>

using namespace kpsynth::openai;
using kpsynth::result;

namespace {

const std::string where = "POST http://127.0.0.1:8000/v1/chat/completions";

/// A vLLM-style chat stream: role chunk, deltas (multi-byte UTF-8 included),
/// a finish chunk, the include_usage chunk with empty choices, [DONE].
std::string vllm_stream() {
  usage u{11, 7, 18};
  std::string s;
  s += sse_chat_delta("cmpl-1", "qwen", 0, "", true);
  s += sse_chat_delta("cmpl-1", "qwen", 0, "The answer: caf\xC3\xA9 ", false);
  s +=
    sse_chat_delta("cmpl-1", "qwen", 0, "\xE4\xB8\xAD\xF0\x9F\x98\x80", false);
  s += sse_chat_delta("cmpl-1", "qwen", 0, " $\\frac{1}{2}$\n\"ok\"", false);
  s += sse_final_chunk("cmpl-1", "qwen", 0, "stop", nullptr);
  s += sse_usage_chunk("cmpl-1", "qwen", u, true);
  s += sse_done();
  return s;
}

result<completion_response> run(const std::string& bytes, bool chat = true,
                                bool clean_eof = true) {
  stream_accumulator acc{where, chat};
  acc.feed(bytes);
  return acc.finish(clean_eof);
}

void check_same(const completion_response& a, const completion_response& b) {
  CHECK(a.id == b.id);
  CHECK(a.model == b.model);
  REQUIRE(a.choices.size() == b.choices.size());
  for (std::size_t i = 0; i < a.choices.size(); ++i) {
    CHECK(a.choices[i].index == b.choices[i].index);
    CHECK(a.choices[i].text == b.choices[i].text);
    CHECK(a.choices[i].reasoning == b.choices[i].reasoning);
    CHECK(a.choices[i].finish_reason == b.choices[i].finish_reason);
  }
  CHECK(a.tokens.prompt_tokens == b.tokens.prompt_tokens);
  CHECK(a.tokens.completion_tokens == b.tokens.completion_tokens);
  CHECK(a.tokens.total_tokens == b.tokens.total_tokens);
}

std::string replace_all(std::string s, std::string_view from,
                        std::string_view to) {
  std::string out;
  std::size_t pos = 0;
  for (auto hit = s.find(from); hit != std::string::npos;
       hit = s.find(from, pos)) {
    out.append(s, pos, hit - pos);
    out.append(to);
    pos = hit + from.size();
  }
  out.append(s, pos);
  return out;
}

} // namespace

TEST_CASE("vLLM stream with include_usage reassembles") {
  auto r = run(vllm_stream());
  REQUIRE(r);
  CHECK(r->id == "cmpl-1");
  CHECK(r->model == "qwen");
  REQUIRE(r->choices.size() == 1);
  CHECK(r->choices[0].text
        == "The answer: caf\xC3\xA9 \xE4\xB8\xAD\xF0\x9F\x98\x80 "
           "$\\frac{1}{2}$\n\"ok\"");
  CHECK(r->choices[0].finish_reason == "stop");
  CHECK(r->tokens.prompt_tokens == 11);
  CHECK(r->tokens.total_tokens == 18);
}

TEST_CASE("byte-at-a-time, random splits and other line endings agree") {
  auto whole = run(vllm_stream());
  REQUIRE(whole);
  for (std::string text :
       {vllm_stream(), replace_all(vllm_stream(), "\n", "\r\n"),
        replace_all(vllm_stream(), "\n", "\r")}) {
    stream_accumulator one{where, true};
    for (char c : text)
      REQUIRE(one.feed(std::string_view(&c, 1)));
    auto r = one.finish(true);
    REQUIRE(r);
    check_same(*r, *whole);
    std::mt19937 rng(7);
    for (int round = 0; round < 50; ++round) {
      stream_accumulator acc{where, true};
      std::size_t pos = 0;
      while (pos < text.size()) {
        std::uniform_int_distribution<std::size_t> len(0, 40);
        auto n = std::min(len(rng), text.size() - pos);
        REQUIRE(acc.feed(std::string_view(text).substr(pos, n)));
        pos += n;
      }
      auto split = acc.finish(true);
      REQUIRE(split);
      check_same(*split, *whole);
    }
  }
}

TEST_CASE("llama.cpp stream: no role chunk, usage and timings at the end") {
  // One event per line as the server writes it (split here for width only).
  const std::string tail = R"("created":1,"id":"chatcmpl-L",)"
                           R"("model":"gpt-3.5-turbo",)"
                           R"("object":"chat.completion.chunk")";
  std::string s =
    R"(data: {"choices":[{"finish_reason":null,"index":0,)"
    R"("delta":{"content":"Hel"}}],)"
    + tail + "}\n\n"
    + R"(data: {"choices":[{"finish_reason":null,"index":0,)"
      R"("delta":{"content":"lo"}}],)"
    + tail + "}\n\n"
    + R"(data: {"choices":[{"finish_reason":"length","index":0,"delta":{}}],)"
    + tail
    + R"(,"usage":{"completion_tokens":2,"prompt_tokens":5,)"
      R"("total_tokens":7},"timings":{"prompt_n":5,)"
      R"("predicted_per_second":40.1}})"
      "\n\n";
  // Without [DONE]: complete because every choice finished.
  auto r = run(s);
  REQUIRE(r);
  CHECK(r->model == "gpt-3.5-turbo");
  CHECK(r->choices[0].text == "Hello");
  CHECK(r->choices[0].finish_reason == "length");
  CHECK(r->tokens.total_tokens == 7);
  auto with_done = run(s + "data: [DONE]\n\n");
  REQUIRE(with_done);
  check_same(*with_done, *r);
}

TEST_CASE("SSE framing: comments, event lines, multi-line data") {
  std::string s = ": keep-alive\n"
                  "event: message\n"
                  "id: 1\n"
                  "retry: 1000\n"
                  "data: {\"choices\":[{\"index\":0,\n"
                  "data: \"delta\":{\"content\":\"a\"}}]}\n"
                  "\n"
                  ":ping\n\n"
                  "data:{\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                  "\"b\"},\"finish_reason\":\"stop\"}]}\n\n"
                  "data: [DONE]\n\n";
  // Every line ending, fed whole and byte by byte (a CRLF split between
  // feeds must not end the multi-line event early).
  for (const auto& text :
       {s, replace_all(s, "\n", "\r\n"), replace_all(s, "\n", "\r")}) {
    auto r = run(text);
    REQUIRE(r);
    CHECK(r->choices[0].text == "ab");
    stream_accumulator acc{where, true};
    for (char c : text)
      REQUIRE(acc.feed(std::string_view(&c, 1)));
    auto bytewise = acc.finish(true);
    REQUIRE(bytewise);
    CHECK(bytewise->choices[0].text == "ab");
  }
}

TEST_CASE("several choices interleaved, reasoning deltas") {
  std::string s;
  s += sse_chat_delta("i", "m", 1, "B1", true);
  s += sse_chat_reasoning_delta("i", "m", 0, "think ");
  s += sse_chat_reasoning_delta("i", "m", 0, "more");
  s += sse_chat_delta("i", "m", 0, "A", true);
  s += sse_chat_delta("i", "m", 1, "B2", false);
  s += sse_final_chunk("i", "m", 1, "stop", nullptr);
  usage u{1, 2, 3};
  s += sse_final_chunk("i", "m", 0, "length", &u);
  auto r = run(s);
  REQUIRE(r);
  REQUIRE(r->choices.size() == 2);
  CHECK(r->choices[0].index == 0);
  CHECK(r->choices[0].text == "A");
  CHECK(r->choices[0].reasoning == "think more");
  CHECK(r->choices[0].finish_reason == "length");
  CHECK(r->choices[1].text == "B1B2");
  CHECK(r->tokens.completion_tokens == 2);
}

TEST_CASE("text completion streams") {
  std::string s = sse_text_delta("t", "m", 0, "2+2");
  s += sse_text_delta("t", "m", 0, "=4");
  usage u{3, 2, 5};
  s += sse_text_final_chunk("t", "m", 0, "stop", &u);
  s += sse_done();
  auto r = run(s, false);
  REQUIRE(r);
  CHECK(r->choices[0].text == "2+2=4");
  CHECK(r->tokens.total_tokens == 5);
  // A text stream fed to a chat accumulator is caught, not read as empty.
  auto wrong = run(s, true);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message
        == "event 1: choices[0]: expected `delta` (is this a text completion "
           "stream?)");
}

TEST_CASE("error events become an api_error") {
  std::string head = sse_chat_delta("e", "m", 0, "partial", true);
  struct row {
    std::string event;
    error_class kind;
    std::string needle;
  };
  const row rows[] = {
    {sse_error(400, "BadRequestError", "prompt too long"), error_class::fatal,
     "prompt too long"},
    {"data: {\"error\":{\"message\":\"CUDA out of memory\"}}\n\n",
     error_class::retryable, "CUDA out of memory"},
    {"error: {\"code\":503,\"message\":\"server busy\",\"type\":"
     "\"unavailable_error\"}\n\n",
     error_class::overloaded, "server busy"},
    {"event: error\ndata: engine died\n\n", error_class::retryable,
     "engine died"},
  };
  for (const auto& r : rows) {
    INFO(r.event);
    stream_accumulator acc{where, true};
    CHECK(acc.feed(head));
    CHECK_FALSE(acc.feed(r.event + sse_done()));
    REQUIRE(acc.failure());
    CHECK(to_string(acc.failure()->kind) == to_string(r.kind));
    CHECK(acc.failure()->message.find(r.needle) != std::string::npos);
    auto res = acc.finish(true);
    REQUIRE_FALSE(res);
    CHECK(res.error().code == "stream_error");
    CHECK(res.error().where == where);
    CHECK(res.error().message.find("event 2: server reported an error: ") == 0);
  }
}

TEST_CASE("truncated streams are errors") {
  std::string s = sse_chat_delta("t", "m", 0, "half", true);
  s += sse_chat_delta("t", "m", 0, " done", false);
  auto r = run(s);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "truncated_stream");
  CHECK(r.error().message
        == "stream truncated after 2 events: no [DONE] and no finish_reason "
           "for choice 0");
  stream_accumulator acc{where, true};
  acc.feed(s);
  auto lost = acc.finish(false);
  REQUIRE_FALSE(lost);
  CHECK(lost.error().message.find("(connection ended abnormally)")
        != std::string::npos);
  REQUIRE(acc.failure());
  CHECK(acc.failure()->kind == error_class::bad_response);

  // Cut inside the last event's JSON.
  auto cut = sse_final_chunk("t", "m", 0, "stop", nullptr);
  auto mid = run(s + cut.substr(0, cut.size() / 2));
  REQUIRE_FALSE(mid);
  CHECK(mid.error().code == "truncated_stream");
  CHECK(mid.error().message.find("inside event 3") != std::string::npos);
  // The same event complete but without its blank line is accepted.
  auto no_blank = run(s + cut.substr(0, cut.size() - 2));
  REQUIRE(no_blank);
  CHECK(no_blank->choices[0].text == "half done");

  auto empty = run(sse_done());
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == "empty_stream");
  auto nothing = run("");
  REQUIRE_FALSE(nothing);
  CHECK(nothing.error().code == "truncated_stream");
}

TEST_CASE("malformed events name the event number and field path") {
  std::string ok = sse_chat_delta("t", "m", 0, "x", true);
  auto bad_json = run(ok + "data: {\"choices\":[{]}\n\n" + sse_done());
  REQUIRE_FALSE(bad_json);
  CHECK(bad_json.error().code == "bad_stream_event");
  CHECK(bad_json.error().message.find("event 2: invalid JSON") == 0);
  auto bad_field =
    run(ok + ok
        + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":5}}]}\n\n");
  REQUIRE_FALSE(bad_field);
  CHECK(bad_field.error().message
        == "event 3: choices[0].delta.content: expected string, got number");
  auto not_obj = run("data: [1,2]\n\n");
  REQUIRE_FALSE(not_obj);
  CHECK(not_obj.error().message
        == "event 1: (root): expected object, got array");
}

TEST_CASE("memory is bounded") {
  stream_limits small;
  small.max_content_bytes = 10;
  small.max_event_bytes = 4096;
  stream_accumulator acc{where, true, small};
  CHECK(acc.feed(sse_chat_delta("t", "m", 0, "123456", true)));
  CHECK_FALSE(acc.feed(sse_chat_delta("t", "m", 0, "789012", false)));
  auto r = acc.finish(true);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "stream_too_large");

  stream_accumulator line{where, true, small};
  std::string endless = "data: " + std::string(5000, 'a');
  CHECK_FALSE(line.feed(endless));
  CHECK(line.failure()->kind == error_class::bad_response);

  stream_accumulator many{where, true, small};
  CHECK_FALSE(many.feed(sse_chat_delta("t", "m", 500, "x", true)));
}

TEST_CASE("a plain JSON body instead of events is accepted") {
  completion_response c;
  c.id = "plain";
  c.model = "m";
  c.choices = {{0, "whole answer", "", "stop"}};
  c.tokens = {1, 2, 3};
  auto body = to_json(c, true);
  stream_accumulator acc{where, true};
  for (std::size_t i = 0; i < body.size(); i += 7)
    acc.feed(std::string_view(body).substr(i, 7));
  auto r = acc.finish(true);
  REQUIRE(r);
  CHECK(r->choices[0].text == "whole answer");
  CHECK(r->tokens.total_tokens == 3);
  auto err = run(error_body(500, "server_error", "boom"));
  REQUIRE_FALSE(err);
  CHECK(err.error().code == "stream_error");
}

TEST_CASE("bytes after [DONE] are ignored") {
  stream_accumulator acc{where, true};
  CHECK(acc.feed(vllm_stream() + "data: {garbage\n\n"));
  CHECK(acc.done());
  CHECK(acc.events() == 7);
  auto r = acc.finish(true);
  REQUIRE(r);
  auto again = acc.finish(true);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "misuse");
}
