#include "core/append_file.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <utility>

namespace kpsynth {

result<append_file> append_file::open(const std::filesystem::path& file) {
  append_file f;
  f.file_ = file;
  constexpr int flags = O_WRONLY | O_APPEND | O_CLOEXEC;
  // O_EXCL first tells whether the file is new, i.e. whether its directory
  // entry still has to be made durable.
  f.fd_ = ::open(file.c_str(), flags | O_CREAT | O_EXCL, 0644);
  bool created = f.fd_ >= 0;
  if (!created && errno == EEXIST)
    f.fd_ = ::open(file.c_str(), flags);
  if (f.fd_ < 0)
    return make_problem(
      "io_error",
      fmt::format("cannot open for appending: {}", std::strerror(errno)),
      file.string());
  struct stat st {};
  if (::fstat(f.fd_, &st) != 0)
    return f.fail("cannot stat", errno);
  f.size_ = static_cast<uint64_t>(st.st_size);
  if (created) {
    auto dir = file.parent_path().empty() ? std::filesystem::path{"."}
                                          : file.parent_path();
    if (auto p = sync_directory(dir))
      return *p;
  }
  return f;
}

append_file::append_file(append_file&& other) noexcept
  : file_(std::move(other.file_)), fd_(std::exchange(other.fd_, -1)),
    size_(other.size_), broken_(std::move(other.broken_)) {}

append_file& append_file::operator=(append_file&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    file_ = std::move(other.file_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
    broken_ = std::move(other.broken_);
  }
  return *this;
}

append_file::~append_file() {
  if (fd_ >= 0) {
    if (!broken_)
      ::fdatasync(fd_);
    ::close(fd_);
  }
}

problem append_file::fail(std::string_view what, int err) {
  broken_ =
    make_problem("io_error", fmt::format("{}: {}", what, std::strerror(err)),
                 file_.string());
  return *broken_;
}

std::optional<problem> append_file::append(std::string_view bytes) {
  if (broken_)
    return broken_;
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      auto err = n < 0 ? errno : EIO;
      if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
        // Best effort only: the next run cuts a torn last line when it
        // scans the file.
      }
      return fail("cannot write", err);
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += bytes.size();
  return std::nullopt;
}

std::optional<problem> append_file::sync() {
  if (broken_)
    return broken_;
  if (::fdatasync(fd_) != 0)
    return fail("cannot sync to disk", errno);
  return std::nullopt;
}

std::optional<problem> sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return make_problem(
      "io_error",
      fmt::format("cannot open directory: {}", std::strerror(errno)),
      dir.string());
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  // Some file systems cannot sync a directory (EINVAL); nothing to lose.
  if (rc != 0 && err != EINVAL)
    return make_problem(
      "io_error", fmt::format("cannot sync directory: {}", std::strerror(err)),
      dir.string());
  return std::nullopt;
}

} // namespace kpsynth
