// Server side of the wire format, inbound: request bodies as an
// OpenAI-compatible server (the simulator) reads them.

#include "core/json.hpp"
#include "protocols/openai/wire.hpp"

#include <initializer_list>

namespace kpsynth::openai {

namespace {

core::json_parser& server_parser() {
  thread_local core::json_parser parser;
  return parser;
}

/// Reads an optional number member and checks its range; `lo_open` makes the
/// lower bound exclusive (top_p must be > 0).
std::optional<problem> read_bounded(const core::json_value& obj,
                                    std::string_view key, double& out,
                                    double lo, double hi, bool lo_open,
                                    std::string_view rule) {
  auto v = obj.find(key);
  if (!v || v->is_null())
    return std::nullopt;
  auto d = v->as_double();
  if (!d)
    return d.error();
  if (*d > hi || *d < lo || (lo_open && *d == lo))
    return v->error(rule, "invalid_value");
  out = *d;
  return std::nullopt;
}

std::optional<problem> read_sampling(const core::json_value& root,
                                     sampling& p) {
  // OpenAI's defaults where the field is absent, not sampling{}'s.
  p.temperature = 1.0;
  p.top_p = 1.0;
  if (auto err = read_bounded(root, "temperature", p.temperature, 0, 2, false,
                              "must be in [0, 2]"))
    return err;
  if (auto err =
        read_bounded(root, "top_p", p.top_p, 0, 1, true, "must be in (0, 1]"))
    return err;
  for (std::string_view key : {"max_tokens", "max_completion_tokens"}) {
    auto v = root.find(key);
    if (!v || v->is_null())
      continue;
    auto m = v->as_integer<uint32_t>();
    if (!m)
      return m.error();
    if (*m < 1)
      return v->error("must be >= 1", "invalid_value");
    p.max_tokens = *m;
    break;
  }
  if (auto v = root.find("n"); v && !v->is_null()) {
    auto n = v->as_integer<uint32_t>();
    if (!n)
      return n.error();
    if (*n < 1 || *n > 128)
      return v->error("must be in [1, 128]", "invalid_value");
    p.n = *n;
  }
  if (auto v = root.find("seed"); v && !v->is_null()) {
    auto s = v->as_uint64();
    if (!s)
      return s.error();
    p.has_seed = true;
    p.seed = *s;
  }
  if (auto v = root.find("stop"); v && !v->is_null()) {
    if (v->is_string()) {
      p.stop.emplace_back(*v->as_string());
    } else {
      auto arr = v->as_array();
      if (!arr)
        return v->type_error("string or array of strings");
      for (core::json_value s : *arr) {
        auto str = s.as_string();
        if (!str)
          return str.error();
        p.stop.emplace_back(*str);
      }
    }
  }
  return std::nullopt;
}

/// Message content: a string, null (assistant turns with tool calls), or an
/// array of `{"type":"text","text":...}` parts, joined by newlines as vLLM
/// does.
std::optional<problem> read_content(const core::json_value& msg,
                                    std::string& out) {
  auto v = msg.find("content");
  if (!v || v->is_null())
    return std::nullopt;
  if (v->is_string()) {
    out = *v->as_string();
    return std::nullopt;
  }
  auto parts = v->as_array();
  if (!parts)
    return v->type_error("string");
  for (core::json_value part : *parts) {
    auto type = part.get_string("type");
    if (!type)
      return type.error();
    if (*type != "text")
      return part.at("type")->error("unsupported content part type \""
                                      + core::sanitize_utf8(*type) + "\"",
                                    "unsupported");
    auto text = part.get_string("text");
    if (!text)
      return text.error();
    if (!out.empty())
      out += '\n';
    out += *text;
  }
  return std::nullopt;
}

template<class Request>
std::optional<problem> read_common(const core::json_value& root, Request& r) {
  auto model = root.get_string_or("model", "");
  if (!model)
    return model.error();
  r.model = *model;
  if (auto err = read_sampling(root, r.params))
    return err;
  auto stream = root.get_bool_or("stream", false);
  if (!stream)
    return stream.error();
  r.stream = *stream;
  return std::nullopt;
}

} // namespace

result<chat_request> parse_chat_request(std::string_view body,
                                        std::string_view where) {
  auto doc = server_parser().parse(body, where);
  if (!doc)
    return doc.error();
  const core::json_value& root = *doc;
  if (!root.is_object())
    return root.type_error("object");
  chat_request r;
  if (auto err = read_common(root, r))
    return *err;
  auto msgs_v = root.at("messages");
  if (!msgs_v)
    return msgs_v.error();
  auto msgs = msgs_v->as_array();
  if (!msgs)
    return msgs.error();
  if (msgs->empty())
    return msgs_v->error("must not be empty", "invalid_value");
  r.messages.reserve(msgs->size());
  for (core::json_value m : *msgs) {
    auto role = m.get_string("role");
    if (!role)
      return role.error();
    auto& msg = r.messages.emplace_back();
    msg.role = *role;
    if (auto err = read_content(m, msg.content))
      return *err;
  }
  return r;
}

result<completion_request> parse_completion_request(std::string_view body,
                                                    std::string_view where) {
  auto doc = server_parser().parse(body, where);
  if (!doc)
    return doc.error();
  const core::json_value& root = *doc;
  if (!root.is_object())
    return root.type_error("object");
  completion_request r;
  if (auto err = read_common(root, r))
    return *err;
  auto prompt = root.at("prompt");
  if (!prompt)
    return prompt.error();
  if (prompt->is_string()) {
    r.prompt = *prompt->as_string();
    return r;
  }
  auto arr = prompt->as_array();
  if (!arr)
    return prompt->type_error("string");
  if (arr->size() != 1)
    return prompt->error("exactly one prompt per request is supported",
                         "unsupported");
  auto first = (*arr->begin()).as_string();
  if (!first)
    return first.error();
  r.prompt = *first;
  return r;
}

result<embedding_request> parse_embedding_request(std::string_view body,
                                                  std::string_view where) {
  auto doc = server_parser().parse(body, where);
  if (!doc)
    return doc.error();
  const core::json_value& root = *doc;
  if (!root.is_object())
    return root.type_error("object");
  embedding_request r;
  auto model = root.get_string_or("model", "");
  if (!model)
    return model.error();
  r.model = *model;
  auto format = root.get_string_or("encoding_format", "float");
  if (!format)
    return format.error();
  if (*format != "float")
    return root.at("encoding_format")
      ->error("only \"float\" is supported", "unsupported");
  auto input = root.at("input");
  if (!input)
    return input.error();
  if (input->is_string()) {
    r.input.emplace_back(*input->as_string());
    return r;
  }
  auto arr = input->as_array();
  if (!arr)
    return input->type_error("string or array of strings");
  if (arr->empty())
    return input->error("must not be empty", "invalid_value");
  r.input.reserve(arr->size());
  for (core::json_value s : *arr) {
    auto str = s.as_string();
    if (!str)
      return str.error();
    r.input.emplace_back(*str);
  }
  return r;
}

} // namespace kpsynth::openai
