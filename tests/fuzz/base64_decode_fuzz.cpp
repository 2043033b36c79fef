// Base64 from the wire (media payloads): decode must throw Base64Error or round-trip exactly.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scenario/audio/base64.hpp"
#include "scenario/audio/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto bytes = scenario::audio::base64_decode(text);
    if (scenario::audio::base64_encode(bytes) != text) __builtin_trap();
  } catch (const scenario::audio::Base64Error&) {
  }
  return 0;
}
