#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "protocols/openai/sse.hpp"
#include "protocols/openai/wire.hpp"
#include "sim/server.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cmath>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace kpsynth;
using namespace std::chrono_literals;

namespace {

/// A profile that answers within milliseconds but still streams in steps.
sim::profile fast_profile() {
  auto p = sim::find_profile("7b-h100");
  REQUIRE(p);
  p->model_name = "sim-test";
  p->ttft_ms = 2;
  p->itl_ms = 0.2;
  return *p;
}

net::url parse_url(const std::string& text) {
  auto u = net::url::parse(text);
  REQUIRE(u);
  return *u;
}

/// One simulator on its own io threads, plus clients for its API root and
/// its /v1 base. Members are destroyed in reverse order: clients, server,
/// then the runtime.
struct sim_fixture {
  net::io_runtime rt{2};
  std::unique_ptr<sim::server> srv;
  std::unique_ptr<net::http_client> root;
  std::unique_ptr<net::http_client> v1;

  explicit sim_fixture(sim::server_options opts) {
    auto s = sim::server::start(rt, std::move(opts));
    INFO((s ? "" : s.error().to_string()));
    REQUIRE(s);
    srv = std::move(*s);
    REQUIRE(srv->port() != 0);
    root = std::make_unique<net::http_client>(
      rt, parse_url("http://127.0.0.1:" + std::to_string(srv->port())));
    v1 = std::make_unique<net::http_client>(rt, parse_url(srv->base_url()));
  }
};

sim::server_options options(sim::profile p = fast_profile()) {
  sim::server_options o;
  o.prof = std::move(p);
  o.embedding_dims = 64;
  return o;
}

/// Starts a request; the future holds the response (and the streamed bytes
/// went to `on_chunk`).
std::future<net::http_response> start(net::http_client& c,
                                      net::http_request req,
                                      net::chunk_handler on_chunk = {}) {
  auto p = std::make_shared<std::promise<net::http_response>>();
  auto f = p->get_future();
  c.async_request(
    std::move(req), [p](net::http_response r) { p->set_value(std::move(r)); },
    std::move(on_chunk));
  return f;
}

/// Waits for a response; a hanging server fails the test instead of hanging.
net::http_response await(std::future<net::http_response>& f) {
  REQUIRE(f.wait_for(20s) == std::future_status::ready);
  return f.get();
}

net::http_response fetch(net::http_client& c, net::http_request req,
                         net::chunk_handler on_chunk = {}) {
  auto f = start(c, std::move(req), std::move(on_chunk));
  return await(f);
}

net::http_request get(std::string target) {
  net::http_request r;
  r.method = "GET";
  r.target = std::move(target);
  r.content_type.clear();
  return r;
}

net::http_request post(std::string target, std::string body) {
  net::http_request r;
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

openai::chat_request chat(std::string content, uint32_t n = 1,
                          bool stream = false) {
  openai::chat_request r;
  r.model = "sim-test";
  r.messages = {{"system", "You are a careful mathematician."},
                {"user", std::move(content)}};
  r.params.max_tokens = 400;
  r.params.n = n;
  r.params.has_seed = true;
  r.params.seed = 9;
  r.stream = stream;
  return r;
}

/// Polls `pred`; false if it never became true within `limit`.
template<class F>
bool eventually(F pred, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end)
      return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

/// Parses a completion body, failing the test with the problem if it fails.
openai::completion_response completion_of(const net::http_response& r) {
  INFO(r.body);
  REQUIRE(r.error == net::transport_error::none);
  REQUIRE(r.status == 200);
  auto c = openai::parse_completion_response(r.body, "test");
  INFO((c ? "" : c.error().to_string()));
  REQUIRE(c);
  return *c;
}

/// The `error.message` of an OpenAI-shaped error body.
std::string error_message(const net::http_response& r) {
  auto e = openai::classify_error(r.status, r.body, r.retry_after);
  return e.message;
}

/// A blocking loopback socket that sends one request and can vanish.
class raw_socket {
 public:
  explicit raw_socket(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  }
  ~raw_socket() { close(); }
  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  void send_post(std::string_view target, std::string_view body) {
    std::string msg = "POST " + std::string{target}
                      + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Content-Type: application/json\r\nContent-Length: "
                      + std::to_string(body.size()) + "\r\n\r\n"
                      + std::string{body};
    std::string_view rest = msg;
    while (!rest.empty()) {
      auto n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL);
      REQUIRE(n > 0);
      rest.remove_prefix(static_cast<size_t>(n));
    }
  }

  void close() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

} // namespace

TEST_CASE("/v1/models lists the served model and the judge models") {
  auto o = options();
  o.answers.judges["judge-x"] = {0.9, 0};
  sim_fixture f{o};
  auto r = fetch(*f.v1, get("/models"));
  REQUIRE(r.status == 200);
  auto list = openai::parse_model_list(r.body, "GET /v1/models");
  REQUIRE(list);
  CHECK(list->ids == std::vector<std::string>{"sim-test", "judge-x"});
}

TEST_CASE("/health answers 503 while loading, then 200") {
  auto o = options();
  o.loading_seconds = 1.5;
  auto started = std::chrono::steady_clock::now();
  sim_fixture f{o};
  auto health = fetch(*f.root, get("/health"));
  auto completion =
    fetch(*f.v1, post("/chat/completions", openai::to_json(chat("hi"))));
  auto elapsed = std::chrono::steady_clock::now() - started;
  if (elapsed < 1500ms) {
    CHECK(health.status == 503);
    CHECK(completion.status == 503);
    CHECK(completion.retry_after == "1");
    CHECK_THAT(error_message(completion), Catch::Contains("loading"));
  } else {
    WARN("the machine was too slow to see the loading phase");
  }

  CHECK(eventually([&] { return fetch(*f.root, get("/health")).status == 200; },
                   5s));
  CHECK(std::chrono::steady_clock::now() - started >= 1500ms);
  auto after =
    fetch(*f.v1, post("/chat/completions", openai::to_json(chat("hi"))));
  CHECK(after.status == 200);
}

TEST_CASE("/metrics exports the vllm: gauges and counters") {
  sim_fixture f{options()};
  REQUIRE(
    fetch(*f.v1, post("/chat/completions", openai::to_json(chat("warm up"))))
      .status
    == 200);
  auto r = fetch(*f.root, get("/metrics"));
  REQUIRE(r.status == 200);
  for (auto name : {"vllm:num_requests_running{model_name=\"sim-test\"} 0",
                    "vllm:num_requests_waiting{model_name=\"sim-test\"} 0",
                    "vllm:kv_cache_usage_perc", "vllm:num_preemptions_total",
                    "vllm:prompt_tokens_total", "vllm:generation_tokens_total",
                    "vllm:request_success_total{model_name=\"sim-test\"} 1",
                    "kpsynth_sim_max_num_seqs 256"}) {
    INFO(name);
    CHECK_THAT(r.body, Catch::Contains(name));
  }

  auto o = options();
  o.metrics = false;
  sim_fixture without{o};
  CHECK(fetch(*without.root, get("/metrics")).status == 404);
}

TEST_CASE("a chat completion answers with text and usage") {
  sim_fixture f{options()};
  auto r = fetch(
    *f.v1, post("/chat/completions", openai::to_json(chat("What is 2 + 3?"))));
  CHECK(r.content_type == "application/json");
  auto c = completion_of(r);
  CHECK(c.model == "sim-test");
  REQUIRE(c.choices.size() == 1);
  CHECK(c.choices[0].index == 0);
  CHECK_FALSE(c.choices[0].text.empty());
  CHECK((c.choices[0].finish_reason == "stop"
         || c.choices[0].finish_reason == "length"));
  CHECK(c.tokens.prompt_tokens > 0);
  CHECK(c.tokens.completion_tokens > 0);
  CHECK(c.tokens.total_tokens
        == c.tokens.prompt_tokens + c.tokens.completion_tokens);

  // Deterministic: the same request gets the same answer.
  auto again = completion_of(fetch(
    *f.v1, post("/chat/completions", openai::to_json(chat("What is 2 + 3?")))));
  CHECK(again.choices.at(0).text == c.choices[0].text);
  CHECK(f.srv->stats().requests == 2);
  CHECK(f.srv->stats().engine.completed_total == 2);
}

TEST_CASE("max_tokens cuts the answer with finish_reason length") {
  sim_fixture f{options()};
  auto req = chat("Explain the quadratic formula in detail.");
  req.params.max_tokens = 3;
  auto c = completion_of(
    fetch(*f.v1, post("/chat/completions", openai::to_json(req))));
  REQUIRE(c.choices.size() == 1);
  CHECK(c.choices[0].finish_reason == "length");
  CHECK(c.tokens.completion_tokens == 3);
}

TEST_CASE("a streamed chat completion matches the plain one and ends [DONE]") {
  sim_fixture f{options()};
  auto plain = completion_of(
    fetch(*f.v1, post("/chat/completions",
                      openai::to_json(chat("Find the sum of 17 and 25.")))));

  std::string raw;
  openai::stream_accumulator acc{"test stream", true};
  auto r =
    fetch(*f.v1,
          post("/chat/completions",
               openai::to_json(chat("Find the sum of 17 and 25.", 1, true))),
          [&](std::string_view bytes) {
            raw.append(bytes);
            acc.feed(bytes);
          });
  REQUIRE(r.error == net::transport_error::none);
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "text/event-stream");
  CHECK_THAT(raw, Catch::StartsWith("data: "));
  CHECK_THAT(raw, Catch::EndsWith("data: [DONE]\n\n"));
  CHECK_THAT(raw, Catch::Contains("\"role\":\"assistant\""));
  auto s = acc.finish(true);
  INFO((s ? "" : s.error().to_string()));
  REQUIRE(s);
  CHECK(acc.done());
  CHECK(acc.events() >= 4); // role, content, final, usage (+ [DONE])
  REQUIRE(s->choices.size() == 1);
  CHECK(s->choices[0].text == plain.choices.at(0).text);
  CHECK(s->choices[0].finish_reason == plain.choices[0].finish_reason);
  CHECK(s->tokens.completion_tokens == plain.tokens.completion_tokens);
  CHECK(s->tokens.prompt_tokens == plain.tokens.prompt_tokens);
  CHECK(s->tokens.total_tokens == plain.tokens.total_tokens);
}

TEST_CASE("plain completions answer with text, plain and streamed") {
  sim_fixture f{options()};
  openai::completion_request req;
  req.model = "sim-test";
  req.prompt = "Compute 6 * 7.";
  req.params.max_tokens = 300;
  auto r = fetch(*f.v1, post("/completions", openai::to_json(req)));
  CHECK_THAT(r.body, Catch::Contains("\"text_completion\""));
  auto c = completion_of(r);
  REQUIRE(c.choices.size() == 1);
  CHECK_FALSE(c.choices[0].text.empty());
  CHECK(c.tokens.completion_tokens > 0);

  req.stream = true;
  openai::stream_accumulator acc{"test stream", false};
  auto sr = fetch(*f.v1, post("/completions", openai::to_json(req)),
                  [&](std::string_view b) { acc.feed(b); });
  REQUIRE(sr.status == 200);
  auto s = acc.finish(true);
  INFO((s ? "" : s.error().to_string()));
  REQUIRE(s);
  CHECK(acc.done());
  CHECK(s->choices.at(0).text == c.choices[0].text);
  CHECK(s->tokens.completion_tokens == c.tokens.completion_tokens);
}

TEST_CASE("embeddings: one normalised vector per input, deterministic") {
  sim_fixture f{options()};
  openai::embedding_request req;
  req.model = "embed";
  req.input = {"the area of a circle", "the area of a circle",
               "prime factorisation of 360"};
  auto r = fetch(*f.v1, post("/embeddings", openai::to_json(req)));
  REQUIRE(r.status == 200);
  auto e = openai::parse_embedding_response(r.body, "test");
  INFO((e ? "" : e.error().to_string()));
  REQUIRE(e);
  REQUIRE(e->data.size() == 3);
  for (auto& v : e->data) {
    REQUIRE(v.size() == 64);
    double norm = 0;
    for (float x : v)
      norm += double{x} * x;
    CHECK(std::sqrt(norm) == Approx(1.0).epsilon(1e-3));
  }
  CHECK(e->data[0] == e->data[1]);
  CHECK(e->data[0] != e->data[2]);
  CHECK(e->tokens.prompt_tokens > 0);

  auto bad = fetch(*f.v1, post("/embeddings", R"({"model": "m", "input": 3})"));
  CHECK(bad.status == 400);
  CHECK_THAT(error_message(bad), Catch::Contains("input"));
}

TEST_CASE("n > 1 returns n choices, plain and streamed") {
  sim_fixture f{options()};
  auto c = completion_of(fetch(
    *f.v1, post("/chat/completions", openai::to_json(chat("Solve x+1=3", 3)))));
  REQUIRE(c.choices.size() == 3);
  for (uint32_t i = 0; i < 3; ++i) {
    CHECK(c.choices[i].index == i);
    CHECK_FALSE(c.choices[i].text.empty());
  }
  CHECK(f.srv->stats().engine.completed_total == 3); // one sequence each

  openai::stream_accumulator acc{"test stream", true};
  auto sr = fetch(
    *f.v1,
    post("/chat/completions", openai::to_json(chat("Solve x+1=3", 2, true))),
    [&](std::string_view b) { acc.feed(b); });
  REQUIRE(sr.status == 200);
  auto s = acc.finish(true);
  REQUIRE(s);
  REQUIRE(s->choices.size() == 2);
  CHECK(s->choices[0].text == c.choices[0].text);
  CHECK(s->choices[1].text == c.choices[1].text);
}

TEST_CASE("refuse_n answers n > 1 with HTTP 500 like llama.cpp") {
  auto o = options();
  o.refuse_n = true;
  sim_fixture f{o};
  auto r =
    fetch(*f.v1, post("/chat/completions", openai::to_json(chat("x", 2))));
  CHECK(r.status == 500);
  CHECK_THAT(error_message(r), Catch::Contains("Only one completion choice"));
  CHECK(fetch(*f.v1, post("/chat/completions", openai::to_json(chat("x", 1))))
          .status
        == 200);
}

TEST_CASE("requests beyond max_waiting are answered 429") {
  // One slot, one waiting place, and slow decoding: of four simultaneous
  // requests two fit and two are turned away.
  auto p = fast_profile();
  p.max_num_seqs = 1;
  p.max_waiting = 1;
  p.itl_ms = 20;
  sim_fixture f{options(p)};
  auto req = chat("A long question");
  req.params.max_tokens = 15;
  std::vector<std::future<net::http_response>> pending;
  for (int i = 0; i < 4; ++i)
    pending.push_back(
      start(*f.v1, post("/chat/completions", openai::to_json(req))));
  std::map<int, int> by_status;
  for (auto& fut : pending) {
    auto r = await(fut);
    REQUIRE(r.error == net::transport_error::none);
    ++by_status[r.status];
    if (r.status == 429) {
      CHECK(r.retry_after == "1");
      CHECK_THAT(error_message(r), Catch::Contains("queue is full"));
    }
  }
  CHECK(by_status == std::map<int, int>{{200, 2}, {429, 2}});
  CHECK(f.srv->stats().engine.rejected_total == 2);
}

TEST_CASE("malformed requests are answered 400 naming the field") {
  sim_fixture f{options()};
  struct bad_request {
    std::string body, mentions;
  };
  auto b = GENERATE(
    bad_request{R"({"model": "m", "messages": [{"role": "user", "content": )",
                "JSON"},
    bad_request{
      R"({"model": "m", "messages": [{"role": "user", "content": 5}]})",
      "messages[0].content"},
    bad_request{R"({"model": "m", "messages": []})", "messages"},
    bad_request{
      R"({"model": "m", "messages": [{"role": "user", "content": "x"}],)"
      R"( "temperature": 7})",
      "temperature"},
    bad_request{
      R"({"model": "m", "messages": [{"role": "user", "content": "x"}],)"
      R"( "n": "two"})",
      "n"});
  INFO(b.body);
  auto r = fetch(*f.v1, post("/chat/completions", b.body));
  CHECK(r.status == 400);
  CHECK_THAT(error_message(r), Catch::Contains(b.mentions));
  CHECK(f.srv->stats().engine.completed_total == 0);
}

TEST_CASE("unknown routes are answered 404") {
  sim_fixture f{options()};
  auto r = fetch(*f.v1, get("/nothing"));
  CHECK(r.status == 404);
  CHECK_THAT(error_message(r), Catch::Contains("GET /v1/nothing"));
  // The right path with the wrong method is no route either.
  CHECK(fetch(*f.v1, get("/chat/completions")).status == 404);
}

TEST_CASE("fault injection follows the seeded injector request by request") {
  // With `all` at 7/8, each kind and no fault have 1/8 each. Requests arrive
  // one at a time (the next is sent once the server has counted the last),
  // so request k gets the fault injector.pick(k). A fresh client per request
  // keeps the client's retry of a reset reused connection out of the count.
  auto o = options(*sim::find_profile("zero"));
  auto rates = sim::fault_rates::parse({{"all", 0.875}}, "faults");
  REQUIRE(rates);
  o.faults = *rates;
  o.fault_seed = 5;
  sim_fixture f{o};
  sim::fault_injector expected{*rates, 5};
  constexpr uint64_t n = 80;
  std::map<sim::fault, int> kinds;
  for (uint64_t k = 0; k < n; ++k)
    ++kinds[expected.pick(k)];
  REQUIRE(kinds.size() == 8); // the seed covers every kind and none

  std::vector<std::unique_ptr<net::http_client>> clients;
  std::vector<std::future<net::http_response>> pending;
  for (uint64_t k = 0; k < n; ++k) {
    clients.push_back(
      std::make_unique<net::http_client>(f.rt, parse_url(f.srv->base_url())));
    auto req = post("/chat/completions", openai::to_json(chat("q")));
    req.deadline = 1500ms; // ends the stalls
    pending.push_back(start(*clients.back(), req));
    REQUIRE(eventually([&] { return f.srv->stats().requests == k + 1; }));
  }
  for (uint64_t k = 0; k < n; ++k) {
    auto r = await(pending[k]);
    auto want = expected.pick(k);
    INFO("request " << k << " expected " << sim::to_string(want) << ", got "
                    << r.status << " " << net::to_string(r.error) << " "
                    << r.error_detail);
    switch (want) {
    case sim::fault::none:
      CHECK(r.status == 200);
      CHECK(openai::parse_completion_response(r.body, "t"));
      break;
    case sim::fault::http_500:
      CHECK(r.status == 500);
      break;
    case sim::fault::http_503:
      CHECK(r.status == 503);
      CHECK(r.retry_after == "1");
      break;
    case sim::fault::http_429:
      CHECK(r.status == 429);
      CHECK(r.retry_after == "1");
      break;
    case sim::fault::stall:
      CHECK(r.error == net::transport_error::deadline);
      break;
    case sim::fault::reset:
      CHECK(r.error == net::transport_error::connection_reset);
      break;
    case sim::fault::truncate:
      CHECK(r.error == net::transport_error::truncated);
      break;
    case sim::fault::malformed_json:
      CHECK(r.status == 200);
      CHECK(r.error == net::transport_error::none);
      CHECK_FALSE(openai::parse_completion_response(r.body, "t"));
      break;
    }
  }
  auto stats = f.srv->stats();
  CHECK(stats.requests == n);
  for (auto& [kind, count] : kinds)
    if (kind != sim::fault::none)
      CHECK(stats.faults[std::string{sim::to_string(kind)}]
            == static_cast<uint64_t>(count));
}

TEST_CASE("faults = {all: 1.0} produces every fault kind") {
  auto o = options(*sim::find_profile("zero"));
  auto rates = sim::fault_rates::parse({{"all", 1.0}}, "faults");
  REQUIRE(rates);
  o.faults = *rates;
  sim_fixture f{o};
  std::vector<std::future<net::http_response>> pending;
  for (int i = 0; i < 200; ++i) {
    auto req = post("/chat/completions", openai::to_json(chat("q")));
    req.deadline = 1500ms;
    pending.push_back(start(*f.v1, req));
  }
  int ok = 0;
  for (auto& p : pending) {
    auto r = await(p);
    ok += r.status == 200
          && openai::parse_completion_response(r.body, "t").has_value();
  }
  CHECK(ok == 0); // every request got a fault
  auto stats = f.srv->stats();
  CHECK(stats.faults.size() == 7);
  uint64_t total = 0;
  for (auto& [name, count] : stats.faults) {
    INFO(name);
    CHECK(count > 0);
    total += count;
  }
  CHECK(total == stats.requests);
}

TEST_CASE("a client that disconnects frees its slot in the engine") {
  // Prefill takes 1 s; the clients vanish long before. At the first event
  // of each request the server notices and cancels it, as vLLM aborts.
  auto p = fast_profile();
  p.ttft_ms = 1000;
  p.itl_ms = 2;
  sim_fixture f{options(p)};
  auto body = openai::to_json(chat("What is 1 + 1?"));
  std::vector<std::unique_ptr<raw_socket>> leaving;
  for (int i = 0; i < 3; ++i) {
    leaving.push_back(std::make_unique<raw_socket>(f.srv->port()));
    leaving.back()->send_post("/v1/chat/completions", body);
  }
  auto staying = start(*f.v1, post("/chat/completions", body));
  REQUIRE(eventually([&] { return f.srv->stats().engine.running == 4; }));
  for (auto& s : leaving)
    s->close();

  auto r = await(staying);
  CHECK(r.status == 200);
  REQUIRE(eventually([&] { return f.srv->stats().engine.running == 0; }));
  auto stats = f.srv->stats();
  CHECK(stats.engine.completed_total == 1); // only the one still listening
  CHECK(stats.engine.waiting == 0);
}
