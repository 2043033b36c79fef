// Base64 from the wire (media payloads): decode must throw Base64Error or round-trip exactly; the
// lenient decoder (either alphabet, padding optional) must agree with the strict one on the text
// made standard and padded.
#include <cstddef>
#include <cstdint>
#include <string>
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
  try {
    const auto bytes = scenario::audio::base64_decode_any_alphabet(text);
    std::string canonical = scenario::audio::base64_encode(bytes);
    // The same bytes, written back in the alphabet and padding the text used.
    if (text.find_first_of("-_") != std::string_view::npos) {
      for (auto& c : canonical) c = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    if (text.size() % 4 != 0) {
      while (!canonical.empty() && canonical.back() == '=') canonical.pop_back();
    }
    if (canonical != text) __builtin_trap();
  } catch (const scenario::audio::Base64Error&) {
  }
  return 0;
}
