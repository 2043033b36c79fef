#include "spill_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace scenario::detail {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("recording spill file: " + what + ": " + std::strerror(errno));
}

}  // namespace

SpillFile::SpillFile(const std::filesystem::path& directory) {
  // O_TMPFILE: the file never has a name, so a crash cannot leave it behind.
  fd_ = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    // Filesystems without O_TMPFILE: create and unlink at once.
    std::string name = (directory / "scenario-spill-XXXXXX").string();
    fd_ = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd_ < 0) fail("cannot create a temporary file in " + directory.string());
    ::unlink(name.c_str());
  }
}

SpillFile::~SpillFile() {
  if (fd_ >= 0) ::close(fd_);
}

void SpillFile::write(std::int64_t at, std::span<const std::int16_t> samples) {
  const auto* bytes = reinterpret_cast<const char*>(samples.data());
  std::size_t left = samples.size_bytes();
  auto offset = static_cast<off_t>(at * 2);
  while (left > 0) {
    const ssize_t n = ::pwrite(fd_, bytes, left, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write failed (disk full?)");
    }
    bytes += n;
    left -= static_cast<std::size_t>(n);
    offset += n;
  }
}

void SpillFile::read(std::int64_t at, std::span<std::int16_t> out) const {
  auto* bytes = reinterpret_cast<char*>(out.data());
  std::size_t left = out.size_bytes();
  auto offset = static_cast<off_t>(at * 2);
  while (left > 0) {
    const ssize_t n = ::pread(fd_, bytes, left, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read failed");
    }
    if (n == 0) {  // past the end: never written
      std::fill(bytes, bytes + left, char{0});
      return;
    }
    bytes += n;
    left -= static_cast<std::size_t>(n);
    offset += n;
  }
}

void SpillFile::resize(std::int64_t samples) {
  if (::ftruncate(fd_, static_cast<off_t>(samples * 2)) != 0) fail("resize failed");
}

}  // namespace scenario::detail
