#pragma once
// Pipecat's protobuf WebSocket serializer: one `pipecat.Frame` per binary WebSocket message
// (shared/protocols/pipecat.md §2). Encoding and decoding on libprotobuf; used by the Pipecat
// adapter's protobuf transport and by the reference bot. Protobuf types stay in the .cpp.

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace scenario::pipecat {

/// Bytes that are not a usable pipecat.Frame (not protobuf, no frame set, audio that is not
/// PCM16 as described, a message that is not JSON). Says what was expected and what was found.
class FrameError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Raw PCM16 audio (little-endian on the wire), interleaved when num_channels > 1. A decoded
/// frame's rate is always one audio::Resampler takes (4000-384000 Hz), with 1-8 channels.
struct AudioFrame {
  std::vector<std::int16_t> samples{};
  int sample_rate = 0;
  int num_channels = 1;
  std::optional<std::uint64_t> pts{};
  std::uint64_t id = 0;
  std::string name{};
  /// Decoding only: the chunk was a WAV file (`add_wav_header=True` bots); samples are its data.
  bool had_wav_header = false;
};

struct TextFrame {
  std::string text{};
  std::uint64_t id = 0;
  std::string name{};
};

struct TranscriptionFrame {
  std::string text{};
  std::string user_id{};
  std::string timestamp{};
  std::uint64_t id = 0;
  std::string name{};
};

/// Transport messages (RTVI and custom JSON); `data` travels as JSON text.
struct MessageFrame {
  nlohmann::json data = nlohmann::json::object();
};

/// "Stop talking": sent by a client to interrupt the bot, and by the bot when it was interrupted.
struct InterruptionFrame {
  std::uint64_t id = 0;
  std::string name{};
};

using Frame =
    std::variant<AudioFrame, TextFrame, TranscriptionFrame, MessageFrame, InterruptionFrame>;

/// The oneof's name of a frame kind: "audio", "text", "transcription", "message", "interruption".
std::string_view kind_name(const Frame& frame) noexcept;

/// The frame's samples as one channel (channels averaged when there are several).
std::vector<std::int16_t> mono_samples(AudioFrame&& frame);

/// Decodes one binary WebSocket message. Throws FrameError on anything that is not a frame this
/// library can use; never reads out of bounds.
Frame decode_frame(std::string_view bytes);

/// Encodes one frame as Pipecat's serializer does (zero and empty fields omitted). Throws
/// std::invalid_argument for audio whose sample count does not fit its channel count, or a
/// sample rate / channel count of zero.
std::string encode_frame(const Frame& frame);

/// The common case without copying samples into an AudioFrame first.
std::string encode_audio(std::span<const std::int16_t> samples, int sample_rate,
                         int num_channels = 1);

}  // namespace scenario::pipecat
