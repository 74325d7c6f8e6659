#pragma once

// Byte-level HTTP/1.1 framing shared by the client and the server. Heads are
// written by hand into reused strings: it is cheaper than Beast's serializer
// and keeps these helpers out of the two Beast translation units, whose
// compile time is the bottleneck of the build. Parsing stays with Beast.

#include "net/http_client.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kpsynth::net::wire {

using header_list = std::vector<std::pair<std::string, std::string>>;

/// ASCII case-insensitive equality, as header names compare.
bool iequals(std::string_view a, std::string_view b);

/// True if `name` is a valid header token and `value` holds no CR, LF or NUL:
/// a header from a caller must never be able to inject a second header or
/// end the head early.
bool valid_header(std::string_view name, std::string_view value);

/// The Host header value of an endpoint: the port is omitted when it is the
/// scheme's default, IPv6 literals get their brackets back.
std::string host_header(const url& endpoint);

/// Appends the request line and headers (ending in the empty line) to `out`.
/// Content-Length is always sent, even for empty bodies (field notes: a POST
/// without it hangs llama.cpp). Returns false, leaving `out` unspecified, if
/// a caller header is invalid.
bool append_request_head(std::string& out, const url& endpoint,
                         std::string_view host, const http_request& req);

/// The standard reason phrase, or "Unknown".
std::string_view reason_phrase(int status);

/// Appends a response head. With `chunked`, Transfer-Encoding: chunked is
/// sent and `content_length` ignored; with `close`, Connection: close. Invalid
/// caller headers are skipped: they come from our own handlers, and a bad one
/// must not corrupt the stream.
void append_response_head(std::string& out, int status,
                          std::string_view content_type,
                          std::size_t content_length, bool chunked, bool close,
                          const header_list& headers);

/// Appends one chunk in chunked transfer-encoding ("<hex>\r\n<data>\r\n").
/// Empty data appends nothing: an empty chunk would end the stream.
void append_chunk(std::string& out, std::string_view data);

/// The terminating chunk of a chunked body.
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

} // namespace kpsynth::net::wire
