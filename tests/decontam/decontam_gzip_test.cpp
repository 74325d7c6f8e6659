// Reading gzip-compressed JSONL through zlib: good files, concatenated
// members, and corrupt files that must fail with an error naming the file.

#include "decontam/decontam_gzip.hpp"
#include "decontam/decontam_jsonl.hpp"
#include "tests/fixtures/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>
#include <zlib.h>

namespace q = kpsynth::quality;
namespace fs = std::filesystem;

namespace {

/// `content` compressed as one gzip member, by zlib itself.
std::string gzip(const std::string& content) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                       Z_DEFAULT_STRATEGY)
          == Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(content.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(content.data()));
  zs.avail_in = static_cast<uInt>(content.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

fs::path write(const fs::path& path, const std::string& bytes) {
  std::ofstream{path, std::ios::binary} << bytes;
  return path;
}

std::vector<std::string> problems_of(const fs::path& path,
                                     kpsynth::result<std::size_t>* status) {
  std::vector<std::string> texts;
  std::vector<std::string> fields{"problem"};
  *status =
    q::for_each_jsonl_text(path, fields, [&](std::size_t, std::string_view t) {
      texts.emplace_back(t);
    });
  return texts;
}

} // namespace

TEST_CASE("gzip JSONL is read through zlib, members concatenated") {
  kpsynth::fixtures::temp_dir dir{"decontam_gzip"};
  std::string a = "{\"problem\": \"Compute $1+1$.\"}\n";
  std::string b = "{\"problem\": \"Find $x$ if $2x=4$.\"}\n";
  // Plenty of repetition, so that the stream uses back-references.
  std::string many;
  for (int i = 0; i < 2000; ++i)
    many += i % 2 == 0 ? a : b;
  kpsynth::result<std::size_t> status = std::size_t{0};
  auto texts =
    problems_of(write(dir.path() / "many.jsonl.gz", gzip(many)), &status);
  REQUIRE(status);
  CHECK(*status == 2000);
  CHECK(texts[1] == "Find $x$ if $2x=4$.");
  // Gzip is recognised by its magic bytes, whatever the name.
  texts =
    problems_of(write(dir.path() / "two.jsonl", gzip(a) + gzip(b)), &status);
  REQUIRE(status);
  CHECK(texts
        == std::vector<std::string>{"Compute $1+1$.", "Find $x$ if $2x=4$."});
  CHECK(q::crc32("123456789") == 0xCBF43926u);
}

TEST_CASE("a corrupt gzip file is an error that names the file") {
  kpsynth::fixtures::temp_dir dir{"decontam_gzip"};
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += "{\"problem\": \"Problem number " + std::to_string(i) + ".\"}\n";
  const auto good = gzip(text);
  struct damaged {
    std::string name;
    std::string bytes;
    std::string says;
  };
  std::vector<damaged> cases;
  auto crc = good;
  crc[crc.size() - 6] ^= 0x01; // inside the CRC-32 of the trailer
  cases.push_back({"crc.jsonl.gz", crc, "CRC-32 mismatch"});
  auto body = good;
  body[body.size() / 2] ^= 0x5A; // inside the DEFLATE data
  cases.push_back({"body.jsonl.gz", body, "corrupt gzip stream"});
  cases.push_back(
    {"cut.jsonl.gz", good.substr(0, good.size() / 2), "truncated gzip"});
  cases.push_back({"tail.jsonl.gz", good + "garbage", "trailing bytes"});
  for (const auto& c : cases) {
    INFO(c.name);
    auto path = write(dir.path() / c.name, c.bytes);
    kpsynth::result<std::size_t> status = std::size_t{0};
    problems_of(path, &status);
    REQUIRE_FALSE(status);
    CHECK(status.error().where == path.string());
    CHECK(status.error().code == "bad_gzip");
    INFO(status.error().message);
    CHECK(status.error().message.find(c.says) != std::string::npos);
  }
  // A decompression bomb stops at the limit instead of eating memory.
  auto bomb = q::gunzip(gzip(std::string(1 << 20, 'a')), "bomb.gz", 1000);
  REQUIRE_FALSE(bomb);
  CHECK(bomb.error().message.find("exceeds 1000 bytes") != std::string::npos);
}
