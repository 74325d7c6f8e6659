// JSON reading: path-tracking values on top of simdjson's DOM and the
// reusable parser. Writing lives in core/json_write.cpp; both implement
// core/json.hpp.

#include "core/json.hpp"

#include <cmath>
#include <limits>

namespace kpsynth::core {

std::string_view json_type_name(simdjson::dom::element_type t) {
  using et = simdjson::dom::element_type;
  switch (t) {
  case et::ARRAY:
    return "array";
  case et::OBJECT:
    return "object";
  case et::INT64:
  case et::UINT64:
  case et::DOUBLE:
    return "number";
  case et::STRING:
    return "string";
  case et::BOOL:
    return "boolean";
  case et::NULL_VALUE:
    return "null";
  }
  return "unknown";
}

namespace {

/// Keys that read unambiguously after a dot; others are bracket-quoted.
bool plain_key(std::string_view k) {
  if (k.empty() || k.size() > 64)
    return false;
  for (char c : k) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '$'
              || c == ':';
    if (!ok)
      return false;
  }
  return true;
}

} // namespace

std::string json_value::path() const {
  if (depth_ == 0)
    return "(root)";
  std::string out;
  if (elided_)
    out += "...";
  for (std::size_t i = 0; i < depth_; ++i) {
    const auto& s = steps_[i];
    if (s.is_index) {
      out += '[';
      out += std::to_string(s.index);
      out += ']';
    } else if (plain_key(s.key)) {
      if (!out.empty())
        out += '.';
      out += s.key;
    } else {
      // Outside keys may be long or odd: quote them and bound their length.
      out += '[';
      append_json_string(out, utf8_prefix(s.key, 64));
      out += ']';
    }
  }
  return out;
}

problem json_value::error(std::string_view what, std::string code) const {
  std::string msg = path();
  msg += ": ";
  msg += what;
  return problem{std::move(code), std::move(msg), std::string(where_)};
}

problem json_value::type_error(std::string_view expected) const {
  std::string what = "expected ";
  what += expected;
  what += ", got ";
  what += json_type_name(type());
  return error(what);
}

problem json_value::range_error(int64_t lo, uint64_t hi) const {
  std::string what = "expected integer in [";
  what += std::to_string(lo);
  what += ", ";
  what += std::to_string(hi);
  what += "]";
  return error(what);
}

void json_value::push(json_path_step step) {
  if (depth_ == max_path_depth) {
    // Keep the most specific steps; the start is shown as "...".
    for (std::size_t i = 1; i < max_path_depth; ++i)
      steps_[i - 1] = steps_[i];
    --depth_;
    elided_ = true;
  }
  steps_[depth_++] = step;
}

json_value json_value::child(std::string_view key,
                             simdjson::dom::element e) const {
  json_value v = *this;
  v.element_ = e;
  v.push({key, 0, false});
  return v;
}

json_value json_value::child(uint32_t index, simdjson::dom::element e) const {
  json_value v = *this;
  v.element_ = e;
  v.push({{}, index, true});
  return v;
}

result<std::string_view> json_value::as_string() const {
  std::string_view s;
  if (element_.get_string().get(s))
    return type_error("string");
  return s;
}

result<double> json_value::as_double() const {
  double d;
  if (element_.get_double().get(d))
    return type_error("number");
  return d;
}

result<bool> json_value::as_bool() const {
  bool b;
  if (element_.get_bool().get(b))
    return type_error("boolean");
  return b;
}

result<int64_t> json_value::signed_in(int64_t lo, uint64_t hi) const {
  int64_t i = 0;
  auto err = element_.get_int64().get(i);
  if (err == simdjson::NUMBER_OUT_OF_RANGE)
    return range_error(lo, hi); // an unsigned value above int64's range
  if (err) {
    double d = 0;
    if (element_.get_double().get(d))
      return type_error("integer");
    // 100.0 is accepted; fractions are not; 2^63 and up do not convert.
    if (d != std::trunc(d))
      return error("expected integer, got non-integer number");
    if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
      return range_error(lo, hi);
    i = static_cast<int64_t>(d);
  }
  if (i < lo || (i > 0 && static_cast<uint64_t>(i) > hi))
    return range_error(lo, hi);
  return i;
}

result<uint64_t> json_value::unsigned_in(uint64_t hi) const {
  uint64_t u = 0;
  auto err = element_.get_uint64().get(u);
  if (err == simdjson::NUMBER_OUT_OF_RANGE)
    return range_error(0, hi); // a negative integer
  if (err) {
    double d = 0;
    if (element_.get_double().get(d))
      return type_error("integer");
    if (d != std::trunc(d))
      return error("expected integer, got non-integer number");
    if (d < 0 || d >= 18446744073709551616.0)
      return range_error(0, hi);
    u = static_cast<uint64_t>(d);
  }
  if (u > hi)
    return range_error(0, hi);
  return u;
}

result<int64_t> json_value::as_int64() const {
  return signed_in(std::numeric_limits<int64_t>::min(),
                   std::numeric_limits<int64_t>::max());
}

result<uint64_t> json_value::as_uint64() const {
  return unsigned_in(std::numeric_limits<uint64_t>::max());
}

result<json_array> json_value::as_array() const {
  simdjson::dom::array a;
  if (element_.get_array().get(a))
    return type_error("array");
  return json_array{*this, a};
}

result<json_object> json_value::as_object() const {
  simdjson::dom::object o;
  if (element_.get_object().get(o))
    return type_error("object");
  return json_object{*this, o};
}

std::optional<json_value> json_value::find(std::string_view key) const {
  simdjson::dom::object o;
  if (element_.get_object().get(o))
    return std::nullopt;
  // Linear scan, first match wins (as simdjson's at_key); the path keeps the
  // document's copy of the key, which lives as long as the value does.
  for (auto kv : o)
    if (kv.key == key)
      return child(kv.key, kv.value);
  return std::nullopt;
}

result<json_value> json_value::at(std::string_view key) const {
  if (!is_object())
    return type_error("object");
  if (auto v = find(key))
    return *v;
  json_value missing = *this;
  missing.push({key, 0, false});
  return missing.error("missing");
}

result<std::optional<json_value>>
json_value::lookup(std::string_view key) const {
  if (!is_object())
    return type_error("object");
  auto v = find(key);
  if (v && v->is_null())
    v.reset();
  return v;
}

result<std::string_view> json_value::get_string(std::string_view key) const {
  auto v = at(key);
  if (!v)
    return v.error();
  return v->as_string();
}

result<std::string_view>
json_value::get_string_or(std::string_view key,
                          std::string_view fallback) const {
  auto v = lookup(key);
  if (!v)
    return v.error();
  if (!*v)
    return fallback;
  return (*v)->as_string();
}

result<double> json_value::get_double(std::string_view key) const {
  auto v = at(key);
  if (!v)
    return v.error();
  return v->as_double();
}

result<double> json_value::get_double_or(std::string_view key,
                                         double fallback) const {
  auto v = lookup(key);
  if (!v)
    return v.error();
  if (!*v)
    return fallback;
  return (*v)->as_double();
}

result<bool> json_value::get_bool_or(std::string_view key,
                                     bool fallback) const {
  auto v = lookup(key);
  if (!v)
    return v.error();
  if (!*v)
    return fallback;
  return (*v)->as_bool();
}

// -- json_parser --------------------------------------------------------------

result<json_value> json_parser::parse(std::string_view text,
                                      std::string_view where,
                                      bool repair_utf8) {
  where_.assign(where);
  simdjson::dom::element root;
  // realloc_if_needed: simdjson copies into its own padded buffer, which it
  // keeps between calls, so callers need not pad.
  auto err = parser_.parse(text.data(), text.size(), true).get(root);
  if (err == simdjson::UTF8_ERROR && repair_utf8) {
    repaired_ = sanitize_utf8(text);
    err = parser_.parse(repaired_.data(), repaired_.size(), true).get(root);
  }
  if (err) {
    std::string msg = "invalid JSON: ";
    msg += simdjson::error_message(err);
    return problem{"bad_json", std::move(msg), where_};
  }
  return json_value{root, where_};
}

} // namespace kpsynth::core
