// Server side of the wire format, outbound: response bodies, error bodies and
// server-sent events in the shape OpenAI-compatible clients expect.

#include "core/json.hpp"
#include "protocols/openai/wire.hpp"

#include <chrono>

namespace kpsynth::openai {

namespace {

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

void write_usage(core::json_writer& w, const usage& u) {
  w.key("usage").begin_object();
  w.key("prompt_tokens").number(u.prompt_tokens);
  w.key("completion_tokens").number(u.completion_tokens);
  w.key("total_tokens").number(u.total_tokens);
  w.end_object();
}

void write_finish_reason(core::json_writer& w, std::string_view reason) {
  w.key("finish_reason");
  if (reason.empty())
    w.null();
  else
    w.string(reason);
}

/// Opens a chunk event up to the inside of `choices`.
core::json_writer chunk_head(std::string_view id, std::string_view model,
                             bool chat) {
  core::json_writer w{std::string("data: ")};
  w.begin_object();
  w.key("id").string(id);
  w.key("object").string(chat ? "chat.completion.chunk" : "text_completion");
  w.key("created").number(now_s());
  w.key("model").string(model);
  w.key("choices").begin_array();
  return w;
}

/// Closes `choices`, adds usage if given and ends the event.
std::string chunk_tail(core::json_writer& w, const usage* tokens) {
  w.end_array();
  if (tokens)
    write_usage(w, *tokens);
  w.end_object();
  auto out = w.take();
  out += "\n\n";
  return out;
}

/// A chat choice with one delta member (`content`, `reasoning_content`).
std::string chat_delta_event(std::string_view id, std::string_view model,
                             uint32_t index, std::string_view field,
                             std::string_view value, bool with_role) {
  auto w = chunk_head(id, model, true);
  w.begin_object();
  w.key("index").number(index);
  w.key("delta").begin_object();
  if (with_role)
    w.key("role").string("assistant");
  w.key(field).string(value);
  w.end_object();
  w.key("logprobs").null();
  w.key("finish_reason").null();
  w.end_object();
  return chunk_tail(w, nullptr);
}

} // namespace

std::string to_json(const completion_response& r, bool chat) {
  core::json_writer w;
  w.begin_object();
  w.key("id").string(r.id);
  w.key("object").string(chat ? "chat.completion" : "text_completion");
  w.key("created").number(r.created != 0 ? r.created : now_s());
  w.key("model").string(r.model);
  w.key("choices").begin_array();
  for (const auto& c : r.choices) {
    w.begin_object();
    w.key("index").number(c.index);
    if (chat) {
      w.key("message").begin_object();
      w.key("role").string("assistant");
      w.key("content").string(c.text);
      if (!c.reasoning.empty())
        w.key("reasoning_content").string(c.reasoning);
      w.end_object();
    } else {
      w.key("text").string(c.text);
    }
    w.key("logprobs").null();
    write_finish_reason(w, c.finish_reason);
    w.end_object();
  }
  w.end_array();
  write_usage(w, r.tokens);
  w.end_object();
  return w.take();
}

std::string to_json(const embedding_response& r) {
  core::json_writer w;
  w.begin_object();
  w.key("object").string("list");
  w.key("data").begin_array();
  uint32_t index = 0;
  for (const auto& vec : r.data) {
    w.begin_object();
    w.key("object").string("embedding");
    w.key("index").number(index++);
    w.key("embedding").begin_array();
    for (float x : vec)
      w.number(x);
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.key("model").string(r.model);
  w.key("usage").begin_object();
  w.key("prompt_tokens").number(r.tokens.prompt_tokens);
  w.key("total_tokens").number(r.tokens.total_tokens);
  w.end_object();
  w.end_object();
  return w.take();
}

std::string to_json(const model_list& r) {
  core::json_writer w;
  w.begin_object();
  w.key("object").string("list");
  w.key("data").begin_array();
  for (const auto& id : r.ids) {
    w.begin_object();
    w.key("id").string(id);
    w.key("object").string("model");
    w.key("created").number(0);
    w.key("owned_by").string("kpsynth");
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

std::string error_body(int status, std::string_view type,
                       std::string_view message) {
  core::json_writer w;
  w.begin_object();
  w.key("error").begin_object();
  w.key("message").string(message);
  w.key("type").string(type);
  w.key("param").null();
  w.key("code").number(status);
  w.end_object();
  w.end_object();
  return w.take();
}

std::string sse_chat_delta(std::string_view id, std::string_view model,
                           uint32_t index, std::string_view content,
                           bool with_role) {
  return chat_delta_event(id, model, index, "content", content, with_role);
}

std::string sse_chat_reasoning_delta(std::string_view id,
                                     std::string_view model, uint32_t index,
                                     std::string_view reasoning) {
  return chat_delta_event(id, model, index, "reasoning_content", reasoning,
                          false);
}

std::string sse_final_chunk(std::string_view id, std::string_view model,
                            uint32_t index, std::string_view finish_reason,
                            const usage* tokens) {
  auto w = chunk_head(id, model, true);
  w.begin_object();
  w.key("index").number(index);
  w.key("delta").begin_object().end_object();
  w.key("logprobs").null();
  write_finish_reason(w, finish_reason);
  w.end_object();
  return chunk_tail(w, tokens);
}

std::string sse_text_delta(std::string_view id, std::string_view model,
                           uint32_t index, std::string_view text) {
  auto w = chunk_head(id, model, false);
  w.begin_object();
  w.key("index").number(index);
  w.key("text").string(text);
  w.key("logprobs").null();
  w.key("finish_reason").null();
  w.end_object();
  return chunk_tail(w, nullptr);
}

std::string sse_text_final_chunk(std::string_view id, std::string_view model,
                                 uint32_t index, std::string_view finish_reason,
                                 const usage* tokens) {
  auto w = chunk_head(id, model, false);
  w.begin_object();
  w.key("index").number(index);
  w.key("text").string("");
  w.key("logprobs").null();
  write_finish_reason(w, finish_reason);
  w.end_object();
  return chunk_tail(w, tokens);
}

std::string sse_usage_chunk(std::string_view id, std::string_view model,
                            const usage& tokens, bool chat) {
  auto w = chunk_head(id, model, chat);
  return chunk_tail(w, &tokens);
}

std::string sse_error(int status, std::string_view type,
                      std::string_view message) {
  std::string out = "data: ";
  out += error_body(status, type, message);
  out += "\n\n";
  return out;
}

std::string sse_done() {
  return "data: [DONE]\n\n";
}

} // namespace kpsynth::openai
