#include "scenario/audio/chunk.hpp"

#include <string>

#include "scenario/audio/errors.hpp"

namespace scenario::audio {

std::vector<std::int16_t> pcm16_from_le_bytes(std::span<const std::uint8_t> bytes) {
  if (bytes.size() % 2 != 0) {
    throw OddByteLengthError("PCM16 data has an odd byte count (" + std::to_string(bytes.size()) +
                             "): expected whole 2-byte little-endian samples");
  }
  std::vector<std::int16_t> samples(bytes.size() / 2);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto lo = static_cast<std::uint16_t>(bytes[2 * i]);
    const auto hi = static_cast<std::uint16_t>(bytes[2 * i + 1]);
    samples[i] = static_cast<std::int16_t>(static_cast<std::uint16_t>(lo | (hi << 8)));
  }
  return samples;
}

std::vector<std::uint8_t> pcm16_to_le_bytes(std::span<const std::int16_t> samples) {
  std::vector<std::uint8_t> bytes(samples.size() * 2);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto u = static_cast<std::uint16_t>(samples[i]);
    bytes[2 * i] = static_cast<std::uint8_t>(u & 0xFF);
    bytes[2 * i + 1] = static_cast<std::uint8_t>(u >> 8);
  }
  return bytes;
}

AudioChunk AudioChunk::from_le_bytes(std::span<const std::uint8_t> bytes) {
  AudioChunk chunk;
  chunk.samples = pcm16_from_le_bytes(bytes);
  return chunk;
}

std::chrono::nanoseconds AudioChunk::duration() const noexcept {
  // 1e9 / 24000 is not whole; multiply first to stay exact for any realistic length.
  return std::chrono::nanoseconds(static_cast<std::int64_t>(samples.size()) * 1'000'000'000LL /
                                  sample_rate);
}

}  // namespace scenario::audio
