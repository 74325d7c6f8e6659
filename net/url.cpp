#include "net/url.hpp"

#include <charconv>

namespace kpsynth::net {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9');
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
         || (c >= 'A' && c <= 'F');
}

/// Characters allowed in a registered host name (RFC 3986 unreserved, minus
/// '~', which no resolver accepts).
bool is_host_char(char c) {
  return is_alnum(c) || c == '-' || c == '.' || c == '_';
}

/// Path characters we pass on verbatim: RFC 3986 pchar plus '/'. Anything
/// else (spaces, quotes, control bytes) is a typo in a config file, and
/// sending it would produce an invalid request line.
bool is_path_char(char c) {
  if (is_alnum(c))
    return true;
  switch (c) {
  case '-':
  case '.':
  case '_':
  case '~':
  case '%':
  case '!':
  case '$':
  case '&':
  case '\'':
  case '(':
  case ')':
  case '*':
  case '+':
  case ',':
  case ';':
  case '=':
  case ':':
  case '@':
  case '/':
    return true;
  default:
    return false;
  }
}

problem bad_url(std::string_view text, std::string_view where,
                std::string_view why) {
  std::string msg = "invalid URL \"";
  msg += text;
  msg += "\": ";
  msg += why;
  return make_problem("bad_url", std::move(msg), std::string{where});
}

} // namespace

result<url> url::parse(std::string_view text, std::string_view where) {
  url u;
  auto sep = text.find("://");
  if (sep == std::string_view::npos)
    return bad_url(text, where, "expected scheme://host[:port][/path]");
  auto scheme = text.substr(0, sep);
  if (iequals(scheme, "http")) {
    u.scheme = "http";
    u.port = 80;
  } else if (iequals(scheme, "https")) {
    u.scheme = "https";
    u.port = 443;
  } else {
    return bad_url(text, where, "scheme must be http or https");
  }
  auto rest = text.substr(sep + 3);
  auto auth_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, auth_end);
  auto path = auth_end == std::string_view::npos ? std::string_view{}
                                                 : rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos)
    return bad_url(text, where,
                   "credentials in the URL are not supported; use an API key "
                   "setting");
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return bad_url(text, where, "IPv6 literal lacks a closing ']'");
    auto host = authority.substr(1, close - 1);
    if (host.empty())
      return bad_url(text, where, "empty IPv6 literal");
    for (char c : host)
      if (!is_hex(c) && c != ':' && c != '.')
        return bad_url(text, where, "invalid character in IPv6 literal");
    if (host.find(':') == std::string_view::npos)
      return bad_url(text, where, "IPv6 literal without ':'");
    u.host.assign(host);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return bad_url(text, where, "unexpected text after IPv6 literal");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    auto host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (host.empty())
      return bad_url(text, where, "missing host");
    for (char c : host)
      if (!is_host_char(c))
        return bad_url(text, where, "invalid character in host name");
    u.host.reserve(host.size());
    for (char c : host)
      u.host += lower(c);
  }
  if (has_port) {
    if (port_text.empty())
      return bad_url(text, where, "empty port after ':'");
    unsigned value = 0;
    auto first = port_text.data();
    auto last = first + port_text.size();
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc{} || ptr != last || value == 0 || value > 65535)
      return bad_url(text, where, "port must be a number from 1 to 65535");
    u.port = static_cast<uint16_t>(value);
  }
  if (!path.empty() && (path.front() == '?' || path.front() == '#'))
    return bad_url(text, where, "a base URL takes no query or fragment");
  for (char c : path) {
    if (c == '?' || c == '#')
      return bad_url(text, where, "a base URL takes no query or fragment");
    if (!is_path_char(c))
      return bad_url(text, where, "invalid character in path");
  }
  while (!path.empty() && path.back() == '/')
    path.remove_suffix(1);
  u.base_path.assign(path);
  return u;
}

std::string url::to_string() const {
  std::string out = scheme;
  out += "://";
  bool v6 = host.find(':') != std::string::npos;
  if (v6)
    out += '[';
  out += host;
  if (v6)
    out += ']';
  out += ':';
  out += std::to_string(port);
  out += base_path;
  return out;
}

} // namespace kpsynth::net
