// JSON writing: string escaping with UTF-8 repair and the streaming writer.
// Reading lives in core/json_read.cpp; both implement core/json.hpp.

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

} // namespace kpsynth::core
