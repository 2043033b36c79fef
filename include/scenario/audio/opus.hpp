#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace scenario::audio {

/// libopus's coding modes: `voip` favours intelligibility (SILK, speech pre-processing; what
/// telephony transports use), `audio` favours waveform fidelity (recordings).
enum class OpusApplication { voip, audio };

/// libopus encoder for 20 ms frames (48 kHz or 24 kHz; also 16/12/8 kHz), mono or stereo.
class OpusFrameEncoder {
 public:
  OpusFrameEncoder(int sample_rate, int channels, int bit_rate = 32000,
                   OpusApplication application = OpusApplication::voip);
  ~OpusFrameEncoder();
  OpusFrameEncoder(OpusFrameEncoder&&) noexcept;
  OpusFrameEncoder& operator=(OpusFrameEncoder&&) noexcept;

  /// Samples (interleaved) in one 20 ms frame.
  int frame_samples() const noexcept;
  /// Encodes exactly one frame; UnsupportedFormatError for a wrong length, OpusError on failure.
  std::vector<std::uint8_t> encode(std::span<const std::int16_t> frame);
  /// Algorithmic delay of encoder+decoder, samples per channel (to align a round trip).
  int lookahead() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class OpusFrameDecoder {
 public:
  OpusFrameDecoder(int sample_rate, int channels);
  ~OpusFrameDecoder();
  OpusFrameDecoder(OpusFrameDecoder&&) noexcept;
  OpusFrameDecoder& operator=(OpusFrameDecoder&&) noexcept;

  /// Decodes one packet (interleaved samples out). OpusError for a corrupt packet.
  std::vector<std::int16_t> decode(std::span<const std::uint8_t> packet);
  /// Packet loss concealment for one missing 20 ms frame.
  std::vector<std::int16_t> decode_lost();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scenario::audio
