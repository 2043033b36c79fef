#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace scenario::audio {

/// PCM16 samples at any rate and channel count, interleaved. What files decode to before they are
/// brought to the canonical format.
struct PcmBuffer {
  int sample_rate = 0;
  int channels = 1;
  std::vector<std::int16_t> samples;  ///< interleaved: frame i, channel c at [i*channels + c]

  std::size_t frames() const noexcept {
    return channels > 0 ? samples.size() / static_cast<std::size_t>(channels) : 0;
  }
  double duration_seconds() const noexcept {
    return sample_rate > 0 ? static_cast<double>(frames()) / sample_rate : 0.0;
  }
};

/// Averages the channels of an interleaved buffer into one (rounding to nearest).
std::vector<std::int16_t> downmix_to_mono(const PcmBuffer& buffer);

/// Interleaves two equally long mono signals into a stereo buffer (the shorter one is padded
/// with silence).
PcmBuffer interleave_stereo(std::span<const std::int16_t> left, std::span<const std::int16_t> right,
                            int sample_rate);

}  // namespace scenario::audio
