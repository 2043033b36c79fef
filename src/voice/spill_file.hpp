#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

namespace scenario::detail {

/// An unlinked temporary file of 16-bit samples: nothing is left behind, whatever happens to the
/// process. Positions are in samples.
class SpillFile {
 public:
  explicit SpillFile(const std::filesystem::path& directory);
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  void write(std::int64_t at, std::span<const std::int16_t> samples);
  /// Reads `out.size()` samples from `at`; samples never written read as zero.
  void read(std::int64_t at, std::span<std::int16_t> out) const;
  /// Sets the length (zero-filled when it grows).
  void resize(std::int64_t samples);
  int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

}  // namespace scenario::detail
