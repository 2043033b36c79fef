// Arbitrary audio, chunked arbitrarily, into the streaming DTMF detector. The first byte picks
// the rate and the chunk size; reported digits must be valid keys with ordered positions.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "scenario/audio/dtmf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int rates[] = {8000, 16000, 24000, 48000};
  const int rate = rates[data[0] & 3];
  const std::size_t chunk = 1 + (data[0] >> 2) * 13;
  std::vector<std::int16_t> samples((size - 1) / 2);
  std::memcpy(samples.data(), data + 1, samples.size() * 2);
  scenario::audio::DtmfDetector detector(rate);
  std::vector<scenario::audio::DtmfDigit> found;
  for (std::size_t pos = 0; pos < samples.size(); pos += chunk) {
    const auto n = std::min(chunk, samples.size() - pos);
    for (const auto& d : detector.push(std::span<const std::int16_t>(samples).subspan(pos, n)))
      found.push_back(d);
  }
  for (const auto& d : detector.finish()) found.push_back(d);
  std::int64_t previous_end = -1000000;
  for (const auto& d : found) {
    if (!scenario::audio::is_dtmf_digit(d.digit) || d.end_sample <= d.start_sample ||
        d.start_sample < previous_end - rate)
      __builtin_trap();
    previous_end = d.end_sample;
  }
  return 0;
}
