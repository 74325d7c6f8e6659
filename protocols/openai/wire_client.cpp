// Client side of the wire format: request bodies out, response bodies in.

#include "core/json.hpp"
#include "protocols/openai/wire.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kpsynth::openai {

namespace {

/// One parser per thread: parsing runs inside actors on a few scheduler
/// threads, and a reused parser keeps its buffers (no allocation per body).
core::json_parser& client_parser() {
  thread_local core::json_parser parser;
  return parser;
}

void write_sampling(core::json_writer& w, const sampling& p, bool stream) {
  w.key("max_tokens").number(p.max_tokens);
  w.key("temperature").number(p.temperature);
  w.key("top_p").number(p.top_p);
  if (p.n != 1)
    w.key("n").number(p.n);
  if (p.has_seed)
    w.key("seed").number(p.seed);
  if (!p.stop.empty()) {
    w.key("stop").begin_array();
    for (const auto& s : p.stop)
      w.string(s);
    w.end_array();
  }
  if (stream) {
    w.key("stream").boolean(true);
    w.key("stream_options").begin_object();
    w.key("include_usage").boolean(true);
    w.end_object();
  }
}

/// A 2xx body that is an error object anyway (some proxies do this).
problem embedded_error(const core::json_value& e) {
  std::string_view msg;
  if (e.is_string())
    msg = *e.as_string();
  else if (auto m = e.find("message"); m && m->is_string())
    msg = *m->as_string();
  std::string what = "server returned an error: ";
  what += core::sanitize_utf8(core::utf8_prefix(msg, 300));
  return e.error(what, "server_error");
}

/// The top-level object of a 2xx response body. Some servers answer 200
/// with an `error` object instead of a result; that becomes the problem.
/// The value lives in this thread's parser until its next parse.
result<core::json_value> response_root(std::string_view body,
                                       std::string_view where) {
  auto doc = client_parser().parse(body, where, true);
  if (!doc)
    return doc.error();
  if (!doc->is_object())
    return doc->type_error("object");
  if (auto e = doc->find("error"); e && !e->is_null())
    return embedded_error(*e);
  return *doc;
}

/// Reads `usage`; absent counts stay 0, a missing total is the sum.
std::optional<problem> read_usage(const core::json_value& u, usage& out) {
  if (!u.is_object())
    return u.type_error("object");
  auto p = u.get_integer_or<uint32_t>("prompt_tokens", 0);
  if (!p)
    return p.error();
  auto c = u.get_integer_or<uint32_t>("completion_tokens", 0);
  if (!c)
    return c.error();
  auto t = u.get_integer_or<uint32_t>("total_tokens", *p + *c);
  if (!t)
    return t.error();
  out = usage{*p, *c, *t};
  return std::nullopt;
}

std::optional<problem> read_choice(const core::json_value& c, uint32_t pos,
                                   choice& out) {
  if (!c.is_object())
    return c.type_error("object");
  auto index = c.get_integer_or<uint32_t>("index", pos);
  if (!index)
    return index.error();
  out.index = *index;
  if (auto m = c.find("message"); m && !m->is_null()) {
    if (!m->is_object())
      return m->type_error("object");
    auto content = m->get_string_or("content", "");
    if (!content)
      return content.error();
    out.text = *content;
    // vLLM and llama.cpp say reasoning_content; newer vLLM says reasoning.
    auto reasoning = m->get_string_or("reasoning_content", "");
    if (!reasoning)
      return reasoning.error();
    if (reasoning->empty()) {
      reasoning = m->get_string_or("reasoning", "");
      if (!reasoning)
        return reasoning.error();
    }
    out.reasoning = *reasoning;
  } else if (auto t = c.find("text")) {
    auto text = t->is_null() ? result<std::string_view>{""} : t->as_string();
    if (!text)
      return text.error();
    out.text = *text;
  } else {
    return c.error("expected `message` (chat) or `text` (completion)",
                   "missing_field");
  }
  auto finish = c.get_string_or("finish_reason", "");
  if (!finish)
    return finish.error();
  out.finish_reason = *finish;
  return std::nullopt;
}

} // namespace

std::string to_json(const chat_request& r) {
  core::json_writer w;
  w.begin_object();
  w.key("model").string(r.model);
  w.key("messages").begin_array();
  for (const auto& m : r.messages) {
    w.begin_object();
    w.key("role").string(m.role);
    w.key("content").string(m.content);
    w.end_object();
  }
  w.end_array();
  write_sampling(w, r.params, r.stream);
  w.end_object();
  return w.take();
}

std::string to_json(const completion_request& r) {
  core::json_writer w;
  w.begin_object();
  w.key("model").string(r.model);
  w.key("prompt").string(r.prompt);
  write_sampling(w, r.params, r.stream);
  w.end_object();
  return w.take();
}

std::string to_json(const embedding_request& r) {
  core::json_writer w;
  w.begin_object();
  w.key("model").string(r.model);
  w.key("input").begin_array();
  for (const auto& s : r.input)
    w.string(s);
  w.end_array();
  w.key("encoding_format").string("float");
  w.end_object();
  return w.take();
}

result<completion_response> parse_completion_response(std::string_view body,
                                                      std::string_view where) {
  auto doc = response_root(body, where);
  if (!doc)
    return doc.error();
  const core::json_value& root = *doc;
  completion_response out;
  auto id = root.get_string_or("id", "");
  if (!id)
    return id.error();
  out.id = *id;
  auto model = root.get_string_or("model", "");
  if (!model)
    return model.error();
  out.model = *model;
  auto created = root.get_integer_or<int64_t>("created", 0);
  if (!created)
    return created.error();
  out.created = *created;
  auto choices_v = root.at("choices");
  if (!choices_v)
    return choices_v.error();
  auto choices = choices_v->as_array();
  if (!choices)
    return choices.error();
  if (choices->empty())
    return choices_v->error("no choices", "missing_field");
  out.choices.reserve(choices->size());
  uint32_t pos = 0;
  for (core::json_value c : *choices) {
    auto& ch = out.choices.emplace_back();
    if (auto err = read_choice(c, pos++, ch))
      return *err;
  }
  std::stable_sort(
    out.choices.begin(), out.choices.end(),
    [](const choice& a, const choice& b) { return a.index < b.index; });
  if (auto u = root.find("usage"); u && !u->is_null())
    if (auto err = read_usage(*u, out.tokens))
      return *err;
  return out;
}

result<embedding_response> parse_embedding_response(std::string_view body,
                                                    std::string_view where) {
  auto doc = response_root(body, where);
  if (!doc)
    return doc.error();
  const core::json_value& root = *doc;
  embedding_response out;
  auto model = root.get_string_or("model", "");
  if (!model)
    return model.error();
  out.model = *model;
  auto data_v = root.at("data");
  if (!data_v)
    return data_v.error();
  auto data = data_v->as_array();
  if (!data)
    return data.error();
  const auto n = data->size();
  out.data.resize(n);
  std::vector<bool> seen(n, false);
  uint32_t pos = 0;
  for (core::json_value item : *data) {
    if (!item.is_object())
      return item.type_error("object");
    auto index = item.get_integer_or<uint32_t>("index", pos++);
    if (!index)
      return index.error();
    if (*index >= n || seen[*index])
      return item.error("index " + std::to_string(*index)
                        + (*index >= n ? " out of range" : " repeated"));
    seen[*index] = true;
    auto emb_v = item.at("embedding");
    if (!emb_v)
      return emb_v.error();
    auto emb = emb_v->as_array();
    if (!emb)
      return emb.error();
    auto& vec = out.data[*index];
    vec.reserve(emb->size());
    // Hot loop (thousands of numbers): read the DOM directly and build a
    // path only for the element that fails.
    uint32_t k = 0;
    for (auto e : simdjson::dom::array(emb->value().element())) {
      double d;
      if (e.get_double().get(d))
        return emb_v->child(k, e).type_error("number");
      if (std::fabs(d) > std::numeric_limits<float>::max())
        return emb_v->child(k, e).error("outside the range of float");
      vec.push_back(static_cast<float>(d));
      ++k;
    }
  }
  if (auto u = root.find("usage"); u && !u->is_null())
    if (auto err = read_usage(*u, out.tokens))
      return *err;
  return out;
}

result<model_list> parse_model_list(std::string_view body,
                                    std::string_view where) {
  auto doc = client_parser().parse(body, where, true);
  if (!doc)
    return doc.error();
  const core::json_value& root = *doc;
  if (!root.is_object())
    return root.type_error("object");
  model_list out;
  if (auto data_v = root.find("data"); data_v && !data_v->is_null()) {
    auto data = data_v->as_array();
    if (!data)
      return data.error();
    for (core::json_value m : *data) {
      auto id = m.get_string("id");
      if (!id)
        return id.error();
      out.ids.emplace_back(*id);
    }
    return out;
  }
  // llama.cpp's own listing: models[].name, or models[].model.
  if (auto models_v = root.find("models"); models_v && !models_v->is_null()) {
    auto models = models_v->as_array();
    if (!models)
      return models.error();
    for (core::json_value m : *models) {
      auto name = m.get_string_or("name", "");
      if (!name)
        return name.error();
      if (name->empty()) {
        name = m.get_string("model");
        if (!name)
          return name.error();
      }
      out.ids.emplace_back(*name);
    }
    return out;
  }
  return root.error("expected `data` or `models`", "missing_field");
}

} // namespace kpsynth::openai
