#pragma once
// What a Pipecat bot and its client say to each other, whichever of the bot's serializers carries
// it: Twilio Media Streams JSON (shared/protocols/pipecat.md §1, twilio-media-streams.md) or binary
// pipecat.Frame protobufs (§2). Like Pipecat's own FrameSerializer: one interface, one object per
// connection and side, so the adapter (the client side) and the reference bot (the bot side) hold a
// Serializer and never branch on which one it is. Pure: bytes ⇄ typed messages, no I/O; built on
// the two codecs (twilio/media_streams.hpp, pipecat/frames.hpp) and fuzzed.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/pipecat/frames.hpp"
#include "scenario/twilio/media_streams.hpp"

namespace scenario::pipecat {

/// The messages of a call between a Pipecat bot and its client. Which ones a serializer carries,
/// and in which direction, is what sends<T>() and receives<T>() say.
namespace line {
/// Audio, mono PCM16 at `sample_rate` (Twilio: 8000, μ-law on the wire).
struct Audio {
  std::vector<std::int16_t> samples{};
  int sample_rate = 0;
};
/// "Stop talking". Bot → client: Twilio `clear`, protobuf InterruptionFrame; client → bot:
/// protobuf only (Pipecat ignores a client `clear`). `by` names what carried it.
struct Interruption {
  std::string by{};
};
struct Text {  ///< protobuf TextFrame: the words the bot is saying
  std::string text{};
};
struct Transcription {  ///< protobuf TranscriptionFrame
  std::string text{};
  std::string user_id{};
  std::string timestamp{};
};
struct Message {  ///< protobuf MessageFrame (RTVI and custom JSON)
  nlohmann::json data = nlohmann::json::object();
};
struct Mark {  ///< Twilio: a bot's mark, and the client's echo once the audio before it played
  std::string name{};
};
struct Dtmf {  ///< Twilio: a key press, client → bot
  char digit = '0';
};
struct Start {  ///< Twilio: the call's stream starts (client → bot)
  twilio::StartInfo info{};
};
struct Stop {};  ///< Twilio: the stream ends (client → bot)
}  // namespace line

using LineMessage = std::variant<line::Audio, line::Interruption, line::Text, line::Transcription,
                                 line::Message, line::Mark, line::Dtmf, line::Start, line::Stop>;

/// The position of T among LineMessage's alternatives.
template <class T, std::size_t I = 0>
constexpr std::size_t index_in_line() noexcept {
  if constexpr (std::is_same_v<T, std::variant_alternative_t<I, LineMessage>>) {
    return I;
  } else {
    return index_in_line<T, I + 1>();
  }
}

/// One WebSocket message.
struct WireMessage {
  std::string data{};
  bool binary = false;
};

enum class SerializerKind { twilio, protobuf };
enum class Side { client, bot };

class Serializer {
 public:
  virtual ~Serializer() = default;
  virtual SerializerKind kind() const noexcept = 0;
  virtual Side side() const noexcept = 0;

  /// Whether this side can send messages of type T on this serializer.
  template <class T>
  bool sends() const noexcept {
    return carries(side(), index_in_line<T>());
  }
  /// Whether the other side can send them to this one.
  template <class T>
  bool receives() const noexcept {
    return carries(side() == Side::client ? Side::bot : Side::client, index_in_line<T>());
  }

  /// What this side sends as soon as the socket is open (Twilio client: `connected`, `start`).
  virtual std::vector<WireMessage> open() = 0;
  /// What this side sends before it closes (Twilio client: `stop`).
  virtual std::vector<WireMessage> close() = 0;
  /// One message from this side; `since_start` is its time since the stream started (Twilio media
  /// timestamps). Throws std::invalid_argument for a message this side cannot send (check
  /// sends<T>()) or audio at a rate the serializer does not carry.
  virtual WireMessage serialize(const LineMessage& message,
                                std::chrono::nanoseconds since_start) = 0;
  /// The hot path: audio without building a line::Audio.
  virtual WireMessage audio(std::span<const std::int16_t> samples, int sample_rate,
                            std::chrono::nanoseconds since_start) = 0;
  /// One message from the other side, or nothing for a message with no meaning to a call (Twilio
  /// `connected`). Throws FrameError saying what is wrong: bytes that do not parse, a text frame
  /// where binary ones are expected (or the reverse), a message the other side does not send.
  virtual std::optional<LineMessage> deserialize(std::string_view data, bool binary) = 0;

 protected:
  virtual bool carries(Side from, std::size_t index) const noexcept = 0;
};

/// The client side of a call (a Twilio caller towards the bot; `start` is what it announces).
std::unique_ptr<Serializer> make_twilio_client(twilio::StartInfo start);
/// The bot side of a Twilio-serialized call (learns the stream SID from `start`).
std::unique_ptr<Serializer> make_twilio_bot();
/// Either side of a protobuf-serialized call.
std::unique_ptr<Serializer> make_protobuf(Side side);

}  // namespace scenario::pipecat
