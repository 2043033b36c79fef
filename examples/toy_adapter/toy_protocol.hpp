#pragma once
// The wire codec of a toy voice protocol: the example of a user's own protocol plugged into
// scenario-cpp through the public adapter kit. Pure: bytes ⇄ typed messages, no I/O. The adapter
// (toy_adapter.cpp) and the bot (toy_bot.cpp) both use this file and nothing else to speak it.
//
// JSON text frames. Audio is base64 PCM16 little-endian, 16 kHz mono.
//   caller → bot:  {"type":"audio","pcm":…}  {"type":"commit"}  {"type":"interrupt","heard_ms":N}
//   bot → caller:  {"type":"audio","pcm":…,"reply":"r1"}  {"type":"transcript","text":…,"reply":…}
//                  {"type":"done","reply":…}  {"type":"stopped","reply":…}
//                  {"type":"error","message":…,"fatal":bool}
// The bot has no turn detection of its own: the caller commits its turn.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace toy {

inline constexpr int kSampleRate = 16000;

class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Audio {
  std::vector<std::int16_t> pcm{};
  std::string reply{};  ///< bot → caller only
};
struct Commit {};
struct Interrupt {
  std::int64_t heard_ms = 0;
};
struct Transcript {
  std::string text{};
  std::string reply{};
};
struct Done {
  std::string reply{};
};
struct Stopped {
  std::string reply{};
};
struct Error {
  std::string message{};
  bool fatal = false;
};

using Message = std::variant<Audio, Commit, Interrupt, Transcript, Done, Stopped, Error>;

/// Throws ProtocolError naming what is wrong (not JSON, unknown type, missing field, bad base64,
/// odd PCM byte count).
Message decode(std::string_view text);
std::string encode(const Message& message);

}  // namespace toy
