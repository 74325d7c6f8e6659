#pragma once

// OpenAI-compatible wire types as plain C++ structs. CAF-free: the simulator,
// the client library and the tests use them without an actor system. JSON is
// parsed into these at the edge (see wire.hpp) and never travels further.

#include <cstdint>
#include <string>
#include <vector>

namespace kpsynth::openai {

/// One chat turn.
struct chat_message {
  std::string role;    ///< "system", "user" or "assistant".
  std::string content; ///< Text content.
};

/// Sampling parameters shared by chat and plain completions.
struct sampling {
  double temperature = 0.7;
  double top_p = 1.0;
  /// Always sent: llama.cpp generates up to 2,048 tokens without it.
  uint32_t max_tokens = 1024;
  /// Choices per request. Servers that refuse n > 1 get n separate requests.
  uint32_t n = 1;
  /// Sampling seed; `has_seed == false` leaves it out of the request.
  bool has_seed = false;
  uint64_t seed = 0;
  std::vector<std::string> stop;
};

/// POST /v1/chat/completions.
struct chat_request {
  std::string model;
  std::vector<chat_message> messages;
  sampling params;
  bool stream = false;
};

/// POST /v1/completions.
struct completion_request {
  std::string model;
  std::string prompt;
  sampling params;
  bool stream = false;
};

/// POST /v1/embeddings.
struct embedding_request {
  std::string model;
  std::vector<std::string> input;
};

/// Token accounting as the server reports it.
struct usage {
  uint32_t prompt_tokens = 0;
  uint32_t completion_tokens = 0;
  uint32_t total_tokens = 0;
};

/// One generated alternative. `text` holds `message.content` for chat and
/// `text` for plain completions; `reasoning` holds `reasoning_content` where
/// a reasoning server sends it separately.
struct choice {
  uint32_t index = 0;
  std::string text;
  std::string reasoning;
  std::string finish_reason;
};

/// A chat or plain completion response (plain or reassembled from a stream).
struct completion_response {
  std::string id;
  std::string model;
  std::vector<choice> choices;
  usage tokens;
  /// Unix seconds as the server reports it (`created`); 0 if absent. The
  /// simulator's serializer writes the current time for 0.
  int64_t created = 0;
};

/// A response of /v1/embeddings, in input order.
struct embedding_response {
  std::string model;
  std::vector<std::vector<float>> data;
  usage tokens;
};

/// A response of /v1/models.
struct model_list {
  std::vector<std::string> ids;
};

/// How the client should react to a failed call.
enum class error_class : uint8_t {
  /// Worth retrying after backoff: 429, 502, 503, 504, resets, timeouts.
  retryable,
  /// The server is overloaded and told us so (429/503): slow down.
  overloaded,
  /// Never succeeds on retry: 400, 401, 403, 404, 422, malformed request.
  fatal,
  /// The server answered 2xx with a body we cannot use (bad JSON, missing
  /// fields, truncated stream): retry a bounded number of times.
  bad_response,
};

/// An error answer, from the `{"error":{...}}` body where present.
struct api_error {
  int http_status = 0;
  error_class kind = error_class::fatal;
  std::string type;
  std::string code;
  std::string message;
  /// Seconds to wait, from a Retry-After header; negative if absent.
  double retry_after_s = -1;
};

} // namespace kpsynth::openai
