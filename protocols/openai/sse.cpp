#include "protocols/openai/sse.hpp"

#include "core/json.hpp"
#include "protocols/openai/wire.hpp"

#include <algorithm>
#include <cstring>
#include <initializer_list>

namespace kpsynth::openai {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

/// Position of the first CR or LF in `s` at or after `from`, or npos. Two
/// memchr scans beat a byte loop on the long data lines of big chunks.
std::size_t find_eol(std::string_view s, std::size_t from) {
  const char* base = s.data();
  const char* end = base + s.size();
  const char* lf =
    static_cast<const char*>(std::memchr(base + from, '\n', s.size() - from));
  const char* stop = lf ? lf : end;
  const char* cr = static_cast<const char*>(std::memchr(
    base + from, '\r', static_cast<std::size_t>(stop - base) - from));
  const char* hit = cr ? cr : lf;
  return hit ? static_cast<std::size_t>(hit - base) : std::string_view::npos;
}

/// The HTTP-like status an error object carries in `code`, if any; errors
/// without one are treated as 500 (the server failed mid-generation).
int status_of(const core::json_value& root) {
  auto err = root.find("error");
  const core::json_value& holder = (err && err->is_object()) ? *err : root;
  if (auto code = holder.find("code")) {
    if (auto n = code->as_integer<int>(); n && *n >= 400 && *n <= 599)
      return *n;
  }
  return 500;
}

} // namespace

stream_accumulator::stream_accumulator(std::string where, bool chat,
                                       stream_limits limits)
  : where_(std::move(where)), chat_(chat), limits_(limits),
    parser_(std::make_unique<core::json_parser>()) {}

stream_accumulator::~stream_accumulator() = default;
stream_accumulator::stream_accumulator(stream_accumulator&&) noexcept = default;
stream_accumulator&
stream_accumulator::operator=(stream_accumulator&&) noexcept = default;

std::string stream_accumulator::event_label() const {
  return "event " + std::to_string(events_);
}

void stream_accumulator::fail(problem p, std::optional<api_error> e) {
  if (problem_)
    return; // the first failure is the cause
  failure_ = e ? std::move(*e) : bad_response(p);
  problem_ = std::move(p);
}

bool stream_accumulator::feed(std::string_view bytes) {
  if (problem_)
    return false;
  if (done_ || finished_)
    return true; // nothing after [DONE] matters
  if (mode_ == mode::unknown) {
    std::size_t k = 0;
    while (k < bytes.size() && is_space(bytes[k]))
      ++k;
    if (k == bytes.size())
      return true; // leading blank lines dispatch nothing
    mode_ = bytes[k] == '{' ? mode::json : mode::events;
    bytes.remove_prefix(k);
  }
  if (mode_ == mode::json) {
    if (line_.size() + bytes.size() > limits_.max_event_bytes) {
      fail({"stream_too_large",
            "response body exceeds " + std::to_string(limits_.max_event_bytes)
              + " bytes",
            where_});
      return false;
    }
    line_.append(bytes);
    return true;
  }
  feed_events(bytes);
  return !problem_;
}

void stream_accumulator::feed_events(std::string_view bytes) {
  std::size_t i = 0;
  if (pending_cr_ && !bytes.empty() && bytes[0] == '\n')
    i = 1; // the LF of a CRLF split across two feeds
  pending_cr_ = false;
  while (i < bytes.size() && !problem_ && !done_) {
    auto j = find_eol(bytes, i);
    auto piece =
      bytes.substr(i, j == std::string_view::npos ? bytes.size() - i : j - i);
    if (line_.size() + piece.size() > limits_.max_event_bytes) {
      fail({"stream_too_large",
            "a line of the stream exceeds "
              + std::to_string(limits_.max_event_bytes) + " bytes",
            where_});
      return;
    }
    if (j == std::string_view::npos) {
      line_.append(piece);
      return;
    }
    if (line_.empty()) {
      on_line(piece);
    } else {
      line_.append(piece);
      on_line(line_);
      line_.clear();
    }
    if (bytes[j] == '\r') {
      if (j + 1 == bytes.size())
        pending_cr_ = true;
      else if (bytes[j + 1] == '\n')
        ++j;
    }
    i = j + 1;
  }
}

void stream_accumulator::on_line(std::string_view line) {
  if (line.empty()) {
    dispatch();
    return;
  }
  if (line.front() == ':')
    return; // comment (keep-alive)
  auto colon = line.find(':');
  auto field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
  }
  if (field == "data" || field == "error") {
    // `error:` is llama.cpp's way to send an error event.
    if (field == "error")
      error_event_ = true;
    if (data_.size() + value.size() + 1 > limits_.max_event_bytes) {
      fail({"stream_too_large",
            "an event of the stream exceeds "
              + std::to_string(limits_.max_event_bytes) + " bytes",
            where_});
      return;
    }
    if (has_data_)
      data_ += '\n';
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    error_event_ = value == "error";
  }
  // id, retry and unknown fields do not affect a completion.
}

void stream_accumulator::dispatch() {
  if (has_data_) {
    ++events_;
    on_data(data_, error_event_);
  }
  data_.clear();
  has_data_ = false;
  error_event_ = false;
}

void stream_accumulator::on_data(std::string_view data, bool error_event) {
  auto d = trim(data);
  if (!error_event && d == "[DONE]") {
    done_ = true;
    return;
  }
  if (d.empty() && !error_event)
    return;
  auto doc = parser_->parse(d, where_, true);
  if (error_event) {
    on_error_event(d, doc ? &*doc : nullptr);
    return;
  }
  if (!doc) {
    fail(
      {"bad_stream_event", event_label() + ": " + doc.error().message, where_});
    return;
  }
  on_chunk(*doc, d);
}

void stream_accumulator::on_error_event(std::string_view data,
                                        const core::json_value* root) {
  int status = root && root->is_object() ? status_of(*root) : 500;
  // classify_error re-reads the body with its own parser; `root` stays valid.
  auto e = classify_error(status, data, "");
  std::string msg = event_label() + ": server reported an error: ";
  msg += e.message.empty() ? std::string("(no message)") : e.message;
  fail({"stream_error", std::move(msg), where_}, std::move(e));
}

void stream_accumulator::on_chunk(const core::json_value& root,
                                  std::string_view raw) {
  auto wrap = [this](const problem& p) {
    fail({p.code == "bad_field" ? "bad_stream_event" : p.code,
          event_label() + ": " + p.message, where_});
  };
  if (!root.is_object())
    return wrap(root.type_error("object"));
  if (auto e = root.find("error"); e && !e->is_null())
    return on_error_event(raw, &root);
  for (auto [key, target] :
       {std::pair{"id", &response_.id}, std::pair{"model", &response_.model}}) {
    auto v = root.get_string_or(key, "");
    if (!v)
      return wrap(v.error());
    if (target->empty())
      target->assign(*v);
  }
  if (response_.created == 0) {
    auto created = root.get_integer_or<int64_t>("created", 0);
    if (!created)
      return wrap(created.error());
    response_.created = *created;
  }
  if (auto cs = root.find("choices"); cs && !cs->is_null()) {
    auto arr = cs->as_array();
    if (!arr)
      return wrap(arr.error());
    uint32_t pos = 0;
    for (core::json_value c : *arr) {
      if (auto err = on_choice(c, pos++))
        return wrap(*err);
      if (problem_)
        return;
    }
  }
  if (auto u = root.find("usage"); u && !u->is_null()) {
    if (!u->is_object())
      return wrap(u->type_error("object"));
    auto p = u->get_integer_or<uint32_t>("prompt_tokens", 0);
    auto c = u->get_integer_or<uint32_t>("completion_tokens", 0);
    if (!p)
      return wrap(p.error());
    if (!c)
      return wrap(c.error());
    auto t = u->get_integer_or<uint32_t>("total_tokens", *p + *c);
    if (!t)
      return wrap(t.error());
    response_.tokens = usage{*p, *c, *t};
  }
}

choice& stream_accumulator::choice_at(uint32_t index) {
  for (auto& c : response_.choices)
    if (c.index == index)
      return c;
  auto& c = response_.choices.emplace_back();
  c.index = index;
  return c;
}

bool stream_accumulator::append_content(std::string& to, std::string_view s) {
  if (content_bytes_ + s.size() > limits_.max_content_bytes) {
    fail({"stream_too_large",
          event_label() + ": generated content exceeds "
            + std::to_string(limits_.max_content_bytes) + " bytes",
          where_});
    return false;
  }
  content_bytes_ += s.size();
  to.append(s);
  return true;
}

std::optional<problem> stream_accumulator::on_choice(const core::json_value& c,
                                                     uint32_t pos) {
  if (!c.is_object())
    return c.type_error("object");
  auto index = c.get_integer_or<uint32_t>("index", pos);
  if (!index)
    return index.error();
  if (*index >= limits_.max_choices)
    return c.at("index")->error("exceeds the limit of "
                                + std::to_string(limits_.max_choices)
                                + " choices");
  auto finish = c.get_string_or("finish_reason", "");
  if (!finish)
    return finish.error();
  auto& ch = choice_at(*index);
  // Chat chunks carry `delta` (`message` in a plain JSON body); text chunks
  // carry `text`. A final chunk may carry only its finish_reason.
  if (chat_) {
    auto d = c.find("delta");
    if (!d || d->is_null())
      d = c.find("message");
    if (d && !d->is_null()) {
      if (!d->is_object())
        return d->type_error("object");
      auto content = d->get_string_or("content", "");
      if (!content)
        return content.error();
      if (!append_content(ch.text, *content))
        return std::nullopt;
      for (std::string_view key : {"reasoning_content", "reasoning"}) {
        auto r = d->get_string_or(key, "");
        if (!r)
          return r.error();
        if (!r->empty()) {
          if (!append_content(ch.reasoning, *r))
            return std::nullopt;
          break;
        }
      }
    } else if (finish->empty()) {
      return c.error("expected `delta` (is this a text completion stream?)",
                     "missing_field");
    }
  } else {
    auto t = c.find("text");
    if (t && !t->is_null()) {
      auto text = t->as_string();
      if (!text)
        return text.error();
      if (!append_content(ch.text, *text))
        return std::nullopt;
    } else if (finish->empty()) {
      return c.error("expected `text` (is this a chat stream?)",
                     "missing_field");
    }
  }
  if (!finish->empty())
    ch.finish_reason = *finish;
  return std::nullopt;
}

result<completion_response> stream_accumulator::finish(bool clean_eof) {
  if (finished_)
    return problem{"misuse", "finish() called twice", where_};
  finished_ = true;
  if (!problem_ && !done_) {
    // An event without its closing blank line: usable after a clean end,
    // a fragment after a reset.
    bool unterminated = false;
    if (mode_ == mode::json && !line_.empty()) {
      unterminated = true;
      events_ = 1;
      on_data(line_, false);
    } else if (mode_ == mode::events && clean_eof) {
      if (!line_.empty()) {
        std::string last = std::move(line_);
        line_.clear();
        on_line(last);
      }
      unterminated = has_data_;
      dispatch();
    }
    if (unterminated && problem_ && problem_->code == "bad_stream_event"
        && (!clean_eof || mode_ == mode::events)) {
      problem_.reset();
      failure_.reset();
      fail({"truncated_stream",
            "stream truncated inside " + event_label()
              + " (the last event is incomplete)",
            where_});
    }
  }
  if (problem_)
    return *problem_;
  auto& choices = response_.choices;
  bool all_finished =
    !choices.empty()
    && std::all_of(choices.begin(), choices.end(),
                   [](const choice& c) { return !c.finish_reason.empty(); });
  if (!done_ && !all_finished) {
    std::string msg = "stream truncated after " + std::to_string(events_)
                      + " events: no [DONE]";
    std::string open;
    for (const auto& c : choices)
      if (c.finish_reason.empty())
        open += (open.empty() ? "" : ", ") + std::to_string(c.index);
    if (!open.empty())
      msg += " and no finish_reason for choice " + open;
    if (!clean_eof)
      msg += " (connection ended abnormally)";
    fail({"truncated_stream", std::move(msg), where_});
    return *problem_;
  }
  if (choices.empty()) {
    fail({"empty_stream", "stream ended without any choice", where_});
    return *problem_;
  }
  std::stable_sort(
    choices.begin(), choices.end(),
    [](const choice& a, const choice& b) { return a.index < b.index; });
  return std::move(response_);
}

} // namespace kpsynth::openai
