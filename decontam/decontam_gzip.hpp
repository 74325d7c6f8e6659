#pragma once

#include "core/result.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kpsynth::quality {

/// True when `data` starts with the gzip magic bytes 1f 8b.
bool looks_gzipped(std::string_view data);

/// CRC-32 (IEEE 802.3, as in gzip and PNG) of `data`, continuing from `crc`.
std::uint32_t crc32(std::string_view data, std::uint32_t crc = 0);

/// Decompresses a gzip file (RFC 1952, one or more members) with zlib,
/// which checks each member's CRC-32 and length.
///
/// Malformed or truncated input, or bytes after the last member, yield a
/// `bad_gzip` problem whose `where` is `where` (the file) and whose message
/// gives zlib's reason and the compressed byte offset; output beyond
/// `max_output` bytes is refused (a guard against decompression bombs).
result<std::string> gunzip(std::string_view data, std::string_view where,
                           std::size_t max_output = std::size_t{1} << 31);

} // namespace kpsynth::quality
