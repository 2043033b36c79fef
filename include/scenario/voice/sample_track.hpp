#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace scenario {

/// One channel of a recording: read-only 16-bit samples, cheap to copy (shared).
///
/// Short calls keep their samples in memory. A long call's tracks live in an unlinked temporary
/// file mapped read-only, so a 30-minute call does not hold its audio in the process heap; the
/// file disappears with the last copy of the track.
class SampleTrack {
 public:
  SampleTrack() = default;
  SampleTrack(std::vector<std::int16_t> samples);  // NOLINT(google-explicit-constructor)
  /// Maps `count` samples of an open file (the descriptor is not kept).
  static SampleTrack map_file(int fd, std::size_t count);

  const std::int16_t* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const std::int16_t* begin() const noexcept { return data_; }
  const std::int16_t* end() const noexcept { return data_ + size_; }
  std::int16_t operator[](std::size_t i) const noexcept { return data_[i]; }
  std::span<const std::int16_t> span() const noexcept { return {data_, size_}; }
  operator std::span<const std::int16_t>() const noexcept { return span(); }  // NOLINT
  /// True when the samples are a mapped file rather than heap memory.
  bool file_backed() const noexcept { return file_backed_; }

 private:
  std::shared_ptr<const void> owner_{};
  const std::int16_t* data_ = nullptr;
  std::size_t size_ = 0;
  bool file_backed_ = false;
};

}  // namespace scenario
