// Twilio Media Streams messages from the wire: parse must throw ProtocolError or give a message
// whose media payload re-encodes and parses to the same bytes, and its media fast path must agree
// with the JSON parser on every input.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "scenario/twilio/media_streams.hpp"

namespace {

bool same(const scenario::twilio::Message& a, const scenario::twilio::Message& b) {
  return a.event == b.event && a.event_name == b.event_name && a.stream_sid == b.stream_sid &&
         a.sequence_number == b.sequence_number && a.payload == b.payload && a.track == b.track &&
         a.chunk == b.chunk && a.timestamp_ms == b.timestamp_ms && a.digit == b.digit &&
         a.mark_name == b.mark_name && a.start.stream_sid == b.start.stream_sid &&
         a.start.custom_parameters == b.start.custom_parameters;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<scenario::twilio::Message> fast, dom;
  try {
    fast = scenario::twilio::parse(text);
  } catch (const scenario::twilio::ProtocolError&) {
  }
  try {
    dom = scenario::twilio::parse_json(text);
  } catch (const scenario::twilio::ProtocolError&) {
  }
  if (fast.has_value() != dom.has_value()) __builtin_trap();
  if (!fast) return 0;
  if (!same(*fast, *dom)) __builtin_trap();
  if (fast->event == scenario::twilio::Event::media) {
    const auto again = scenario::twilio::parse(
        scenario::twilio::build_outbound_media(fast->stream_sid, fast->payload));
    if (again.payload != fast->payload) __builtin_trap();
  }
  return 0;
}
