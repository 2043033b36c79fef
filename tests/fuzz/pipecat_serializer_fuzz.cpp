// Messages from the other side of a Pipecat bot's WebSocket, through each of the four serializers
// (Twilio caller, Twilio bot, protobuf either side; the first byte picks one and the frame type):
// deserialize must throw FrameError or give a message the other side may send, which that side
// can serialize again and this one reads back as the same kind.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <type_traits>

#include "scenario/pipecat/serializer.hpp"

namespace p = scenario::pipecat;

namespace {

std::unique_ptr<p::Serializer> make(int which) {
  scenario::twilio::StartInfo start;
  start.stream_sid = "MZ0123456789abcdef0123456789abcdef";
  switch (which) {
    case 0:
      return p::make_twilio_client(start);
    case 1:
      return p::make_twilio_bot();
    case 2:
      return p::make_protobuf(p::Side::client);
    default:
      return p::make_protobuf(p::Side::bot);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int which = data[0] & 3;
  const bool binary = (data[0] & 4) != 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  auto us = make(which);
  auto them = make(which ^ 1);  // the same serializer, the other side
  std::optional<p::LineMessage> message;
  try {
    message = us->deserialize(bytes, binary);
  } catch (const p::FrameError&) {
    return 0;
  }
  if (!message) return 0;
  // What was read is something the other side may send …
  bool allowed = false;
  std::visit([&](const auto& m) { allowed = us->receives<std::decay_t<decltype(m)>>(); }, *message);
  if (!allowed) std::abort();
  // … and sending it again from there reads back as the same kind (audio at a rate the wire
  // carries; a Twilio mark or digit the builders refuse is an invalid_argument, not a crash).
  try {
    if (which == 0) them->deserialize(us->open()[1].data, false);  // the bot learns the stream
    const auto wire = them->serialize(*message, {});
    const auto back = us->deserialize(wire.data, wire.binary);
    if (!back || back->index() != message->index()) std::abort();
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
