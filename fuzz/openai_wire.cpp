// libFuzzer target: every parser of outside bytes in the OpenAI wire format,
// plus the properties that must hold for any input:
// - JSON string output is always valid UTF-8 JSON that reads back as the
//   sanitized input;
// - what a parser accepts, the matching serializer writes back so that it
//   parses to the same value;
// - a stream gives the same outcome however its bytes are split.
// A violated property aborts, which libFuzzer reports as a crash.

#include "core/json.hpp"
#include "protocols/openai/prometheus.hpp"
#include "protocols/openai/sse.hpp"
#include "protocols/openai/wire.hpp"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

namespace oa = kpsynth::openai;
namespace core = kpsynth::core;

void require(bool ok) {
  if (!ok)
    std::abort();
}

bool same(const oa::completion_response& a, const oa::completion_response& b,
          bool with_reasoning) {
  if (a.id != b.id || a.model != b.model
      || a.choices.size() != b.choices.size())
    return false;
  for (std::size_t i = 0; i < a.choices.size(); ++i) {
    const auto& x = a.choices[i];
    const auto& y = b.choices[i];
    if (x.index != y.index || x.text != y.text
        || x.finish_reason != y.finish_reason
        || (with_reasoning && x.reasoning != y.reasoning))
      return false;
  }
  return a.tokens.prompt_tokens == b.tokens.prompt_tokens
         && a.tokens.completion_tokens == b.tokens.completion_tokens
         && a.tokens.total_tokens == b.tokens.total_tokens;
}

void check_json_string(std::string_view in) {
  auto quoted = core::json_quote(in);
  require(core::is_valid_utf8(quoted));
  core::json_parser p;
  auto doc = p.parse(quoted, "fuzz");
  require(doc.has_value());
  auto s = doc->as_string();
  require(s.has_value() && *s == core::sanitize_utf8(in));
}

void check_responses(std::string_view in) {
  if (auto r = oa::parse_completion_response(in, "fuzz")) {
    // The serializer writes choices in index order; parse sorts the same.
    auto chat = oa::parse_completion_response(oa::to_json(*r, true), "fuzz");
    require(chat.has_value() && same(*r, *chat, true));
  }
  if (auto e = oa::parse_embedding_response(in, "fuzz")) {
    auto back = oa::parse_embedding_response(oa::to_json(*e), "fuzz");
    require(back.has_value() && back->data == e->data);
  }
  if (auto m = oa::parse_model_list(in, "fuzz")) {
    auto back = oa::parse_model_list(oa::to_json(*m), "fuzz");
    require(back.has_value() && back->ids == m->ids);
  }
  int status = in.empty() ? 500 : 400 + static_cast<unsigned char>(in[0]) % 200;
  auto now = std::chrono::system_clock::time_point{};
  auto err = oa::classify_error(status, in, in.substr(0, 40), now);
  require(core::is_valid_utf8(err.message));
  oa::parse_retry_after(in, now);
}

void check_requests(std::string_view in) {
  if (auto r = oa::parse_chat_request(in)) {
    auto back = oa::parse_chat_request(oa::to_json(*r));
    require(back.has_value());
    require(back->messages.size() == r->messages.size());
    for (std::size_t i = 0; i < r->messages.size(); ++i)
      require(back->messages[i].content == r->messages[i].content
              && back->messages[i].role == r->messages[i].role);
    require(
      back->params.temperature == r->params.temperature
      && back->params.max_tokens == r->params.max_tokens
      && back->params.n == r->params.n && back->params.seed == r->params.seed
      && back->params.stop == r->params.stop && back->stream == r->stream);
  }
  if (auto r = oa::parse_completion_request(in)) {
    auto back = oa::parse_completion_request(oa::to_json(*r));
    require(back.has_value() && back->prompt == r->prompt);
  }
  if (auto r = oa::parse_embedding_request(in)) {
    auto back = oa::parse_embedding_request(oa::to_json(*r));
    require(back.has_value() && back->input == r->input);
  }
}

/// Whole versus split feeding must agree exactly.
void check_stream(std::string_view in, bool chat) {
  oa::stream_limits limits;
  limits.max_content_bytes = 4096;
  limits.max_event_bytes = 8192;
  oa::stream_accumulator whole{"fuzz", chat, limits};
  whole.feed(in);
  auto a = whole.finish(true);
  std::size_t step = in.empty() ? 1 : 1 + static_cast<unsigned char>(in[0]) % 7;
  oa::stream_accumulator split{"fuzz", chat, limits};
  for (std::size_t i = 0; i < in.size(); i += step)
    split.feed(in.substr(i, step));
  auto b = split.finish(true);
  require(a.has_value() == b.has_value());
  if (a)
    require(same(*a, *b, true));
  else
    require(a.error().code == b.error().code
            && a.error().message == b.error().message);
  oa::stream_accumulator cut{"fuzz", chat, limits};
  cut.feed(in);
  cut.finish(false);
}

void check_prometheus(std::string_view in) {
  auto m = oa::parse_prometheus(in);
  require(!m.has_kv_usage || (m.kv_usage >= 0 && m.kv_usage <= 1));
  oa::sum_prometheus_metrics(in);
  oa::parse_prometheus_samples(in);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  check_json_string(in);
  check_responses(in);
  check_requests(in);
  check_stream(in, true);
  check_stream(in, false);
  check_prometheus(in);
  return 0;
}
