// Gemini Live frames from either side (the first byte picks: bit 0 set = a client message as the
// fake server reads it, else a server message as the adapter reads it). Decoding must throw
// ProtocolError or give a message whose encoding decodes to the same encoding again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scenario/gemini/live.hpp"

namespace live = scenario::gemini::live;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool client = (data[0] & 1) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    if (client) {
      const auto again = live::encode(live::decode_client(text));
      const auto back = live::decode_client(again);
      if (live::encode(back) != again) std::abort();
    } else {
      const auto again = live::encode(live::decode_server(text));
      if (live::encode(live::decode_server(again)) != again) std::abort();
    }
  } catch (const live::ProtocolError&) {
  }
  return 0;
}
