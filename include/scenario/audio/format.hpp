#pragma once

#include <cstddef>
#include <string_view>

namespace scenario::audio {

/// The canonical sample rate inside the framework (PCM16 mono at 24 kHz, see DESIGN.md).
inline constexpr int kCanonicalSampleRate = 24000;

/// How samples are carried on a wire or in a raw file.
enum class Encoding {
  pcm16,  ///< signed 16-bit little-endian
  mulaw,  ///< G.711 μ-law, one byte per sample
  alaw,   ///< G.711 A-law, one byte per sample
};

/// "pcm16", "mulaw", "alaw".
std::string_view to_string(Encoding encoding) noexcept;

/// Parses "pcm16" / "mulaw" / "alaw" (also "ulaw", "pcm_mulaw", "pcm_alaw", "s16le").
/// Throws UnsupportedFormatError naming the text otherwise.
Encoding parse_encoding(std::string_view text);

/// Bytes one sample occupies in the given encoding (2 for pcm16, 1 for G.711).
std::size_t bytes_per_sample(Encoding encoding) noexcept;

/// The byte value of digital silence in one-byte encodings: μ-law 0xFF, A-law 0xD5 (pcm16: 0x00).
unsigned char silence_byte(Encoding encoding) noexcept;

struct AudioFormat {
  Encoding encoding = Encoding::pcm16;
  int sample_rate = kCanonicalSampleRate;
  int channels = 1;

  std::size_t bytes_per_frame() const noexcept {
    return bytes_per_sample(encoding) * static_cast<std::size_t>(channels);
  }
  friend bool operator==(const AudioFormat&, const AudioFormat&) = default;
};

}  // namespace scenario::audio
