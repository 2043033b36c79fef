#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "scenario/audio/format.hpp"

namespace scenario::audio {

/// What flush() does with a last, incomplete frame.
enum class PadPolicy {
  pad_with_silence,  ///< complete it with the encoding's silence (μ-law 0xFF, A-law 0xD5, PCM 0)
  drop,              ///< discard it
  emit_short,        ///< return it as is, shorter than a frame
};

/// Cuts a byte stream into fixed-duration frames (20 ms by default) for any encoding and rate.
/// Bytes that do not fill a frame are carried to the next push().
class Framer {
 public:
  explicit Framer(AudioFormat format,
                  std::chrono::milliseconds frame_duration = std::chrono::milliseconds(20));

  /// Appends bytes and returns every frame completed by them, in order.
  std::vector<std::vector<std::uint8_t>> push(std::span<const std::uint8_t> bytes);
  /// Ends the stream: the carried remainder handled by `policy` (nullopt when nothing remains or
  /// the policy drops it).
  std::optional<std::vector<std::uint8_t>> flush(PadPolicy policy);

  std::size_t frame_bytes() const noexcept { return frame_bytes_; }
  std::size_t pending_bytes() const noexcept { return pending_.size(); }
  const AudioFormat& format() const noexcept { return format_; }

 private:
  AudioFormat format_;
  std::size_t frame_bytes_;
  std::vector<std::uint8_t> pending_;
};

/// Bytes in one frame of `duration` for `format`; UnsupportedFormatError when that is not a whole
/// number of samples (e.g. 20 ms at 11 025 Hz).
std::size_t frame_size_bytes(const AudioFormat& format, std::chrono::milliseconds duration);

}  // namespace scenario::audio
