// Response bodies: client-side parsing of what servers send, and the
// simulator's serializers read back by the client parsers.

#include "protocols/openai/wire.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

using namespace kpsynth::openai;

namespace {
constexpr std::string_view where = "POST http://127.0.0.1:8080/v1/x";
}

TEST_CASE("completion responses round-trip through the serializer") {
  completion_response r;
  r.id = "chatcmpl-123";
  r.model = "served-model";
  r.created = 1700000000;
  r.choices = {
    {0, "The answer is $\\boxed{4}$.\n", "2+2 \xE2\x86\x92 4", "stop"},
    {1, "cut", "", "length"},
    {2, "", "", ""}};
  r.tokens = {12, 34, 46};
  for (bool chat : {true, false}) {
    auto back = parse_completion_response(to_json(r, chat), where);
    REQUIRE(back);
    CHECK(back->id == r.id);
    CHECK(back->model == r.model);
    CHECK(back->created == r.created);
    REQUIRE(back->choices.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(back->choices[i].index == r.choices[i].index);
      CHECK(back->choices[i].text == r.choices[i].text);
      CHECK(back->choices[i].finish_reason == r.choices[i].finish_reason);
      // Text completions have no separate reasoning.
      CHECK(back->choices[i].reasoning
            == (chat ? r.choices[i].reasoning : std::string{}));
    }
    CHECK(back->tokens.prompt_tokens == 12);
    CHECK(back->tokens.completion_tokens == 34);
    CHECK(back->tokens.total_tokens == 46);
  }
}

TEST_CASE("llama.cpp chat response: timings, other model, null content") {
  auto body = R"({"choices":[{"finish_reason":"stop","index":0,
    "message":{"content":null,"role":"assistant",
               "reasoning_content":"think"}}],
    "created":1739000000,"model":"gpt-3.5-turbo","system_fingerprint":"b1",
    "object":"chat.completion",
    "usage":{"completion_tokens":5,"prompt_tokens":7,"total_tokens":12},
    "id":"chatcmpl-x","timings":{"prompt_n":7,"predicted_ms":12.5}})";
  auto r = parse_completion_response(body, where);
  REQUIRE(r);
  CHECK(r->model == "gpt-3.5-turbo");
  REQUIRE(r->choices.size() == 1);
  CHECK(r->choices[0].text.empty());
  CHECK(r->choices[0].reasoning == "think");
  CHECK(r->tokens.total_tokens == 12);
}

TEST_CASE("text completion without usage; choices sorted by index") {
  auto body = R"({"object":"text_completion","choices":[
    {"index":1,"text":"B","finish_reason":"length","logprobs":null},
    {"index":0,"text":"A","finish_reason":"stop"}]})";
  auto r = parse_completion_response(body, where);
  REQUIRE(r);
  REQUIRE(r->choices.size() == 2);
  CHECK(r->choices[0].text == "A");
  CHECK(r->choices[1].text == "B");
  CHECK(r->tokens.total_tokens == 0);
  // usage without total_tokens: the sum.
  r = parse_completion_response(
    R"({"choices":[{"text":""}],"usage":{"prompt_tokens":2,
        "completion_tokens":3}})",
    where);
  REQUIRE(r);
  CHECK(r->tokens.total_tokens == 5);
}

TEST_CASE("invalid UTF-8 in a response body costs only the bad bytes") {
  std::string body = "{\"choices\":[{\"text\":\"ok \xFF\xFE end\"}]}";
  auto r = parse_completion_response(body, where);
  REQUIRE(r);
  CHECK(r->choices[0].text == "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
  // Outside a string it is still a syntax error.
  auto bad = parse_completion_response("{\"choices\":[]\xFF}", where);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "bad_json");
}

TEST_CASE("malformed completion responses name the field path") {
  struct row {
    const char* body;
    const char* message;
  };
  const row rows[] = {
    {R"({"choices":[{"message":{"content":5}}]})",
     "choices[0].message.content: expected string, got number"},
    {R"({"choices":[{"message":{"content":"a"}},{"message":"b"}]})",
     "choices[1].message: expected object, got string"},
    {R"({"choices":"x"})", "choices: expected array, got string"},
    {R"({"id":"x"})", "choices: missing"},
    {R"({"choices":[]})", "choices: no choices"},
    {R"({"choices":[{"index":0}]})",
     "choices[0]: expected `message` (chat) or `text` (completion)"},
    {R"({"choices":[{"text":"a","finish_reason":7}]})",
     "choices[0].finish_reason: expected string, got number"},
    {R"({"choices":[{"text":"a","index":-1}]})",
     "choices[0].index: expected integer in [0, 4294967295]"},
    {R"({"choices":[{"text":"a"}],"usage":{"prompt_tokens":"7"}})",
     "usage.prompt_tokens: expected integer, got string"},
    {R"({"choices":[{"text":"a"}],"usage":[]})",
     "usage: expected object, got array"},
    {R"({"model":5,"choices":[{"text":"a"}]})",
     "model: expected string, got number"},
    {R"([{"text":"a"}])", "(root): expected object, got array"},
    {R"({"error":{"message":"boom","code":500}})",
     "error: server returned an error: boom"},
  };
  for (const auto& row : rows) {
    INFO(row.body);
    auto r = parse_completion_response(row.body, where);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == row.message);
    CHECK(r.error().where == where);
  }
  for (std::string_view bad : {"", "not json", "{\"choices\":[", "null x"}) {
    auto r = parse_completion_response(bad, where);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "bad_json");
  }
}

TEST_CASE("embedding responses: round trip, index order, errors") {
  embedding_response e;
  e.model = "bge-small";
  e.data = {{0.1f, -2.5f, 3e-8f}, {}, {1.0f, std::nextafter(1.0f, 2.0f)}};
  e.tokens = {9, 0, 9};
  auto back = parse_embedding_response(to_json(e), where);
  REQUIRE(back);
  CHECK(back->model == "bge-small");
  CHECK(back->data == e.data); // floats are exact
  CHECK(back->tokens.prompt_tokens == 9);

  auto rev = parse_embedding_response(
    R"({"data":[{"index":1,"embedding":[2]},{"index":0,"embedding":[1]}]})",
    where);
  REQUIRE(rev);
  CHECK(rev->data == std::vector<std::vector<float>>{{1}, {2}});

  struct row {
    const char* body;
    const char* message;
  };
  const row rows[] = {
    {R"({"data":[{"embedding":[1,2,"x"]}]})",
     "data[0].embedding[2]: expected number, got string"},
    {R"({"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]})",
     "data[1]: index 0 repeated"},
    {R"({"data":[{"index":5,"embedding":[1]}]})",
     "data[0]: index 5 out of range"},
    {R"({"data":[{"embedding":"AAAA"}]})",
     "data[0].embedding: expected array, got string"},
    {R"({"data":[{}]})", "data[0].embedding: missing"},
    {R"({"data":[{"embedding":[0,1e39]}]})",
     "data[0].embedding[1]: outside the range of float"},
    {R"({"object":"list"})", "data: missing"},
  };
  for (const auto& row : rows) {
    INFO(row.body);
    auto r = parse_embedding_response(row.body, where);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == row.message);
  }
}

TEST_CASE("model lists: OpenAI and llama.cpp shapes") {
  model_list m;
  m.ids = {"a", "b/c"};
  auto back = parse_model_list(to_json(m), where);
  REQUIRE(back);
  CHECK(back->ids == m.ids);
  auto llama = parse_model_list(
    R"({"models":[{"name":"qwen.gguf","model":"qwen.gguf"},{"model":"x"}]})",
    where);
  REQUIRE(llama);
  CHECK(llama->ids == std::vector<std::string>{"qwen.gguf", "x"});
  auto bad = parse_model_list(R"({"data":[{"id":1}]})", where);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "data[0].id: expected string, got number");
  auto none = parse_model_list(R"({"object":"list"})", where);
  REQUIRE_FALSE(none);
  CHECK(none.error().message == "(root): expected `data` or `models`");
}

TEST_CASE("error_body is read back by classify_error") {
  auto body = error_body(400, "invalid_request_error", "bad \"field\"");
  auto e = classify_error(400, body, "");
  CHECK(e.kind == error_class::fatal);
  CHECK(e.message == "bad \"field\"");
  CHECK(e.type == "invalid_request_error");
  CHECK(e.code == "400");
}
