#include "decontam/decontam_gzip.hpp"

#include <array>

namespace kpsynth::quality {

namespace {

/// Reads the DEFLATE bit stream least-significant bit first. Reading past
/// the end yields zero bits and marks the reader as overrun, so decoding
/// loops can stop at one check per symbol instead of one per bit.
class bit_reader {
 public:
  bit_reader(std::string_view data, std::size_t pos) : data_(data), pos_(pos) {}

  std::uint32_t peek(unsigned n) {
    while (count_ < n) {
      std::uint64_t byte = 0;
      if (pos_ < data_.size())
        byte = static_cast<unsigned char>(data_[pos_]);
      else
        ++virtual_bytes_;
      ++pos_;
      buf_ |= byte << count_;
      count_ += 8;
    }
    return static_cast<std::uint32_t>(buf_ & ((std::uint64_t{1} << n) - 1));
  }

  void drop(unsigned n) {
    buf_ >>= n;
    count_ -= n;
  }

  std::uint32_t bits(unsigned n) {
    if (n == 0)
      return 0;
    auto v = peek(n);
    drop(n);
    return v;
  }

  /// Discards the rest of the current byte (stored blocks, end of stream).
  void align() { drop(count_ % 8); }

  bool overrun() const { return virtual_bytes_ * 8 > count_; }

  /// Offset of the first byte not consumed; call after `align`.
  std::size_t byte_position() const { return pos_ - count_ / 8; }

 private:
  std::string_view data_;
  std::size_t pos_;
  std::uint64_t buf_ = 0;
  unsigned count_ = 0;
  std::size_t virtual_bytes_ = 0;
};

constexpr unsigned fast_bits = 9;
constexpr unsigned max_bits = 15;

/// A canonical Huffman code: a 9-bit lookup table for short codes and
/// per-length counts plus symbols in code order for the rest.
struct huffman {
  std::array<std::uint16_t, 1u << fast_bits> fast{}; // (symbol << 4) | length
  std::array<std::uint16_t, max_bits + 1> count{};
  std::array<std::uint16_t, 288> symbol{};
};

/// Builds a code from code lengths; false if the lengths over-subscribe the
/// code space. Incomplete codes are allowed (RFC 1951 permits a lone
/// distance code); unused bit patterns fail at decode time.
bool build(huffman& h, const std::uint8_t* lengths, std::size_t n) {
  h = huffman{};
  for (std::size_t s = 0; s < n; ++s)
    ++h.count[lengths[s]];
  h.count[0] = 0;
  int left = 1;
  for (unsigned len = 1; len <= max_bits; ++len) {
    left = left * 2 - h.count[len];
    if (left < 0)
      return false;
  }
  std::array<std::uint16_t, max_bits + 2> offset{};
  std::array<std::uint32_t, max_bits + 1> next_code{};
  std::uint32_t code = 0;
  for (unsigned len = 1; len <= max_bits; ++len) {
    offset[len + 1] = static_cast<std::uint16_t>(offset[len] + h.count[len]);
    code = (code + h.count[len - 1]) << 1;
    next_code[len] = code;
  }
  for (std::size_t s = 0; s < n; ++s) {
    unsigned len = lengths[s];
    if (len == 0)
      continue;
    h.symbol[offset[len]++] = static_cast<std::uint16_t>(s);
    std::uint32_t c = next_code[len]++;
    if (len > fast_bits)
      continue;
    std::uint32_t rev = 0; // the stream sends codes most-significant bit first
    for (unsigned i = 0; i < len; ++i)
      rev |= ((c >> i) & 1u) << (len - 1 - i);
    for (std::uint32_t i = rev; i < (1u << fast_bits); i += 1u << len)
      h.fast[i] = static_cast<std::uint16_t>((s << 4) | len);
  }
  return true;
}

/// Next symbol, or -1 for a bit pattern that is not a code.
int decode(bit_reader& in, const huffman& h) {
  auto entry = h.fast[in.peek(fast_bits)];
  if (entry != 0) {
    in.drop(entry & 15u);
    return entry >> 4;
  }
  int code = 0, first = 0, index = 0;
  for (unsigned len = 1; len <= max_bits; ++len) {
    code |= static_cast<int>(in.bits(1));
    int count = h.count[len];
    if (code - first < count)
      return h.symbol[static_cast<std::size_t>(index + code - first)];
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return -1;
}

constexpr std::array<std::uint16_t, 29> length_base = {
  3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
  31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr std::array<std::uint8_t, 29> length_extra = {
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
  2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr std::array<std::uint16_t, 30> dist_base = {
  1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
  33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
  1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr std::array<std::uint8_t, 30> dist_extra = {
  0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
  6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/// Inflates one DEFLATE stream into `out`. Returns an empty string on
/// success, otherwise what went wrong.
std::string inflate(bit_reader& in, std::string& out, std::size_t max_out) {
  huffman lit, dist;
  bool last = false;
  while (!last) {
    last = in.bits(1) == 1;
    auto type = in.bits(2);
    if (type == 0) { // stored
      in.align();
      auto len = in.bits(16);
      auto nlen = in.bits(16);
      if ((len ^ 0xFFFFu) != nlen)
        return "stored block length check failed";
      if (out.size() + len > max_out)
        return "output exceeds the size limit";
      for (std::uint32_t i = 0; i < len; ++i)
        out.push_back(static_cast<char>(in.bits(8)));
    } else if (type == 1 || type == 2) {
      std::array<std::uint8_t, 320> lengths{};
      std::size_t nlit = 288, ndist = 30;
      if (type == 1) { // fixed codes of RFC 1951 section 3.2.6
        for (std::size_t s = 0; s < 288; ++s)
          lengths[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
        for (std::size_t s = 0; s < 30; ++s)
          lengths[288 + s] = 5;
      } else {
        nlit = in.bits(5) + 257;
        ndist = in.bits(5) + 1;
        std::size_t nclen = in.bits(4) + 4;
        if (nlit > 286 || ndist > 30)
          return "too many literal or distance codes";
        static constexpr std::array<std::uint8_t, 19> order = {
          16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
        std::array<std::uint8_t, 19> clen{};
        for (std::size_t i = 0; i < nclen; ++i)
          clen[order[i]] = static_cast<std::uint8_t>(in.bits(3));
        huffman lencode;
        if (!build(lencode, clen.data(), clen.size()))
          return "bad code-length code";
        std::size_t i = 0;
        while (i < nlit + ndist) {
          int sym = decode(in, lencode);
          if (sym < 0 || in.overrun())
            return "bad code length";
          std::size_t repeat = 1;
          std::uint8_t value = static_cast<std::uint8_t>(sym);
          if (sym == 16) {
            if (i == 0)
              return "repeat of a code length with no previous length";
            value = lengths[i - 1 < nlit ? i - 1 : 288 + (i - 1 - nlit)];
            repeat = 3 + in.bits(2);
          } else if (sym == 17) {
            value = 0;
            repeat = 3 + in.bits(3);
          } else if (sym == 18) {
            value = 0;
            repeat = 11 + in.bits(7);
          }
          if (i + repeat > nlit + ndist)
            return "code lengths overflow the declared count";
          for (; repeat > 0; --repeat, ++i)
            lengths[i < nlit ? i : 288 + (i - nlit)] = value;
        }
        if (lengths[256] == 0)
          return "no end-of-block code";
      }
      if (!build(lit, lengths.data(), nlit)
          || !build(dist, lengths.data() + 288, ndist))
        return "over-subscribed Huffman code";
      for (;;) {
        int sym = decode(in, lit);
        if (sym < 0 || in.overrun())
          return "bad literal/length code or truncated data";
        if (sym < 256) {
          if (out.size() >= max_out)
            return "output exceeds the size limit";
          out.push_back(static_cast<char>(sym));
          continue;
        }
        if (sym == 256)
          break;
        auto li = static_cast<std::size_t>(sym - 257);
        if (li >= length_base.size())
          return "bad length symbol";
        std::size_t len = length_base[li] + in.bits(length_extra[li]);
        int dsym = decode(in, dist);
        if (dsym < 0 || dsym >= 30)
          return "bad distance code";
        auto di = static_cast<std::size_t>(dsym);
        std::size_t d = dist_base[di] + in.bits(dist_extra[di]);
        if (d > out.size())
          return "distance reaches before the start of the output";
        if (out.size() + len > max_out)
          return "output exceeds the size limit";
        std::size_t pos = out.size();
        out.resize(pos + len);
        char* p = out.data();
        for (std::size_t i = 0; i < len; ++i) // may overlap: byte by byte
          p[pos + i] = p[pos - d + i];
      }
    } else {
      return "invalid block type 3";
    }
    if (in.overrun())
      return "truncated data";
  }
  in.align();
  return {};
}

std::uint32_t read_le32(std::string_view d, std::size_t pos) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8)
        | static_cast<unsigned char>(d[pos + static_cast<std::size_t>(i)]);
  return v;
}

} // namespace

bool looks_gzipped(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1F
         && static_cast<unsigned char>(data[1]) == 0x8B;
}

std::uint32_t crc32(std::string_view data, std::uint32_t crc) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (char ch : data)
    crc = table[(crc ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

result<std::string> gunzip(std::string_view data, std::string_view where,
                           std::size_t max_output) {
  auto fail = [&](std::size_t offset, const std::string& what) {
    return make_problem(
      "bad_gzip", "gzip: " + what + " (at byte " + std::to_string(offset) + ")",
      std::string{where});
  };
  std::string out;
  std::size_t pos = 0;
  do {
    std::size_t member = pos;
    if (data.size() - pos < 18 || !looks_gzipped(data.substr(pos)))
      return fail(pos, "not a gzip member (bad magic or too short)");
    if (static_cast<unsigned char>(data[pos + 2]) != 8)
      return fail(pos + 2, "unsupported compression method");
    auto flags = static_cast<unsigned char>(data[pos + 3]);
    if (flags & 0xE0)
      return fail(pos + 3, "reserved header flags set");
    pos += 10;
    if (flags & 4) { // FEXTRA
      if (data.size() - pos < 2)
        return fail(pos, "truncated extra field");
      pos +=
        2
        + (static_cast<unsigned char>(data[pos])
           | static_cast<std::size_t>(static_cast<unsigned char>(data[pos + 1]))
               << 8);
    }
    for (unsigned bit : {8u, 16u}) { // FNAME, FCOMMENT: zero-terminated
      if (!(flags & bit))
        continue;
      while (pos < data.size() && data[pos] != '\0')
        ++pos;
      ++pos;
    }
    if (flags & 2) // FHCRC
      pos += 2;
    if (pos >= data.size())
      return fail(member, "truncated header");
    std::size_t start = out.size();
    bit_reader in{data, pos};
    if (auto error = inflate(in, out, max_output); !error.empty())
      return fail(in.byte_position(), error);
    pos = in.byte_position();
    if (data.size() - pos < 8)
      return fail(pos, "truncated trailer");
    auto produced = std::string_view{out}.substr(start);
    if (read_le32(data, pos) != crc32(produced))
      return fail(pos, "CRC-32 mismatch");
    if (read_le32(data, pos + 4) != static_cast<std::uint32_t>(produced.size()))
      return fail(pos + 4, "length mismatch");
    pos += 8;
    // Some writers pad with zeros after the last member; that is not data.
    bool only_zeros = data.find_first_not_of('\0', pos) == std::string::npos;
    if (only_zeros)
      break;
  } while (pos < data.size());
  return out;
}

} // namespace kpsynth::quality
