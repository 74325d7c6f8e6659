#include "core/json.hpp"

#include <cmath>
#include <cstring>

namespace kpsynth::core {

namespace {

constexpr std::string_view replacement_char = "\xEF\xBF\xBD"; // U+FFFD

/// Length of the well-formed UTF-8 sequence at `p` (Unicode 15, table 3-7),
/// or minus the length of its maximal invalid subpart (the lead byte plus the
/// continuation bytes that were still acceptable). Replacing each maximal
/// subpart with one U+FFFD is the practice the Unicode standard recommends.
int utf8_step(const unsigned char* p, const unsigned char* end) {
  unsigned c = p[0];
  if (c < 0x80)
    return 1;
  int need = 0;
  unsigned lo = 0x80;
  unsigned hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c == 0xE0) {
    need = 2;
    lo = 0xA0;
  } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
    need = 2;
  } else if (c == 0xED) {
    need = 2;
    hi = 0x9F; // no UTF-16 surrogates
  } else if (c == 0xF0) {
    need = 3;
    lo = 0x90;
  } else if (c >= 0xF1 && c <= 0xF3) {
    need = 3;
  } else if (c == 0xF4) {
    need = 3;
    hi = 0x8F; // nothing above U+10FFFF
  } else {
    return -1;
  }
  for (int i = 1; i <= need; ++i) {
    if (p + i >= end)
      return -i;
    unsigned b = p[i];
    if (b < lo || b > hi)
      return -i;
    lo = 0x80;
    hi = 0xBF;
  }
  return need + 1;
}

/// True if any of the 8 bytes in `w` needs attention in a JSON string: a
/// control character, '"', '\\' or a non-ASCII byte. Checking eight bytes at a
/// time keeps plain text (the common case) at memcpy-like speed.
bool word_needs_attention(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101ULL;
  constexpr uint64_t highs = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t x) { return (x - ones) & ~x & highs; };
  uint64_t below_space = (w - ones * 0x20) & ~w & highs;
  return ((below_space | has_zero(w ^ (ones * '"'))
           | has_zero(w ^ (ones * '\\')) | (w & highs))
          != 0);
}

constexpr char hex_digits[] = "0123456789abcdef";

} // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  const auto* run = p; // start of bytes not yet copied
  while (p < end) {
    if (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (!word_needs_attention(w)) {
        p += 8;
        continue;
      }
    }
    unsigned char c = *p;
    if (c >= 0x80) {
      int n = utf8_step(p, end);
      if (n > 0) {
        p += n; // valid sequence: stays in the run
        continue;
      }
      out.append(reinterpret_cast<const char*>(run), p - run);
      out.append(replacement_char);
      p += -n;
      run = p;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++p;
      continue;
    }
    out.append(reinterpret_cast<const char*>(run), p - run);
    switch (c) {
    case '"':
      out.append("\\\"");
      break;
    case '\\':
      out.append("\\\\");
      break;
    case '\n':
      out.append("\\n");
      break;
    case '\r':
      out.append("\\r");
      break;
    case '\t':
      out.append("\\t");
      break;
    case '\b':
      out.append("\\b");
      break;
    case '\f':
      out.append("\\f");
      break;
    default: {
      char esc[6] = {
        '\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 0xF]};
      out.append(esc, 6);
    }
    }
    ++p;
    run = p;
  }
  out.append(reinterpret_cast<const char*>(run), p - run);
  out.push_back('"');
}

std::string json_quote(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

bool is_valid_utf8(std::string_view s) {
  return simdjson::validate_utf8(s.data(), s.size());
}

std::string sanitize_utf8(std::string_view s) {
  if (is_valid_utf8(s))
    return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    int n = utf8_step(p, end);
    if (n > 0) {
      out.append(reinterpret_cast<const char*>(p), n);
      p += n;
    } else {
      out.append(replacement_char);
      p += -n;
    }
  }
  return out;
}

std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes)
    return s;
  std::size_t cut = max_bytes;
  // Back off over continuation bytes (at most 3) to a sequence start.
  for (int i = 0; i < 3 && cut > 0; ++i) {
    auto c = static_cast<unsigned char>(s[cut]);
    if ((c & 0xC0) != 0x80)
      break;
    --cut;
  }
  return s.substr(0, cut);
}

// -- json_writer --------------------------------------------------------------

json_writer& json_writer::key(std::string_view k) {
  separate();
  append_json_string(out_, k);
  out_.push_back(':');
  need_comma_ = false;
  return *this;
}

json_writer& json_writer::string(std::string_view s) {
  separate();
  append_json_string(out_, s);
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::number(double v) {
  if (!std::isfinite(v))
    return null();
  separate();
  char buf[32];
  // Shortest form may be a long integer ("46769944430048444416"); simdjson
  // 3.0 rejects integer text beyond 64 bits, so large magnitudes are written
  // in scientific form, which every parser reads as a double.
  auto end = std::fabs(v) >= 1e18 ? std::to_chars(buf, buf + sizeof buf, v,
                                                  std::chars_format::scientific)
                                      .ptr
                                  : std::to_chars(buf, buf + sizeof buf, v).ptr;
  out_.append(buf, static_cast<std::size_t>(end - buf));
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::number(float v) {
  if (!std::isfinite(v))
    return null();
  separate();
  char buf[32];
  auto end =
    std::fabs(v) >= 1e18f
      ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific)
          .ptr
      : std::to_chars(buf, buf + sizeof buf, v).ptr;
  out_.append(buf, static_cast<std::size_t>(end - buf));
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::boolean(bool b) {
  separate();
  out_.append(b ? "true" : "false");
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::null() {
  separate();
  out_.append("null");
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::raw(std::string_view json) {
  separate();
  out_.append(json);
  need_comma_ = true;
  return *this;
}

std::string json_writer::take() {
  std::string out = std::move(out_);
  clear();
  return out;
}

// -- reading ------------------------------------------------------------------

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
