#pragma once
// The Gemini Live API's WebSocket messages (BidiGenerateContent), both directions, as the official
// clients send and expect them (shared/protocols/gemini-live.md and its section verified against
// the official JS SDK). The one place they are parsed and built: for the adapter and the fake
// server alike. Pure: text ⇄ typed messages, no I/O.
//
// Casing: we send camelCase (what js-genai sends and what the server emits; the JS SDK only ever
// reads camelCase, verified §3). We read either casing for every protocol field, at any level
// (proto3 JSON accepts both; python-genai and the cookbook send snake_case). Fields inside values
// that belong to the user (tool arguments and responses) are left exactly as they are.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace scenario::gemini::live {

/// A message that is not what the protocol says (not JSON, not an object, a missing or mistyped
/// field, bad base64, no or several client keys). The text names the message and the field.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---- Audio -------------------------------------------------------------------------------------

/// The documented native rates: 16 kHz in, 24 kHz out (16-bit little-endian mono PCM).
inline constexpr int kInputRate = 16000;
inline constexpr int kOutputRate = 24000;
/// "audio/pcm;rate=16000".
std::string pcm_mime_type(int rate);
/// The rate of an "audio/pcm;rate=N" mime type; bare "audio/pcm" (the cookbook's older sample) is
/// `default_rate`. Anything not audio/pcm, or a rate outside 8000…48000, is a ProtocolError.
int pcm_rate(std::string_view mime_type, int default_rate);

/// 16-bit little-endian PCM: samples ⇄ bytes. Decoding an odd number of bytes is a ProtocolError
/// (each Gemini blob is whole samples; there is no carry between blobs).
std::vector<std::uint8_t> pcm_bytes(const std::vector<std::int16_t>& samples);
std::vector<std::int16_t> pcm_samples(const std::vector<std::uint8_t>& bytes,
                                      std::string_view what);

// ---- Client → server
// -----------------------------------------------------------------------------

enum class Sensitivity { unspecified, high, low };

/// `setup`: must be the first message. (Not named Setup: gtest reserves that name in tests.)
struct SessionSetup {
  std::string model{};  ///< "models/<name>" ("models/" is added when missing)
  std::vector<std::string> response_modalities{"AUDIO"};
  std::string voice{};          ///< speechConfig.voiceConfig.prebuiltVoiceConfig.voiceName
  std::string language_code{};  ///< speechConfig.languageCode
  std::string system_instruction{};
  nlohmann::json tools = nlohmann::json::array();  ///< as the API takes them
  /// realtimeInputConfig.automaticActivityDetection: off means the client brackets each user turn
  /// with activityStart / activityEnd.
  bool automatic_activity_detection = true;
  Sensitivity start_of_speech = Sensitivity::unspecified;
  Sensitivity end_of_speech = Sensitivity::unspecified;
  std::optional<int> prefix_padding_ms{};
  std::optional<int> silence_duration_ms{};
  bool input_transcription = false;   ///< inputAudioTranscription {}
  bool output_transcription = false;  ///< outputAudioTranscription {}
  /// sessionResumption: present asks for resumption updates; a handle resumes that session.
  bool session_resumption = false;
  std::string resumption_handle{};
  std::optional<double> temperature{};
};

/// realtimeInput.audio: 16-bit PCM at `rate`.
struct RealtimeAudio {
  std::vector<std::int16_t> samples{};
  int rate = kInputRate;
};
struct ActivityStart {};
struct ActivityEnd {};
struct AudioStreamEnd {};
struct RealtimeText {
  std::string text{};
};
/// clientContent: turns appended to the history (as the API takes them); turnComplete starts
/// generation.
struct ClientContent {
  nlohmann::json turns = nlohmann::json::array();
  bool turn_complete = false;
};
struct FunctionResponse {
  std::string id{};
  std::string name{};
  nlohmann::json response = nlohmann::json::object();
};
struct ToolResponse {
  std::vector<FunctionResponse> function_responses{};
};
/// contextUpdate {systemInstruction, tools}: sent by js-genai 3.x (verified §4); kept as given.
struct ContextUpdate {
  nlohmann::json body = nlohmann::json::object();
};

using ClientMessage =
    std::variant<SessionSetup, RealtimeAudio, ActivityStart, ActivityEnd, AudioStreamEnd,
                 RealtimeText, ClientContent, ToolResponse, ContextUpdate>;

/// camelCase JSON text.
std::string encode(const ClientMessage& message);
/// Either casing; exactly one client key. Base64 in either alphabet, padded or not.
ClientMessage decode_client(std::string_view text);
/// "setup", "realtimeInput.audio", "toolResponse" … (for messages and logs).
std::string_view name_of(const ClientMessage& message) noexcept;

// ---- Server → client
// -----------------------------------------------------------------------------

struct SetupComplete {
  std::string session_id{};
};
struct Transcription {
  std::string text{};
  bool finished = false;
};
/// serverContent. Audio parts in order; text parts that are thoughts are kept apart (never speech).
struct ServerContent {
  struct Audio {
    std::vector<std::int16_t> samples;
    int rate = kOutputRate;
  };
  std::vector<Audio> audio{};
  std::string text{};          ///< model text parts that are not thoughts, joined
  std::string thought_text{};  ///< parts marked "thought": true
  std::optional<Transcription> input_transcription{};
  std::optional<Transcription> output_transcription{};
  bool turn_complete = false;
  bool generation_complete = false;
  bool interrupted = false;
  bool waiting_for_input = false;
  std::string turn_complete_reason{};
};
struct FunctionCall {
  std::string id{};
  std::string name{};
  nlohmann::json args = nlohmann::json::object();
};
struct ToolCall {
  std::vector<FunctionCall> function_calls{};
};
struct ToolCallCancellation {
  std::vector<std::string> ids{};
};
/// goAway: the server will end the connection after `time_left`.
struct GoAway {
  std::chrono::milliseconds time_left{0};
};
struct SessionResumptionUpdate {
  std::string new_handle{};
  bool resumable = false;
  std::optional<std::int64_t> last_consumed_client_message_index{};
};
struct UsageMetadata {
  std::int64_t prompt_tokens = 0;
  std::int64_t response_tokens = 0;
  std::int64_t total_tokens = 0;
};
/// A JSON error object (`error` {code, message, status}, or a top-level `code`): the notes'
/// "a JSON object with code that matches no known field is treated as an error".
struct ServerError {
  int code = 0;
  std::string message{};
  std::string status{};
};

/// One server message: several parts may come together (serverContent with usageMetadata).
/// Keys we do not know (newer VAD signals and the like) are ignored, not errors.
struct ServerMessage {
  std::optional<SetupComplete> setup_complete{};
  std::optional<ServerContent> server_content{};
  std::optional<ToolCall> tool_call{};
  std::optional<ToolCallCancellation> tool_call_cancellation{};
  std::optional<GoAway> go_away{};
  std::optional<SessionResumptionUpdate> session_resumption_update{};
  std::optional<UsageMetadata> usage_metadata{};
  std::optional<ServerError> error{};
};

/// camelCase JSON text, as the server sends it (the JS SDK reads nothing else, verified §3).
std::string encode(const ServerMessage& message);
/// Either casing; text of a text or a binary frame alike.
ServerMessage decode_server(std::string_view text);

/// A protobuf Duration in JSON ("10s", "1.5s", "0.250s") in milliseconds.
std::chrono::milliseconds parse_duration(std::string_view text);

}  // namespace scenario::gemini::live
