// Any bytes into the in-memory media decoder (libavformat/libavcodec behind our custom AVIO):
// a result or a MediaError, never a crash, and never any I/O outside the buffer.
#include <cstddef>
#include <cstdint>
#include <span>

#include "scenario/audio/errors.hpp"
#include "scenario/audio/media.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto pcm = scenario::audio::decode_media(std::span<const std::uint8_t>(data, size));
    if (pcm.channels < 1 || pcm.samples.size() % static_cast<std::size_t>(pcm.channels) != 0)
      __builtin_trap();
  } catch (const scenario::audio::AudioError&) {
  }
  return 0;
}
