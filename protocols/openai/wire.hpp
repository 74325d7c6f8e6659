#pragma once

// The OpenAI-compatible wire format: JSON bodies of requests and responses,
// error classification and server-sent-event framing. Both sides live here:
// the client (requests out, responses in) and the simulator's server side
// (requests in, responses out), so that round-trip tests pin one format.
//
// Real servers are not the spec (see shared/notes/field-notes.md): llama.cpp
// adds `timings`, answers other model names, reports malformed requests as
// 500; vLLM and TGI use their own error shapes. Parsers here therefore ignore
// unknown fields and accept every error shape seen in the wild.

#include "core/result.hpp"
#include "protocols/openai/types.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace kpsynth::openai {

// -- client side: requests out ------------------------------------------------

/// Body of POST /v1/chat/completions. `max_tokens` is always sent (llama.cpp
/// would otherwise generate up to 2,048 tokens); `n` only when not 1 (some
/// servers refuse the field); `seed` only with `has_seed`; `stop` only when
/// non-empty; `stream_options.include_usage` whenever streaming, so that token
/// accounting works for streams too.
std::string to_json(const chat_request& r);

/// Body of POST /v1/completions, with the same rules as chat.
std::string to_json(const completion_request& r);

/// Body of POST /v1/embeddings; `input` is always an array of strings.
std::string to_json(const embedding_request& r);

// -- client side: responses in ------------------------------------------------

/// Parses a chat (`choices[].message.content`, `reasoning_content`, null
/// content read as empty) or text (`choices[].text`) completion, deciding per
/// choice. `usage` is optional, unknown fields are ignored, `model` is taken
/// as answered. `where` (e.g. "POST http://h:8000/v1/chat/completions")
/// prefixes errors, whose messages name the field path. A 2xx body carrying
/// `{"error":...}` is an error too (code `server_error`).
result<completion_response> parse_completion_response(std::string_view body,
                                                      std::string_view where);

/// Parses `data[].embedding`, ordered by `data[].index` when present.
result<embedding_response> parse_embedding_response(std::string_view body,
                                                    std::string_view where);

/// Parses `data[].id`, or llama.cpp's `models[].name` / `models[].model`.
result<model_list> parse_model_list(std::string_view body,
                                    std::string_view where);

// -- client side: errors ------------------------------------------------------

/// Classifies a non-2xx answer. Understands `{"error":{"message","type",
/// "code"}}`, `{"error":"text"}`, `{"object":"error","message":...}` (vLLM),
/// `{"detail":...}` (FastAPI), `{"error":...,"error_type":...}` (TGI) and
/// non-JSON bodies (first 300 bytes kept as the message). Classes: 429 and
/// 503 overloaded; 408, 502, 504 and other 5xx retryable; 500 retryable
/// unless the message shows the request itself is bad (llama.cpp answers
/// malformed requests with 500), then fatal; 400, 401, 403, 404, 405, 413,
/// 422 and other 4xx fatal. `retry_after_header` may be delta-seconds or an
/// HTTP-date (read against `now`).
api_error classify_error(int status, std::string_view body,
                         std::string_view retry_after_header,
                         std::chrono::system_clock::time_point now);

/// classify_error against the current time.
api_error classify_error(int status, std::string_view body,
                         std::string_view retry_after_header);

/// Seconds to wait according to a Retry-After value: delta-seconds, or an
/// HTTP-date (IMF-fixdate, RFC 850 or asctime form) relative to `now` (0 if
/// already past). Negative when empty or unreadable.
double parse_retry_after(std::string_view header,
                         std::chrono::system_clock::time_point now);

/// An error for a 2xx answer whose body is unusable (bad JSON, missing fields,
/// truncated stream): class `bad_response`, the problem's code as `code`,
/// its rendering as `message`.
api_error bad_response(const problem& p, int http_status = 200);

/// Short lowercase name of a class ("retryable", "overloaded", "fatal",
/// "bad_response") for logs and metrics labels.
std::string_view to_string(error_class k);

// -- server side: requests in -------------------------------------------------

/// Parses a chat request as a server would. Absent fields take OpenAI's
/// defaults (temperature 1, top_p 1, n 1; max_tokens falls back to
/// `max_completion_tokens`, then to sampling{}.max_tokens). `content` may be a
/// string, null (read as empty) or an array of `{"type":"text","text":...}`
/// parts. Checks: `messages` non-empty, temperature in [0, 2], top_p in
/// (0, 1], n in [1, 128], max_tokens >= 1; errors name the field path, e.g.
/// `messages[2].content: expected string, got number`.
result<chat_request>
parse_chat_request(std::string_view body,
                   std::string_view where = "request body");

/// Parses a completion request; `prompt` is a string or an array holding
/// exactly one string.
result<completion_request>
parse_completion_request(std::string_view body,
                         std::string_view where = "request body");

/// Parses an embedding request; `input` is a string or an array of strings.
result<embedding_request>
parse_embedding_request(std::string_view body,
                        std::string_view where = "request body");

// -- server side: responses out -----------------------------------------------

/// A completion in OpenAI's shape: `object` ("chat.completion" or
/// "text_completion"), `created` (now when the response's is 0), choices with
/// `message{role,content}` (plus `reasoning_content` when non-empty) or
/// `text`, `finish_reason` (null when empty) and `usage`.
std::string to_json(const completion_response& r, bool chat);

/// `{"object":"list","data":[{"object":"embedding","index":i,
/// "embedding":[...]}],"model":...,"usage":{...}}`.
std::string to_json(const embedding_response& r);

/// `{"object":"list","data":[{"id":...,"object":"model",...}]}`.
std::string to_json(const model_list& r);

/// An error body in OpenAI's shape:
/// `{"error":{"message":...,"type":...,"param":null,"code":<status>}}`.
std::string error_body(int status, std::string_view type,
                       std::string_view message);

// -- server side: server-sent events ------------------------------------------
// Every builder returns one complete event, `data: {...}\n\n`. Chunks carry
// `created` = now.

/// A chat chunk with `delta.content`; `with_role` adds `delta.role`
/// ("assistant"), as OpenAI and vLLM send in the first chunk.
std::string sse_chat_delta(std::string_view id, std::string_view model,
                           uint32_t index, std::string_view content,
                           bool with_role);

/// A chat chunk with `delta.reasoning_content` (reasoning servers).
std::string sse_chat_reasoning_delta(std::string_view id,
                                     std::string_view model, uint32_t index,
                                     std::string_view reasoning);

/// The last chat chunk of a choice: empty delta and `finish_reason`; with
/// `tokens`, also `usage` beside it (as llama.cpp sends it).
std::string sse_final_chunk(std::string_view id, std::string_view model,
                            uint32_t index, std::string_view finish_reason,
                            const usage* tokens);

/// A text-completion chunk with `choices[].text`.
std::string sse_text_delta(std::string_view id, std::string_view model,
                           uint32_t index, std::string_view text);

/// The last text-completion chunk of a choice.
std::string sse_text_final_chunk(std::string_view id, std::string_view model,
                                 uint32_t index, std::string_view finish_reason,
                                 const usage* tokens);

/// The usage-only chunk (`choices: []`) that vLLM and OpenAI send last when
/// `stream_options.include_usage` is set.
std::string sse_usage_chunk(std::string_view id, std::string_view model,
                            const usage& tokens, bool chat);

/// An error inside a stream, `data: {"error":{...}}`, as vLLM sends when
/// generation fails after the 200 header went out.
std::string sse_error(int status, std::string_view type,
                      std::string_view message);

/// `data: [DONE]\n\n`.
std::string sse_done();

} // namespace kpsynth::openai
