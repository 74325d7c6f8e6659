#include "decontam/decontam_gzip.hpp"

#include <algorithm>
#include <limits>
#include <zlib.h>

namespace kpsynth::quality {

namespace {

/// Owns a zlib inflate stream, so that every exit path releases it.
struct inflater {
  z_stream stream{};
  bool ready = false;
  ~inflater() {
    if (ready)
      inflateEnd(&stream);
  }
};

result<std::string> gzip_problem(std::string_view where, std::string message,
                                 std::size_t offset) {
  return make_problem("bad_gzip",
                      std::move(message) + " (at compressed byte "
                        + std::to_string(offset) + ")",
                      std::string{where});
}

} // namespace

bool looks_gzipped(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f
         && static_cast<unsigned char>(data[1]) == 0x8b;
}

std::uint32_t crc32(std::string_view data, std::uint32_t crc) {
  // zlib's crc32 takes a uInt length; feed large inputs in pieces.
  uLong value = crc;
  while (!data.empty()) {
    auto piece = std::min<std::size_t>(data.size(), 1u << 30);
    value = ::crc32(value, reinterpret_cast<const Bytef*>(data.data()),
                    static_cast<uInt>(piece));
    data.remove_prefix(piece);
  }
  return static_cast<std::uint32_t>(value);
}

result<std::string> gunzip(std::string_view data, std::string_view where,
                           std::size_t max_output) {
  if (!looks_gzipped(data))
    return gzip_problem(where, "not a gzip stream (no 1f 8b magic)", 0);
  inflater z;
  // 15 + 16: a gzip wrapper only, with its CRC-32 and length checked.
  if (inflateInit2(&z.stream, 15 + 16) != Z_OK)
    return gzip_problem(where, "cannot initialise zlib", 0);
  z.ready = true;
  std::string out;
  std::size_t consumed = 0; // input bytes of finished members
  constexpr std::size_t chunk = std::size_t{1} << 16;
  constexpr auto in_limit =
    static_cast<std::size_t>(std::numeric_limits<uInt>::max());
  if (data.size() > in_limit)
    return gzip_problem(where, "compressed file larger than 4 GiB", 0);
  z.stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.stream.avail_in = static_cast<uInt>(data.size());
  for (;;) {
    if (out.size() >= max_output)
      return gzip_problem(where,
                          "decompressed size exceeds "
                            + std::to_string(max_output) + " bytes",
                          consumed + z.stream.total_in);
    auto old = out.size();
    out.resize(old + std::min(chunk, max_output - old));
    z.stream.next_out = reinterpret_cast<Bytef*>(out.data() + old);
    z.stream.avail_out = static_cast<uInt>(out.size() - old);
    int rc = inflate(&z.stream, Z_NO_FLUSH);
    out.resize(out.size() - z.stream.avail_out);
    if (rc == Z_STREAM_END) {
      consumed += z.stream.total_in;
      auto rest = data.substr(consumed);
      if (rest.empty())
        return out;
      // Another member follows (as `cat a.gz b.gz` gives); anything else
      // after a member is garbage, not silently ignored.
      if (!looks_gzipped(rest))
        return gzip_problem(where, "trailing bytes after the gzip stream",
                            consumed);
      if (inflateReset(&z.stream) != Z_OK)
        return gzip_problem(where, "cannot reset zlib", consumed);
      z.stream.next_in =
        reinterpret_cast<Bytef*>(const_cast<char*>(rest.data()));
      z.stream.avail_in = static_cast<uInt>(rest.size());
      continue;
    }
    if (rc == Z_OK)
      continue;
    if (rc == Z_BUF_ERROR && z.stream.avail_in == 0)
      return gzip_problem(where, "truncated gzip stream",
                          consumed + z.stream.total_in);
    std::string why = z.stream.msg != nullptr ? z.stream.msg : "corrupt data";
    if (why == "incorrect data check")
      why += " (CRC-32 mismatch)";
    else if (why == "incorrect length check")
      why += " (ISIZE mismatch)";
    return gzip_problem(where, "corrupt gzip stream: " + why,
                        consumed + z.stream.total_in);
  }
}

} // namespace kpsynth::quality
