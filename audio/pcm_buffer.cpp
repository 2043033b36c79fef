#include "scenario/audio/pcm_buffer.hpp"

#include <algorithm>
#include <cmath>

namespace scenario::audio {

std::vector<std::int16_t> downmix_to_mono(const PcmBuffer& buffer) {
  if (buffer.channels <= 1) return buffer.samples;
  const std::size_t frames = buffer.frames();
  const auto channels = static_cast<std::size_t>(buffer.channels);
  std::vector<std::int16_t> mono(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    long sum = 0;
    for (std::size_t c = 0; c < channels; ++c) sum += buffer.samples[i * channels + c];
    const double mean = static_cast<double>(sum) / static_cast<double>(channels);
    mono[i] = static_cast<std::int16_t>(std::lround(mean));
  }
  return mono;
}

PcmBuffer interleave_stereo(std::span<const std::int16_t> left, std::span<const std::int16_t> right,
                            int sample_rate) {
  PcmBuffer out;
  out.sample_rate = sample_rate;
  out.channels = 2;
  const std::size_t frames = std::max(left.size(), right.size());
  out.samples.assign(frames * 2, 0);
  for (std::size_t i = 0; i < left.size(); ++i) out.samples[2 * i] = left[i];
  for (std::size_t i = 0; i < right.size(); ++i) out.samples[2 * i + 1] = right[i];
  return out;
}

}  // namespace scenario::audio
