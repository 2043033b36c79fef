// OpenAI Realtime frames from either side (the first byte picks: bit 0 set = a client event as the
// fake server reads it, else a server event as the adapter reads it; bit 1 = beta names when
// re-encoding). Decoding must throw ProtocolError or give an event that encodes again and decodes
// to the same kind and the same frame.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scenario/openai/realtime.hpp"

namespace rt = scenario::openai::realtime;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool client = (data[0] & 1) != 0;
  const auto dialect = (data[0] & 2) != 0 ? rt::Dialect::beta : rt::Dialect::ga;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    if (client) {
      const auto m = rt::decode_client(text);
      std::string again;
      try {
        again = rt::encode(m.event, m.event_id);
      } catch (const rt::ProtocolError&) {
        return 0;  // an append over the message limit: refused when built, never sent
      }
      const auto back = rt::decode_client(again);
      if (back.event.index() != m.event.index() || rt::encode(back.event, back.event_id) != again)
        std::abort();
    } else {
      const auto m = rt::decode_server(text);
      const auto again = rt::encode(m.event, dialect, m.event_id);
      const auto back = rt::decode_server(again);
      if (back.event.index() != m.event.index() ||
          rt::encode(back.event, dialect, back.event_id) != again)
        std::abort();
      // A session it accepts reads as a typed session or is refused clearly.
      if (const auto* s = std::get_if<rt::server::SessionUpdated>(&m.event)) {
        try {
          (void)rt::session_from_json(s->session);
        } catch (const rt::ProtocolError&) {
        }
      }
    }
  } catch (const rt::ProtocolError&) {
  }
  return 0;
}
