// Twilio Media Streams messages from the wire: parse must throw ProtocolError or give a message
// whose media payload re-encodes and parses to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scenario/twilio/media_streams.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto m = scenario::twilio::parse(text);
    if (m.event == scenario::twilio::Event::media) {
      const auto again =
          scenario::twilio::parse(scenario::twilio::build_outbound_media(m.stream_sid, m.payload));
      if (again.payload != m.payload) __builtin_trap();
    }
  } catch (const scenario::twilio::ProtocolError&) {
  }
  return 0;
}
