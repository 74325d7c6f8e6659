#include "net/http_wire.hpp"

#include "net/http_server.hpp"

#include <charconv>

namespace kpsynth::net {

std::string_view to_string(transport_error x) {
  switch (x) {
  case transport_error::none:
    return "none";
  case transport_error::resolve_failed:
    return "resolve_failed";
  case transport_error::connect_failed:
    return "connect_failed";
  case transport_error::connect_timeout:
    return "connect_timeout";
  case transport_error::tls_failed:
    return "tls_failed";
  case transport_error::idle_timeout:
    return "idle_timeout";
  case transport_error::deadline:
    return "deadline";
  case transport_error::connection_reset:
    return "connection_reset";
  case transport_error::truncated:
    return "truncated";
  case transport_error::protocol_error:
    return "protocol_error";
  case transport_error::cancelled:
    return "cancelled";
  }
  return "unknown";
}

std::string_view server_request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (wire::iequals(k, name))
      return v;
  return {};
}

std::string_view server_request::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

namespace wire {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// RFC 9110 token characters.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
      || (c >= '0' && c <= '9'))
    return true;
  switch (c) {
  case '!':
  case '#':
  case '$':
  case '%':
  case '&':
  case '\'':
  case '*':
  case '+':
  case '-':
  case '.':
  case '^':
  case '_':
  case '`':
  case '|':
  case '~':
    return true;
  default:
    return false;
  }
}

void append_number(std::string& out, std::size_t n) {
  char buf[24];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), n);
  (void)ec;
  out.append(buf, ptr);
}

void append_header(std::string& out, std::string_view name,
                   std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

} // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

bool valid_header(std::string_view name, std::string_view value) {
  if (name.empty())
    return false;
  for (char c : name)
    if (!is_tchar(c))
      return false;
  for (char c : value)
    if (c == '\r' || c == '\n' || c == '\0')
      return false;
  return true;
}

std::string host_header(const url& endpoint) {
  std::string out;
  bool v6 = endpoint.host.find(':') != std::string::npos;
  if (v6)
    out += '[';
  out += endpoint.host;
  if (v6)
    out += ']';
  bool default_port = (endpoint.scheme == "http" && endpoint.port == 80)
                      || (endpoint.scheme == "https" && endpoint.port == 443);
  if (!default_port) {
    out += ':';
    append_number(out, endpoint.port);
  }
  return out;
}

bool append_request_head(std::string& out, const url& endpoint,
                         std::string_view host, const http_request& req) {
  if (!valid_header(req.method, {})
      || !valid_header("Content-Type", req.content_type))
    return false;
  for (char c : req.target)
    if (c <= ' ' || c == 0x7f)
      return false;
  out += req.method;
  out += ' ';
  out += endpoint.base_path;
  if (req.target.empty()) {
    if (endpoint.base_path.empty())
      out += '/';
  } else {
    if (req.target.front() != '/')
      out += '/';
    out += req.target;
  }
  out += " HTTP/1.1\r\n";
  append_header(out, "Host", host);
  append_header(out, "User-Agent", "kpsynth/0.1");
  if (!req.content_type.empty())
    append_header(out, "Content-Type", req.content_type);
  out += "Content-Length: ";
  append_number(out, req.body.size());
  out += "\r\n";
  bool has_accept = false;
  for (const auto& [k, v] : req.headers) {
    if (!valid_header(k, v))
      return false;
    // These are framing headers the client owns; a caller copy would
    // contradict them and desynchronise the connection.
    if (iequals(k, "Host") || iequals(k, "Content-Length")
        || iequals(k, "Transfer-Encoding") || iequals(k, "User-Agent")
        || iequals(k, "Content-Type"))
      continue;
    has_accept = has_accept || iequals(k, "Accept");
    append_header(out, k, v);
  }
  if (!has_accept)
    append_header(out, "Accept", "*/*");
  out += "\r\n";
  return true;
}

std::string_view reason_phrase(int status) {
  switch (status) {
  case 100:
    return "Continue";
  case 101:
    return "Switching Protocols";
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 202:
    return "Accepted";
  case 204:
    return "No Content";
  case 206:
    return "Partial Content";
  case 301:
    return "Moved Permanently";
  case 302:
    return "Found";
  case 304:
    return "Not Modified";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 409:
    return "Conflict";
  case 413:
    return "Content Too Large";
  case 415:
    return "Unsupported Media Type";
  case 422:
    return "Unprocessable Content";
  case 429:
    return "Too Many Requests";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 502:
    return "Bad Gateway";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  default:
    return "Unknown";
  }
}

void append_response_head(std::string& out, int status,
                          std::string_view content_type,
                          std::size_t content_length, bool chunked, bool close,
                          const header_list& headers) {
  if (status < 100 || status > 999)
    status = 500;
  out += "HTTP/1.1 ";
  append_number(out, static_cast<std::size_t>(status));
  out += ' ';
  out += reason_phrase(status);
  out += "\r\n";
  if (!content_type.empty() && valid_header("Content-Type", content_type))
    append_header(out, "Content-Type", content_type);
  if (chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else {
    out += "Content-Length: ";
    append_number(out, content_length);
    out += "\r\n";
  }
  if (close)
    out += "Connection: close\r\n";
  for (const auto& [k, v] : headers) {
    if (!valid_header(k, v) || iequals(k, "Content-Length")
        || iequals(k, "Transfer-Encoding") || iequals(k, "Connection")
        || iequals(k, "Content-Type"))
      continue;
    append_header(out, k, v);
  }
  out += "\r\n";
}

void append_chunk(std::string& out, std::string_view data) {
  if (data.empty())
    return;
  char buf[20];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), data.size(), 16);
  (void)ec;
  out.append(buf, ptr);
  out += "\r\n";
  out += data;
  out += "\r\n";
}

} // namespace wire
} // namespace kpsynth::net
