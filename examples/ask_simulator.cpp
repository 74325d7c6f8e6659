// Starts the built-in simulator and asks it one chat completion through the
// HTTP client and the OpenAI wire format -- no actors involved.
//
//   build/examples/kpsynth_example_ask_simulator "What is 2 + 2?"

#include "app/commands.hpp"
#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "protocols/openai/wire.hpp"
#include "sim/server.hpp"

#include <fmt/format.h>

#include <future>

int main(int argc, char** argv) {
  using namespace kpsynth;
  std::string question = argc > 1 ? argv[1] : "What is 2 + 2?";
  net::io_runtime io{1};
  config::simulator_config sc;
  sc.profile = "zero"; // answer at once
  auto srv = app::start_simulator(io, sc);
  if (!srv) {
    fmt::print(stderr, "{}\n", srv.error().to_string());
    return 1;
  }
  auto base = net::url::parse((*srv)->base_url());
  net::http_client client{io, *base};
  openai::chat_request req;
  req.model = "math-7b";
  req.messages.push_back({"user", "### Task: solve\n### Problem\n" + question});
  req.params.max_tokens = 256;
  net::http_request http;
  http.target = "/chat/completions";
  http.body = openai::to_json(req);
  std::promise<net::http_response> done;
  client.async_request(std::move(http),
                       [&](net::http_response r) { done.set_value(r); });
  auto r = done.get_future().get();
  auto parsed = openai::parse_completion_response(r.body, "example");
  if (!parsed) {
    fmt::print(stderr, "{}\n", parsed.error().to_string());
    return 1;
  }
  fmt::print("{}\n", parsed->choices.at(0).text);
  fmt::print("({} prompt + {} completion tokens)\n",
             parsed->tokens.prompt_tokens, parsed->tokens.completion_tokens);
  client.shutdown();
  return 0;
}
