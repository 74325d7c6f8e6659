// Error answers: which body shapes servers send, and how a client should
// react to each status.

#include "core/json.hpp"
#include "protocols/openai/wire.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <vector>

namespace kpsynth::openai {

namespace {

/// Messages are kept for logs and reports; bounding them keeps a server that
/// answers megabytes of HTML from filling memory.
constexpr std::size_t max_message_bytes = 1000;
/// The brief's rule for bodies that are not JSON: keep the first 300 bytes.
constexpr std::size_t max_raw_bytes = 300;

core::json_parser& error_parser() {
  thread_local core::json_parser parser;
  return parser;
}

std::string_view trim(std::string_view s) {
  auto ws = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  };
  while (!s.empty() && ws(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && ws(s.back()))
    s.remove_suffix(1);
  return s;
}

std::string bounded(std::string_view s, std::size_t max_bytes) {
  return core::sanitize_utf8(core::utf8_prefix(trim(s), max_bytes));
}

/// A string as itself; anything else as minified JSON (codes are strings at
/// OpenAI but integers at vLLM).
std::string scalar_text(const core::json_value& v) {
  if (auto s = v.as_string())
    return std::string(*s);
  if (v.is_null())
    return {};
  return simdjson::to_string(v.element());
}

std::string member_text(const core::json_value& obj, std::string_view key) {
  auto v = obj.find(key);
  return v ? scalar_text(*v) : std::string{};
}

/// FastAPI's `detail`: a string, or a list of `{loc, msg, type}` from
/// request validation.
std::string detail_text(const core::json_value& d) {
  if (d.is_string())
    return scalar_text(d);
  if (auto items = d.as_array()) {
    std::string out;
    for (core::json_value item : *items) {
      auto msg = member_text(item, "msg");
      if (msg.empty())
        msg = scalar_text(item);
      if (!out.empty())
        out += "; ";
      out += msg;
      if (auto loc = item.find("loc"); loc && loc->is_array()) {
        out += " (at ";
        out += simdjson::to_string(loc->element());
        out += ")";
      }
      if (out.size() > max_message_bytes)
        break;
    }
    return out;
  }
  if (auto m = d.find("message"))
    return scalar_text(*m);
  return scalar_text(d);
}

struct error_fields {
  std::string message;
  std::string type;
  std::string code;
};

/// Pulls message, type and code out of any known error body shape.
error_fields extract(std::string_view body) {
  error_fields f;
  auto text = trim(body);
  if (!text.empty() && (text.front() == '{' || text.front() == '[')) {
    auto doc = error_parser().parse(text, "error body", true);
    if (doc && doc->is_object()) {
      const core::json_value& root = *doc;
      auto err = root.find("error");
      if (err && err->is_object()) {
        // OpenAI, llama.cpp, vLLM >= 0.6: {"error":{"message","type","code"}}
        f.message = member_text(*err, "message");
        f.type = member_text(*err, "type");
        f.code = member_text(*err, "code");
      } else if (err && !err->is_null()) {
        // {"error":"text"}; TGI adds "error_type".
        f.message = scalar_text(*err);
        f.type = member_text(root, "error_type");
        if (f.type.empty())
          f.type = member_text(root, "type");
      } else if (auto m = root.find("message")) {
        // vLLM < 0.6: {"object":"error","message","type","code"}
        f.message = scalar_text(*m);
        f.type = member_text(root, "type");
        f.code = member_text(root, "code");
      } else if (auto d = root.find("detail")) {
        f.message = detail_text(*d);
      }
      if (!f.message.empty() || !f.type.empty()) {
        f.message = bounded(f.message, max_message_bytes);
        f.type = bounded(f.type, 100);
        f.code = bounded(f.code, 100);
        return f;
      }
    }
  }
  f.message = bounded(text, max_raw_bytes);
  return f;
}

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

/// llama.cpp reports malformed requests (bad JSON, missing fields, unknown
/// arguments) as 500; retrying those can never succeed.
bool says_request_is_bad(const error_fields& f) {
  std::string text = f.message;
  text += ' ';
  text += f.type;
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  static constexpr std::array<std::string_view, 10> needles = {
    "json.exception", "parse_error",   "unknown argument", "missing",
    "invalid",        "not supported", "unsupported",      "bad request",
    "badrequest",     "validation"};
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view n) { return contains(text, n); });
}

error_class class_of(int status, const error_fields& f) {
  if (status == 429 || status == 503)
    return error_class::overloaded;
  if (status == 408 || status == 502 || status == 504)
    return error_class::retryable;
  if (status == 500)
    return says_request_is_bad(f) ? error_class::fatal : error_class::retryable;
  if (status >= 500 && status <= 599)
    return error_class::retryable;
  if (status >= 200 && status <= 299)
    return error_class::bad_response; // an error body under a 2xx status
  if (status <= 0)
    return error_class::retryable; // no answer at all
  return error_class::fatal;       // 4xx (and redirects we do not follow)
}

// -- HTTP-date (RFC 9110 section 5.6.7) ---------------------------------------

int month_number(std::string_view m) {
  static constexpr std::array<std::string_view, 12> names = {
    "jan", "feb", "mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec"};
  if (m.size() != 3)
    return 0;
  char low[3];
  for (int i = 0; i < 3; ++i)
    low[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(m[i])));
  for (std::size_t i = 0; i < names.size(); ++i)
    if (std::string_view(low, 3) == names[i])
      return static_cast<int>(i) + 1;
  return 0;
}

bool to_int(std::string_view s, int& out) {
  if (s.empty() || s.size() > 9)
    return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size() && out >= 0;
}

/// Parses "hh:mm:ss" into seconds of the day.
bool parse_clock(std::string_view s, int& secs) {
  int h = 0;
  int m = 0;
  int sec = 0;
  if (s.size() != 8 || s[2] != ':' || s[5] != ':')
    return false;
  if (!to_int(s.substr(0, 2), h) || !to_int(s.substr(3, 2), m)
      || !to_int(s.substr(6, 2), sec))
    return false;
  if (h > 23 || m > 59 || sec > 60)
    return false;
  secs = h * 3600 + m * 60 + sec;
  return true;
}

/// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850
/// "Sunday, 06-Nov-94 08:49:37 GMT" or asctime "Sun Nov  6 08:49:37 1994".
std::optional<std::chrono::system_clock::time_point>
parse_http_date(std::string_view s) {
  std::vector<std::string_view> tok;
  std::size_t i = 0;
  auto sep = [](char c) { return c == ' ' || c == ',' || c == '-'; };
  while (i < s.size() && tok.size() < 8) {
    while (i < s.size() && sep(s[i]))
      ++i;
    auto start = i;
    while (i < s.size() && !sep(s[i]))
      ++i;
    if (i > start)
      tok.push_back(s.substr(start, i - start));
  }
  if (tok.size() < 5)
    return std::nullopt;
  int day = 0;
  int month = 0;
  int year = 0;
  int secs = 0;
  if (month_number(tok[1]) != 0) { // asctime
    month = month_number(tok[1]);
    if (!to_int(tok[2], day) || !parse_clock(tok[3], secs)
        || !to_int(tok[4], year))
      return std::nullopt;
  } else {
    month = month_number(tok[2]);
    if (month == 0 || !to_int(tok[1], day) || !to_int(tok[3], year)
        || !parse_clock(tok[4], secs))
      return std::nullopt;
    if (tok[3].size() == 2) // RFC 850 two-digit year
      year += year < 70 ? 2000 : 1900;
    if (tok.size() > 5 && tok[5] != "GMT" && tok[5] != "UTC")
      return std::nullopt;
  }
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year{year},
                     std::chrono::month{static_cast<unsigned>(month)},
                     std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok())
    return std::nullopt;
  return system_clock::time_point{sys_days{ymd} + seconds{secs}};
}

} // namespace

double parse_retry_after(std::string_view header,
                         std::chrono::system_clock::time_point now) {
  auto s = trim(header);
  if (s.empty())
    return -1;
  if (std::isdigit(static_cast<unsigned char>(s.front()))) {
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc{} && p == s.data() + s.size() && v >= 0 && v < 1e9)
      return v;
    return -1;
  }
  auto when = parse_http_date(s);
  if (!when)
    return -1;
  auto wait = std::chrono::duration<double>(*when - now).count();
  return wait > 0 ? wait : 0;
}

api_error classify_error(int status, std::string_view body,
                         std::string_view retry_after_header,
                         std::chrono::system_clock::time_point now) {
  auto f = extract(body);
  api_error e;
  e.http_status = status;
  e.kind = class_of(status, f);
  e.type = std::move(f.type);
  e.code = std::move(f.code);
  e.message = std::move(f.message);
  e.retry_after_s = parse_retry_after(retry_after_header, now);
  return e;
}

api_error classify_error(int status, std::string_view body,
                         std::string_view retry_after_header) {
  return classify_error(status, body, retry_after_header,
                        std::chrono::system_clock::now());
}

api_error bad_response(const problem& p, int http_status) {
  api_error e;
  e.http_status = http_status;
  e.kind = error_class::bad_response;
  e.type = "bad_response";
  e.code = p.code;
  e.message = p.to_string();
  return e;
}

std::string_view to_string(error_class k) {
  switch (k) {
  case error_class::retryable:
    return "retryable";
  case error_class::overloaded:
    return "overloaded";
  case error_class::fatal:
    return "fatal";
  case error_class::bad_response:
    return "bad_response";
  }
  return "unknown";
}

} // namespace kpsynth::openai
