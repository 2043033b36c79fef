// Any bytes into the WAV reader: it must return or throw WavFormatError, never crash or overread.
#include <cstddef>
#include <cstdint>
#include <span>

#include "scenario/audio/errors.hpp"
#include "scenario/audio/wav.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto wav = scenario::audio::read_wav(std::span<const std::uint8_t>(data, size));
    // Whatever parsed must be self-consistent.
    if (wav.pcm.samples.size() != wav.info.frames * static_cast<std::size_t>(wav.info.channels))
      __builtin_trap();
  } catch (const scenario::audio::WavFormatError&) {
  }
  return 0;
}
