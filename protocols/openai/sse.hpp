#pragma once

// Reassembles a streamed (server-sent events) completion into the same
// `completion_response` a non-streamed call returns.

#include "core/result.hpp"
#include "protocols/openai/types.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::core {
class json_parser;
class json_value;
} // namespace kpsynth::core

namespace kpsynth::openai {

/// Bounds on what one stream may make the client hold: a misbehaving server
/// must not be able to exhaust memory by never ending a line or a choice.
struct stream_limits {
  /// Generated text plus reasoning, over all choices.
  std::size_t max_content_bytes = std::size_t{32} << 20;
  /// One line, one event's data, or a whole non-SSE body.
  std::size_t max_event_bytes = std::size_t{8} << 20;
  /// Choice indices must be below this.
  uint32_t max_choices = 128;
};

/// Incremental parser of a chat or text completion stream.
///
/// Framing follows the WHATWG event-stream rules: bytes may be split
/// anywhere (mid-UTF-8, mid-"\r\n"); lines end in LF, CRLF or CR; `:` starts a
/// comment; `event:` sets the type of the next event (`error` events are
/// server errors); several `data:` lines join with "\n"; an empty line
/// dispatches. llama.cpp's `error: {...}` lines count as error events too.
///
/// Content: deltas are appended per choice `index`; no role chunk is needed
/// (llama.cpp sends none); `reasoning_content` (or `reasoning`) deltas go to
/// `choice::reasoning`; `usage` is taken from whichever chunk carries it (the
/// vLLM usage-only chunk or llama.cpp's last chunk); the first non-empty
/// `id`/`model` win. A body that is plain JSON instead of events (a server
/// that ignored `stream: true`) is read as one chunk whose choices carry
/// `message` or `text`.
class stream_accumulator {
 public:
  /// `where` names the request in errors; `chat` selects `delta` (chat) or
  /// `text` (completion) choices.
  stream_accumulator(std::string where, bool chat, stream_limits limits = {});
  ~stream_accumulator();
  stream_accumulator(stream_accumulator&&) noexcept;
  stream_accumulator& operator=(stream_accumulator&&) noexcept;

  /// Consumes the next bytes. Returns false once the stream has failed
  /// (malformed event, error event, limit exceeded); later bytes are ignored.
  bool feed(std::string_view bytes);

  /// Ends the stream. `clean_eof` says the body ended normally (rather than
  /// a reset or timeout); an unterminated last event is then still used.
  /// Succeeds if `[DONE]` was seen or every choice has a finish_reason;
  /// otherwise the stream was truncated. Errors name `where` and the event.
  result<completion_response> finish(bool clean_eof);

  /// Why the stream failed, classified for the retry logic: `bad_response`
  /// for malformed, oversized or truncated streams; the class of the carried
  /// error for error events. Empty while the stream is healthy.
  const std::optional<api_error>& failure() const { return failure_; }

  /// True once `data: [DONE]` arrived.
  bool done() const { return done_; }

  /// Events dispatched so far (the numbering used in errors, from 1).
  std::size_t events() const { return events_; }

  /// What has arrived so far (choices in arrival order).
  const completion_response& partial() const { return response_; }

 private:
  enum class mode : uint8_t { unknown, events, json };

  void feed_events(std::string_view bytes);
  void on_line(std::string_view line);
  void dispatch();
  void on_data(std::string_view data, bool error_event);
  void on_chunk(const core::json_value& root, std::string_view raw);
  void on_error_event(std::string_view data, const core::json_value* root);
  std::optional<problem> on_choice(const core::json_value& c, uint32_t pos);
  choice& choice_at(uint32_t index);
  bool append_content(std::string& to, std::string_view s);
  void fail(problem p, std::optional<api_error> e = std::nullopt);
  std::string event_label() const;

  std::string where_;
  bool chat_;
  stream_limits limits_;
  /// Behind a pointer so that users of this header do not compile simdjson.
  std::unique_ptr<core::json_parser> parser_;
  mode mode_ = mode::unknown;
  std::string line_; ///< The unfinished line (or the whole JSON body).
  std::string data_; ///< Data of the event being assembled.
  bool has_data_ = false;
  bool error_event_ = false; ///< The event being assembled is `error`.
  bool pending_cr_ = false;  ///< Last byte was CR; a following LF belongs.
  bool done_ = false;
  bool finished_ = false;
  std::size_t events_ = 0;
  std::size_t content_bytes_ = 0;
  completion_response response_;
  std::optional<problem> problem_;
  std::optional<api_error> failure_;
};

} // namespace kpsynth::openai
