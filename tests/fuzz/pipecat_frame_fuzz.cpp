// Binary WebSocket messages from a Pipecat bot (or client): decode_frame must throw FrameError or
// give a frame that encodes, and whose encoding decodes and re-encodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scenario/pipecat/frames.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  scenario::pipecat::Frame frame;
  try {
    frame = scenario::pipecat::decode_frame(bytes);
  } catch (const scenario::pipecat::FrameError&) {
    return 0;
  }
  const std::string once = scenario::pipecat::encode_frame(frame);
  const auto again = scenario::pipecat::decode_frame(once);
  if (again.index() != frame.index() || scenario::pipecat::encode_frame(again) != once)
    std::abort();
  return 0;
}
