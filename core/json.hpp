#pragma once

// JSON writing (a compact streaming writer that always produces valid JSON,
// even from invalid UTF-8) and reading helpers on top of simdjson's DOM that
// turn every failure into a `problem` naming the JSON path, e.g.
// `choices[0].message.content: expected string, got number`.
//
// Reading goes through the DOM rather than On Demand on purpose: the DOM
// validates the whole document before we look at it, so a truncated or
// malformed body is always reported as such (never as a half-read value), and
// fields can be looked up in any order. A reused `json_parser` parses at
// well over 1 GB/s, which is far below the cost of producing the bytes.

#include "core/result.hpp"

#include <array>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>
#include <type_traits>

namespace kpsynth::core {

// -- writing ------------------------------------------------------------------

/// Appends `s` as a quoted JSON string. Quotes, backslashes and control
/// characters are escaped (`\n`, `\r`, `\t`, `\b`, `\f` in short form, the rest
/// as `\u00XX`); valid UTF-8 passes through unchanged; each maximal invalid
/// UTF-8 subsequence becomes U+FFFD. LLM output and HTTP bodies are outside
/// bytes: one stray byte must never make a whole record unreadable.
void append_json_string(std::string& out, std::string_view s);

/// `s` as a quoted JSON string (see append_json_string).
std::string json_quote(std::string_view s);

/// True if `s` is well-formed UTF-8 (no overlongs, surrogates or values above
/// U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// `s` with each maximal invalid UTF-8 subsequence replaced by U+FFFD, so that
/// outside text can be shown, logged or stored as JSON safely.
std::string sanitize_utf8(std::string_view s);

/// The longest prefix of `s` of at most `max_bytes` bytes that does not end
/// inside a UTF-8 sequence: truncating error bodies for messages must not
/// manufacture invalid UTF-8 at the cut.
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes);

/// A compact streaming JSON writer. Commas are inserted automatically: after
/// a value or a closing bracket the next value, key or opening bracket is
/// preceded by a comma, so callers only state structure. Strings always come
/// out as valid JSON (see append_json_string). The writer does not check that
/// brackets balance or that keys only appear inside objects; the callers are
/// our own serializers, covered by round-trip tests.
class json_writer {
 public:
  json_writer() = default;

  /// Continues after `prefix`, e.g. `"data: "` for a server-sent event, so
  /// that framing and JSON share one buffer.
  explicit json_writer(std::string prefix) : out_(std::move(prefix)) {}

  json_writer& begin_object() { return open('{'); }
  json_writer& end_object() { return close('}'); }
  json_writer& begin_array() { return open('['); }
  json_writer& end_array() { return close(']'); }

  /// Writes an object key; the next call writes its value.
  json_writer& key(std::string_view k);

  json_writer& string(std::string_view s);

  /// Integers are written exactly.
  template<std::integral T>
  requires(!std::same_as<T, bool>) json_writer& number(T v) {
    separate();
    char buf[24];
    auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    out_.append(buf, static_cast<std::size_t>(end - buf));
    need_comma_ = true;
    return *this;
  }

  /// Shortest text that reads back as the same double; NaN and infinities
  /// have no JSON form and are written as null.
  json_writer& number(double v);

  /// Shortest text that reads back as the same float (embeddings are floats;
  /// writing them as doubles would double the size for no information).
  json_writer& number(float v);

  json_writer& boolean(bool b);
  json_writer& null();

  /// Inserts already-serialized JSON as one value. The caller guarantees that
  /// `json` is valid JSON.
  json_writer& raw(std::string_view json);

  /// The text written so far.
  const std::string& str() const { return out_; }

  /// Moves the text out and leaves the writer empty.
  std::string take();

  void clear() {
    out_.clear();
    need_comma_ = false;
  }

 private:
  void separate() {
    if (need_comma_)
      out_.push_back(',');
  }
  json_writer& open(char c) {
    separate();
    out_.push_back(c);
    need_comma_ = false;
    return *this;
  }
  json_writer& close(char c) {
    out_.push_back(c);
    need_comma_ = true;
    return *this;
  }

  std::string out_;
  bool need_comma_ = false;
};

// -- reading ------------------------------------------------------------------

/// One step from a JSON value to a child: an object key or an array index.
struct json_path_step {
  std::string_view key; ///< Points into the parsed document.
  uint32_t index = 0;
  bool is_index = false;
};

class json_array;
class json_object;

/// A value inside a parsed document together with the path that led to it,
/// so that every error can say where in the document it is. The path is kept
/// inline (no allocation) and rendered only when an error is built; beyond
/// `max_path_depth` steps the oldest steps are dropped and shown as `...`.
///
/// Lifetime: a json_value refers to the document of the parser that produced
/// it and to that parser's `where` text. It is valid until that parser parses
/// again or is destroyed (or moved).
class json_value {
 public:
  static constexpr std::size_t max_path_depth = 8;

  json_value() = default;

  /// A document root. `where` (a file:line, a request) prefixes errors; it
  /// must outlive the value.
  json_value(simdjson::dom::element e, std::string_view where)
    : element_(e), where_(where) {}

  simdjson::dom::element element() const { return element_; }
  simdjson::dom::element_type type() const { return element_.type(); }
  bool is_null() const { return element_.is_null(); }
  bool is_object() const { return element_.is_object(); }
  bool is_array() const { return element_.is_array(); }
  bool is_string() const { return element_.is_string(); }
  bool is_number() const { return element_.is_number(); }
  bool is_bool() const { return element_.is_bool(); }

  /// `choices[0].message.content`, or `(root)` for the document itself.
  std::string path() const;

  /// The place given when the document was parsed.
  std::string_view where() const { return where_; }

  /// A problem at this value: message `"<path>: <what>"`, `where` as given.
  problem error(std::string_view what, std::string code = "bad_field") const;

  /// `"<path>: expected <expected>, got <actual type>"`.
  problem type_error(std::string_view expected) const;

  // Scalars. Integers accept doubles with an integral value (some servers
  // write 100.0); ranges are checked against the target type.
  result<std::string_view> as_string() const;
  result<double> as_double() const;
  result<bool> as_bool() const;
  result<int64_t> as_int64() const;
  result<uint64_t> as_uint64() const;

  template<std::integral T>
  requires(!std::same_as<T, bool>) result<T> as_integer()
  const {
    if constexpr (std::is_signed_v<T>) {
      auto v = signed_in(std::numeric_limits<T>::min(),
                         static_cast<uint64_t>(std::numeric_limits<T>::max()));
      if (!v)
        return v.error();
      return static_cast<T>(*v);
    } else {
      auto v = unsigned_in(std::numeric_limits<T>::max());
      if (!v)
        return v.error();
      return static_cast<T>(*v);
    }
  }

  result<json_array> as_array() const;
  result<json_object> as_object() const;

  // Object members. `find` answers nullopt when this is not an object or the
  // key is absent (a present null is returned); `at` makes both an error.
  std::optional<json_value> find(std::string_view key) const;
  result<json_value> at(std::string_view key) const;

  // Typed members. The plain forms require the member; the `_or` forms treat
  // an absent or null member as `fallback`. All fail on a wrong type, and all
  // fail if this value is not an object.
  result<std::string_view> get_string(std::string_view key) const;
  result<std::string_view> get_string_or(std::string_view key,
                                         std::string_view fallback) const;
  result<double> get_double(std::string_view key) const;
  result<double> get_double_or(std::string_view key, double fallback) const;
  result<bool> get_bool_or(std::string_view key, bool fallback) const;

  template<std::integral T>
  requires(!std::same_as<T, bool>) result<T> get_integer(std::string_view key)
  const {
    auto v = at(key);
    if (!v)
      return v.error();
    return v->template as_integer<T>();
  }

  template<std::integral T>
  requires(!std::same_as<T, bool>) result<T> get_integer_or(
    std::string_view key, T fallback)
  const {
    auto v = lookup(key);
    if (!v)
      return v.error();
    if (!*v)
      return fallback;
    return (*v)->template as_integer<T>();
  }

  /// The child at `key` / `index` with the path extended.
  json_value child(std::string_view key, simdjson::dom::element e) const;
  json_value child(uint32_t index, simdjson::dom::element e) const;

 private:
  /// The integer value if it lies in [lo, hi]; errors name the range.
  result<int64_t> signed_in(int64_t lo, uint64_t hi) const;
  result<uint64_t> unsigned_in(uint64_t hi) const;
  problem range_error(int64_t lo, uint64_t hi) const;
  /// The member for the `_or` getters: an error if this is not an object,
  /// nullopt if the member is absent or null.
  result<std::optional<json_value>> lookup(std::string_view key) const;
  void push(json_path_step step);

  simdjson::dom::element element_;
  std::string_view where_;
  std::array<json_path_step, max_path_depth> steps_{};
  uint8_t depth_ = 0;
  bool elided_ = false;
};

/// An array being read; iterating yields json_values whose paths end in the
/// element index.
class json_array {
 public:
  class iterator {
   public:
    iterator(const json_value& parent, simdjson::dom::array::iterator it,
             uint32_t index)
      : parent_(parent), it_(it), index_(index) {}
    json_value operator*() const { return parent_.child(index_, *it_); }
    iterator& operator++() {
      ++it_;
      ++index_;
      return *this;
    }
    bool operator!=(const iterator& other) const { return it_ != other.it_; }
    bool operator==(const iterator& other) const { return it_ == other.it_; }

   private:
    json_value parent_; // by value: the range may be a temporary
    simdjson::dom::array::iterator it_;
    uint32_t index_;
  };

  json_array(json_value self, simdjson::dom::array a)
    : self_(self), array_(a) {}

  /// Number of elements (constant time for arrays under 16M elements).
  std::size_t size() const { return array_.size(); }
  bool empty() const { return begin() == end(); }
  iterator begin() const { return {self_, array_.begin(), 0}; }
  iterator end() const { return {self_, array_.end(), 0}; }
  const json_value& value() const { return self_; }

 private:
  json_value self_;
  simdjson::dom::array array_;
};

/// One member of an object being read.
struct json_member {
  std::string_view key;
  json_value value;
};

/// An object being read; iterating yields its members in document order.
class json_object {
 public:
  class iterator {
   public:
    iterator(const json_value& parent, simdjson::dom::object::iterator it)
      : parent_(parent), it_(it) {}
    json_member operator*() const {
      auto kv = *it_;
      return {kv.key, parent_.child(kv.key, kv.value)};
    }
    iterator& operator++() {
      ++it_;
      return *this;
    }
    bool operator!=(const iterator& other) const { return it_ != other.it_; }
    bool operator==(const iterator& other) const { return it_ == other.it_; }

   private:
    json_value parent_; // by value: the range may be a temporary
    simdjson::dom::object::iterator it_;
  };

  json_object(json_value self, simdjson::dom::object o)
    : self_(self), object_(o) {}

  std::size_t size() const { return object_.size(); }
  iterator begin() const { return {self_, object_.begin()}; }
  iterator end() const { return {self_, object_.end()}; }
  const json_value& value() const { return self_; }

 private:
  json_value self_;
  simdjson::dom::object object_;
};

/// Owns a simdjson DOM parser and the `where` of the current document. Not
/// thread-safe: keep one per object or per thread. Reusing one parser keeps
/// its buffers, so steady-state parsing allocates nothing.
class json_parser {
 public:
  json_parser() = default;
  json_parser(const json_parser&) = delete;
  json_parser& operator=(const json_parser&) = delete;

  /// Parses `text` (no padding needed; it is copied into a reused padded
  /// buffer). Syntax errors come back as a problem with code `bad_json` at
  /// `where`. The returned value is valid until the next parse.
  ///
  /// simdjson rejects invalid UTF-8 anywhere in a document. With
  /// `repair_utf8`, such a document is parsed again with each invalid
  /// subsequence replaced by U+FFFD: one bad byte in generated text should
  /// cost that character, not the whole response.
  result<json_value> parse(std::string_view text, std::string_view where,
                           bool repair_utf8 = false);

 private:
  simdjson::dom::parser parser_;
  std::string where_;
  std::string repaired_; ///< Reused buffer for the repaired copy.
};

/// "object", "array", "string", "number", "boolean" or "null".
std::string_view json_type_name(simdjson::dom::element_type t);

} // namespace kpsynth::core
