#include "protocols/openai/wire.hpp"

#include <catch2/catch.hpp>

#include <simdjson.h>
#include <string>

using namespace kpsynth::openai;

namespace {

/// The top-level keys of a JSON object, for checking what was sent.
bool has_key(const std::string& json, std::string_view key) {
  simdjson::dom::parser p;
  simdjson::dom::object obj;
  REQUIRE(p.parse(json).get(obj) == simdjson::SUCCESS);
  simdjson::dom::element e;
  return obj[key].get(e) == simdjson::SUCCESS;
}

chat_request sample_chat() {
  chat_request r;
  r.model = "qwen2.5-math-7b";
  r.messages = {
    {"system", "You are a \"careful\" solver.\n"},
    {"user", "Solve $\\frac{1}{2} + x = 3$. caf\xC3\xA9 \xE4\xB8\xAD"}};
  r.params.temperature = 0.3;
  r.params.top_p = 0.95;
  r.params.max_tokens = 512;
  return r;
}

} // namespace

TEST_CASE("chat request body follows the sending rules") {
  auto r = sample_chat();
  auto body = to_json(r);
  CHECK(has_key(body, "max_tokens"));
  CHECK_FALSE(has_key(body, "seed"));
  CHECK_FALSE(has_key(body, "stop"));
  CHECK_FALSE(has_key(body, "n"));
  CHECK_FALSE(has_key(body, "stream"));
  CHECK_FALSE(has_key(body, "stream_options"));
  r.params.has_seed = true;
  r.params.seed = 42;
  r.params.stop = {"</answer>"};
  r.params.n = 4;
  r.stream = true;
  body = to_json(r);
  CHECK(has_key(body, "seed"));
  CHECK(has_key(body, "stop"));
  CHECK(has_key(body, "n"));
  CHECK(body.find(R"("stream":true,"stream_options":{"include_usage":true})")
        != std::string::npos);
}

TEST_CASE("chat request round-trips through the server-side parser") {
  auto r = sample_chat();
  r.params.has_seed = true;
  r.params.seed = 18446744073709551615ULL;
  r.params.stop = {"\n\n", "Q:"};
  r.params.n = 3;
  r.stream = true;
  auto back = parse_chat_request(to_json(r));
  REQUIRE(back);
  CHECK(back->model == r.model);
  REQUIRE(back->messages.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(back->messages[i].role == r.messages[i].role);
    CHECK(back->messages[i].content == r.messages[i].content);
  }
  CHECK(back->params.temperature == r.params.temperature);
  CHECK(back->params.top_p == r.params.top_p);
  CHECK(back->params.max_tokens == 512);
  CHECK(back->params.n == 3);
  CHECK(back->params.has_seed);
  CHECK(back->params.seed == r.params.seed);
  CHECK(back->params.stop == r.params.stop);
  CHECK(back->stream);
}

TEST_CASE("completion and embedding requests round-trip") {
  completion_request c;
  c.model = "m";
  c.prompt = "2+2=";
  c.params.max_tokens = 3;
  c.params.temperature = 0;
  auto cb = parse_completion_request(to_json(c));
  REQUIRE(cb);
  CHECK(cb->prompt == "2+2=");
  CHECK(cb->params.max_tokens == 3);
  CHECK(cb->params.temperature == 0);
  CHECK_FALSE(cb->params.has_seed);
  CHECK_FALSE(cb->stream);

  embedding_request e;
  e.model = "bge";
  e.input = {"first", "", "third \xF0\x9F\x98\x80"};
  auto eb = parse_embedding_request(to_json(e));
  REQUIRE(eb);
  CHECK(eb->model == "bge");
  CHECK(eb->input == e.input);
}

TEST_CASE("invalid UTF-8 in requests still yields valid JSON") {
  auto r = sample_chat();
  r.messages[1].content = "bad \xC3 byte \xFF end";
  auto body = to_json(r);
  auto back = parse_chat_request(body);
  REQUIRE(back);
  CHECK(back->messages[1].content == "bad \xEF\xBF\xBD byte \xEF\xBF\xBD end");
}

TEST_CASE("server-side request parsing: defaults and accepted forms") {
  auto r =
    parse_chat_request(R"({"messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(r);
  CHECK(r->model.empty());
  CHECK(r->params.temperature == 1.0);
  CHECK(r->params.top_p == 1.0);
  CHECK(r->params.n == 1);
  CHECK(r->params.max_tokens == sampling{}.max_tokens);
  CHECK_FALSE(r->params.has_seed);
  CHECK_FALSE(r->stream);

  r = parse_chat_request(R"({"model":"m","max_completion_tokens":9,
    "stop":"END","seed":null,"temperature":null,
    "messages":[{"role":"assistant","content":null},
                {"role":"user","content":[{"type":"text","text":"a"},
                                          {"type":"text","text":"b"}]}]})");
  REQUIRE(r);
  CHECK(r->params.max_tokens == 9);
  CHECK(r->params.stop == std::vector<std::string>{"END"});
  CHECK(r->params.temperature == 1.0);
  CHECK(r->messages[0].content.empty());
  CHECK(r->messages[1].content == "a\nb");

  auto c = parse_completion_request(R"({"prompt":["only one"]})");
  REQUIRE(c);
  CHECK(c->prompt == "only one");
  auto e = parse_embedding_request(R"({"input":"single"})");
  REQUIRE(e);
  CHECK(e->input == std::vector<std::string>{"single"});
}

TEST_CASE("server-side request errors name the field path") {
  struct row {
    int kind; // 0 chat, 1 completion, 2 embedding
    const char* body;
    const char* message;
  };
  const row rows[] = {
    {0, R"({"messages":[{"role":"user","content":"a"},{"role":"user",
          "content":"b"},{"role":"user","content":7}]})",
     "messages[2].content: expected string, got number"},
    {0, R"({"messages":[{"content":"a"}]})", "messages[0].role: missing"},
    {0, R"({"messages":[]})", "messages: must not be empty"},
    {0, R"({"model":"m"})", "messages: missing"},
    {0, R"({"messages":{}})", "messages: expected array, got object"},
    {0, R"({"temperature":2.5,"messages":[{"role":"u","content":""}]})",
     "temperature: must be in [0, 2]"},
    {0, R"({"temperature":-0.1,"messages":[{"role":"u","content":""}]})",
     "temperature: must be in [0, 2]"},
    {0, R"({"top_p":0,"messages":[{"role":"u","content":""}]})",
     "top_p: must be in (0, 1]"},
    {0, R"({"n":0,"messages":[{"role":"u","content":""}]})",
     "n: must be in [1, 128]"},
    {0, R"({"n":129,"messages":[{"role":"u","content":""}]})",
     "n: must be in [1, 128]"},
    {0, R"({"max_tokens":0,"messages":[{"role":"u","content":""}]})",
     "max_tokens: must be >= 1"},
    {0, R"({"max_tokens":1.5,"messages":[{"role":"u","content":""}]})",
     "max_tokens: expected integer, got non-integer number"},
    {0, R"({"seed":-1,"messages":[{"role":"u","content":""}]})",
     "seed: expected integer in [0, 18446744073709551615]"},
    {0, R"({"stop":["a",1],"messages":[{"role":"u","content":""}]})",
     "stop[1]: expected string, got number"},
    {0, R"({"stream":"yes","messages":[{"role":"u","content":""}]})",
     "stream: expected boolean, got string"},
    {0, R"({"messages":[{"role":"u","content":[{"type":"image_url"}]}]})",
     "messages[0].content[0].type: unsupported content part type "
     "\"image_url\""},
    {0, R"([1,2])", "(root): expected object, got array"},
    {1, R"({"prompt":["a","b"]})",
     "prompt: exactly one prompt per request is supported"},
    {1, R"({"prompt":[1,2,3]})",
     "prompt: exactly one prompt per request is supported"},
    {1, R"({"prompt":[17]})", "prompt[0]: expected string, got number"},
    {1, R"({})", "prompt: missing"},
    {2, R"({"input":[]})", "input: must not be empty"},
    {2, R"({"input":["a",[1]]})", "input[1]: expected string, got array"},
    {2, R"({"input":"a","encoding_format":"base64"})",
     "encoding_format: only \"float\" is supported"},
  };
  for (const auto& row : rows) {
    INFO(row.body);
    std::string msg;
    std::string where;
    if (row.kind == 0) {
      auto r = parse_chat_request(row.body, "POST /v1/chat/completions");
      REQUIRE_FALSE(r);
      msg = r.error().message;
      where = r.error().where;
    } else if (row.kind == 1) {
      auto r = parse_completion_request(row.body, "POST /v1/completions");
      REQUIRE_FALSE(r);
      msg = r.error().message;
      where = r.error().where;
    } else {
      auto r = parse_embedding_request(row.body);
      REQUIRE_FALSE(r);
      msg = r.error().message;
      where = r.error().where;
    }
    CHECK(msg == row.message);
    CHECK_FALSE(where.empty());
  }
  auto bad = parse_chat_request("{\"messages\":", "POST /x");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "bad_json");
  CHECK(bad.error().where == "POST /x");
}
