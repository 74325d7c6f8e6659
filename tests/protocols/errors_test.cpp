#include "protocols/openai/wire.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace kpsynth::openai;
using std::chrono::system_clock;

namespace {

/// 2024-01-01 12:00:00 UTC, a Monday.
system_clock::time_point fixed_now() {
  using namespace std::chrono;
  return system_clock::time_point{sys_days{year{2024} / January / 1}
                                  + hours{12}};
}

} // namespace

TEST_CASE("error bodies and statuses are classified") {
  struct row {
    int status;
    std::string body;
    error_class kind;
    std::string message;
    std::string type;
    std::string code;
  };
  const std::string long_html = "<html>" + std::string(1000, 'x') + "</html>";
  const row rows[] = {
    // OpenAI
    {429,
     R"({"error":{"message":"Rate limit reached","type":"requests",)"
     R"("param":null,"code":"rate_limit_exceeded"}})",
     error_class::overloaded, "Rate limit reached", "requests",
     "rate_limit_exceeded"},
    {401, R"({"error":{"message":"Incorrect API key","type":"auth"}})",
     error_class::fatal, "Incorrect API key", "auth", ""},
    // llama.cpp: always {"error":{code,message,type}}, bad requests as 500
    {503,
     R"({"error":{"code":503,"message":"Loading model",)"
     R"("type":"unavailable_error"}})",
     error_class::overloaded, "Loading model", "unavailable_error", "503"},
    {500,
     R"({"error":{"code":500,"message":"[json.exception.parse_error.101] )"
     R"(parse error at line 1, column 1: syntax error while parsing value",)"
     R"("type":"server_error"}})",
     error_class::fatal,
     "[json.exception.parse_error.101] parse error at line 1, column 1: "
     "syntax error while parsing value",
     "server_error", "500"},
    {500,
     R"({"error":{"code":500,"message":"Unknown argument: frobnicate",)"
     R"("type":"server_error"}})",
     error_class::fatal, "Unknown argument: frobnicate", "server_error", "500"},
    {500,
     R"({"error":{"code":500,"message":"'messages' is missing",)"
     R"("type":"server_error"}})",
     error_class::fatal, "'messages' is missing", "server_error", "500"},
    {500,
     R"({"error":{"code":500,"message":"CUDA error: out of memory",)"
     R"("type":"server_error"}})",
     error_class::retryable, "CUDA error: out of memory", "server_error",
     "500"},
    {404,
     R"({"error":{"code":404,"message":"File Not Found",)"
     R"("type":"not_found_error"}})",
     error_class::fatal, "File Not Found", "not_found_error", "404"},
    // vLLM before 0.6: {"object":"error",...}
    {400,
     R"({"object":"error","message":"This model's maximum context length )"
     R"(is 4096 tokens.","type":"BadRequestError","param":null,"code":400})",
     error_class::fatal, "This model's maximum context length is 4096 tokens.",
     "BadRequestError", "400"},
    // FastAPI / TGI router
    {422,
     R"({"detail":[{"loc":["body","messages"],"msg":"field required",)"
     R"("type":"value_error.missing"}]})",
     error_class::fatal, R"(field required (at ["body","messages"]))", "", ""},
    {404, R"({"detail":"Not Found"})", error_class::fatal, "Not Found", "", ""},
    {405, R"({"detail":"Method Not Allowed"})", error_class::fatal,
     "Method Not Allowed", "", ""},
    // TGI: {"error":"...","error_type":"..."}
    {422,
     R"({"error":"Input validation error: `inputs` too long",)"
     R"("error_type":"validation"})",
     error_class::fatal, "Input validation error: `inputs` too long",
     "validation", ""},
    {429, R"({"error":"Model is overloaded","error_type":"overloaded"})",
     error_class::overloaded, "Model is overloaded", "overloaded", ""},
    {403, R"({"error":"forbidden"})", error_class::fatal, "forbidden", "", ""},
    // Non-JSON and broken bodies: the first 300 bytes.
    {502, "<html><body><h1>502 Bad Gateway</h1></body></html>\n",
     error_class::retryable,
     "<html><body><h1>502 Bad Gateway</h1></body></html>", "", ""},
    {504, long_html, error_class::retryable, long_html.substr(0, 300), "", ""},
    {500, R"({"error": )", error_class::retryable, R"({"error":)", "", ""},
    {503, "", error_class::overloaded, "", "", ""},
    // Status classes without a body.
    {408, "", error_class::retryable, "", "", ""},
    {413, "", error_class::fatal, "", "", ""},
    {418, "", error_class::fatal, "", "", ""},
    {501, "", error_class::retryable, "", "", ""},
    {507, "", error_class::retryable, "", "", ""},
    {500, "Internal Server Error", error_class::retryable,
     "Internal Server Error", "", ""},
    {200, R"({"error":"odd"})", error_class::bad_response, "odd", "", ""},
  };
  for (const auto& r : rows) {
    INFO(r.status << " " << r.body);
    auto e = classify_error(r.status, r.body, "");
    CHECK(e.http_status == r.status);
    CHECK(to_string(e.kind) == to_string(r.kind));
    CHECK(e.message == r.message);
    CHECK(e.type == r.type);
    CHECK(e.code == r.code);
    CHECK(e.retry_after_s < 0);
  }
}

TEST_CASE("error messages are bounded and valid UTF-8") {
  std::string body = std::string(299, 'a') + "\xE4\xB8\xAD" + "tail";
  auto e = classify_error(502, body, "");
  CHECK(e.message == std::string(299, 'a')); // not cut inside the character
  auto bad = classify_error(500, "oops \xFF", "");
  CHECK(bad.message == "oops \xEF\xBF\xBD");
}

TEST_CASE("Retry-After as delta-seconds and as HTTP-date") {
  auto now = fixed_now();
  CHECK(parse_retry_after("120", now) == 120);
  CHECK(parse_retry_after(" 7 ", now) == 7);
  CHECK(parse_retry_after("1.5", now) == 1.5);
  CHECK(parse_retry_after("Mon, 01 Jan 2024 12:00:30 GMT", now) == 30);
  CHECK(parse_retry_after("Monday, 01-Jan-24 12:01:00 GMT", now) == 60);
  CHECK(parse_retry_after("Mon Jan  1 12:00:10 2024", now) == 10);
  CHECK(parse_retry_after("Tue, 02 Jan 2024 12:00:00 GMT", now) == 86400);
  CHECK(parse_retry_after("Sun, 31 Dec 2023 12:00:00 GMT", now) == 0);
  for (std::string_view bad :
       {"", "soon", "-5", "12abc", "Mon, 32 Jan 2024 12:00:00 GMT",
        "Mon, 01 Foo 2024 12:00:00 GMT", "Mon, 01 Jan 2024 25:00:00 GMT",
        "Mon, 01 Jan 2024 12:00:00 PST", "Mon, 01 Jan 2024"})
    CHECK(parse_retry_after(bad, now) < 0);
  auto e = classify_error(429, "", "Mon, 01 Jan 2024 12:00:05 GMT", now);
  CHECK(e.kind == error_class::overloaded);
  CHECK(e.retry_after_s == 5);
  auto d = classify_error(503, "", "3", now);
  CHECK(d.retry_after_s == 3);
  // The overload without `now` reads the clock; a delta needs none.
  CHECK(classify_error(503, "", "4").retry_after_s == 4);
}

TEST_CASE("bad_response wraps a problem") {
  auto p = kpsynth::make_problem("bad_field", "choices: missing", "POST /x");
  auto e = bad_response(p);
  CHECK(e.kind == error_class::bad_response);
  CHECK(e.http_status == 200);
  CHECK(e.code == "bad_field");
  CHECK(e.message == "POST /x: choices: missing [bad_field]");
  CHECK(to_string(error_class::retryable) == "retryable");
}
