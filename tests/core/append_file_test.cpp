#include "core/append_file.hpp"
#include "tests/fixtures/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <sys/resource.h>

#include <csignal>
#include <fstream>
#include <sstream>

using namespace kpsynth;
namespace fs = std::filesystem;

namespace {

std::string contents(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Caps the size of every file this process writes, for one scope: writes
/// beyond it fail with EFBIG (SIGXFSZ ignored), like a full disk.
struct file_size_cap {
  explicit file_size_cap(rlim_t bytes) {
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    previous = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{bytes, old.rlim_max};
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
  }
  ~file_size_cap() {
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, previous);
  }
  rlimit old{};
  void (*previous)(int) = nullptr;
};

} // namespace

TEST_CASE("records are appended to new and existing files") {
  fixtures::temp_dir dir{"append"};
  auto file = dir.path() / "x.jsonl";
  {
    auto f = append_file::open(file);
    REQUIRE(f);
    CHECK_FALSE(f->append("a\n"));
    CHECK_FALSE(f->sync());
  }
  auto f = append_file::open(file);
  REQUIRE(f);
  CHECK_FALSE(f->append("b\n"));
  CHECK(contents(file) == "a\nb\n");
}

TEST_CASE("a full device fails the write, naming the file and the reason") {
  auto f = append_file::open("/dev/full");
  REQUIRE(f);
  auto p = f->append("record\n");
  REQUIRE(p);
  CHECK(p->code == "io_error");
  CHECK(p->where == "/dev/full");
  CHECK_THAT(p->message, Catch::Contains("No space left on device"));
  // Nothing is written behind a lost record.
  auto again = f->append("next\n");
  REQUIRE(again);
  CHECK(again->message == p->message);
  CHECK(f->sync());
}

TEST_CASE("a write cut short leaves no torn record behind") {
  fixtures::temp_dir dir{"append"};
  auto file = dir.path() / "x.jsonl";
  auto f = append_file::open(file);
  REQUIRE(f);
  REQUIRE_FALSE(f->append("0123456789\n"));
  std::optional<problem> p;
  {
    file_size_cap cap{16};
    // 11 bytes are in; the next record fits only partly.
    p = f->append("abcdefghij\n");
  }
  REQUIRE(p);
  CHECK_THAT(p->message, Catch::Contains("File too large"));
  CHECK(contents(file) == "0123456789\n");
}

TEST_CASE("opening in a missing directory names the file") {
  auto f = append_file::open("/nonexistent/kpsynth/x.jsonl");
  REQUIRE_FALSE(f);
  CHECK(f.error().where == "/nonexistent/kpsynth/x.jsonl");
}
