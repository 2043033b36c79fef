#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "scenario/audio/format.hpp"

namespace scenario::audio {

/// Decodes little-endian PCM16 bytes. Throws OddByteLengthError when the count is odd.
std::vector<std::int16_t> pcm16_from_le_bytes(std::span<const std::uint8_t> bytes);

/// Encodes samples as little-endian PCM16 bytes.
std::vector<std::uint8_t> pcm16_to_le_bytes(std::span<const std::int16_t> samples);

/// Canonical audio: PCM16 samples, 24 000 Hz, mono. Samples, not bytes, so an odd byte count
/// cannot exist past the wire boundary.
struct AudioChunk {
  static constexpr int sample_rate = kCanonicalSampleRate;

  std::vector<std::int16_t> samples;
  /// What was said in this chunk, when the producer knows it.
  std::optional<std::string> transcript;
  /// When the chunk starts on the run's clock, when known.
  std::optional<std::chrono::nanoseconds> timestamp;

  /// Builds a chunk from little-endian PCM16 at 24 kHz mono. Throws OddByteLengthError.
  static AudioChunk from_le_bytes(std::span<const std::uint8_t> bytes);
  std::vector<std::uint8_t> to_le_bytes() const { return pcm16_to_le_bytes(samples); }

  std::size_t size() const noexcept { return samples.size(); }
  bool empty() const noexcept { return samples.empty(); }
  /// Exact duration: samples / 24 000 s.
  std::chrono::nanoseconds duration() const noexcept;
  double duration_seconds() const noexcept {
    return static_cast<double>(samples.size()) / sample_rate;
  }
};

}  // namespace scenario::audio
