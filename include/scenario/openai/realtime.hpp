#pragma once
// The OpenAI Realtime API's WebSocket messages, both directions and both dialects, as the official
// clients send and expect them (shared/protocols/openai-realtime.md, and its section verified
// against the official JS SDKs). The one place they are parsed and built: used by the adapter, the
// fake Realtime server and the Realtime user simulator alike. Pure: text ⇄ typed events, no I/O.
//
// GA (default): `session.type:"realtime"`, nested `session.audio.{input,output}`, object audio
// formats, `response.output_audio.*`. Beta (`OpenAI-Beta: realtime=v1`): flat session, string
// formats, `response.audio.*`. Decoding accepts either name for the renamed events (a GA client
// that only listened for the beta names would hear silence: the doc's "Dialect mismatch").

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace scenario::openai::realtime {

/// A message that is not what the protocol says (not JSON, no `type`, a missing or mistyped
/// field, bad base64). The text names the event and the field.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Dialect { ga, beta };
std::string_view to_string(Dialect dialect) noexcept;

// ---- Audio -------------------------------------------------------------------------------------

/// pcm16 is 16-bit little-endian mono at 24 kHz (the only rate `audio/pcm` allows); G.711 is 8 kHz.
enum class AudioFormat { pcm16, g711_ulaw, g711_alaw };
int sample_rate(AudioFormat format) noexcept;
/// Wire bytes per millisecond (pcm16: 48, G.711: 8).
int bytes_per_ms(AudioFormat format) noexcept;
/// Beta: "pcm16" / "g711_ulaw" / "g711_alaw". GA: {"type":"audio/pcm","rate":24000} /
/// {"type":"audio/pcmu"} / {"type":"audio/pcma"}.
nlohmann::json format_to_json(AudioFormat format, Dialect dialect);
/// Either shape; a GA `audio/pcm` at a rate other than 24000 is a ProtocolError.
AudioFormat format_from_json(const nlohmann::json& value);

/// Samples (at the format's rate) to the bytes `append` carries (before base64).
std::vector<std::uint8_t> encode_audio(std::span<const std::int16_t> samples, AudioFormat format);

/// Wire bytes back to samples, one object per stream of deltas: pcm16 deltas of odd length keep
/// their last byte for the next delta (field reports: odd-length deltas and appends).
class AudioDecoder {
 public:
  explicit AudioDecoder(AudioFormat format) : format_(format) {}
  void decode(std::span<const std::uint8_t> bytes, std::vector<std::int16_t>& out);
  /// A byte still waiting for its pair (pcm16): the stream ended on half a sample.
  bool has_carry() const noexcept { return carry_.has_value(); }
  void reset() noexcept { carry_.reset(); }
  AudioFormat format() const noexcept { return format_; }

 private:
  AudioFormat format_;
  std::optional<std::uint8_t> carry_{};
};

// ---- Session -----------------------------------------------------------------------------------

enum class TurnDetectionType { none, server_vad, semantic_vad };
std::string_view to_string(TurnDetectionType type) noexcept;

struct TurnDetection {
  TurnDetectionType type = TurnDetectionType::server_vad;
  double threshold = 0.5;  // server_vad
  int prefix_padding_ms = 300;
  int silence_duration_ms = 500;
  std::optional<int> idle_timeout_ms{};  // GA server_vad
  std::string eagerness = "auto";        // semantic_vad: low, medium, high, auto
  bool create_response = true;
  bool interrupt_response = true;
};

struct Tool {
  std::string name{};
  std::string description{};
  nlohmann::json parameters = {{"type", "object"}, {"properties", nlohmann::json::object()}};
};

/// What a client asks for in `session.update`, and what it learns back from `session.updated`.
struct Session {
  std::string model{};  // GA only (beta takes it from the URL)
  std::string instructions{};
  std::string voice = "alloy";
  AudioFormat input_format = AudioFormat::pcm16;
  AudioFormat output_format = AudioFormat::pcm16;
  std::string transcription_model{};  // empty: no input transcription
  TurnDetection turn_detection{};
  std::vector<Tool> tools{};
  std::string tool_choice = "auto";
};

/// The `session` object of a `session.update`, in the dialect's shape.
nlohmann::json session_to_json(const Session& session, Dialect dialect);
/// A `session` object of either shape (`session.created` / `session.updated`): unknown fields are
/// ignored, known ones of the wrong type are a ProtocolError.
Session session_from_json(const nlohmann::json& session);
/// A server's merge of a partial `session.update` into its session: objects merge key by key
/// (so `audio.input.format` leaves `audio.output` alone), except objects with a `type` (formats,
/// turn detection), which replace the old value whole, as do `null` and other values.
void merge_session(nlohmann::json& session, const nlohmann::json& update);

// ---- Conversation items ------------------------------------------------------------------------

struct ContentPart {
  /// input_text, input_audio (user); beta text/audio, GA output_text/output_audio (assistant).
  std::string type{};
  std::string text{};
  std::optional<std::string> transcript{};
  std::vector<std::uint8_t> audio{};  ///< input_audio: wire bytes in the input format
};

struct Item {
  std::string id{};
  std::string type = "message";  // message, function_call, function_call_output
  std::string role{};            // message: user, assistant, system
  std::string status{};          // completed, in_progress, incomplete
  std::vector<ContentPart> content{};
  // function_call
  std::string call_id{};
  std::string name{};
  std::string arguments{};
  // function_call_output
  std::string output{};
};
nlohmann::json item_to_json(const Item& item);
Item item_from_json(const nlohmann::json& item, std::string_view event);

// ---- Client → server ---------------------------------------------------------------------------

namespace client {
struct SessionUpdate {
  nlohmann::json session = nlohmann::json::object();  // partial updates are allowed
};
struct AppendAudio {
  std::vector<std::uint8_t> audio{};  // wire bytes in the session's input format
};
struct CommitAudio {};
struct ClearAudio {};
struct CreateItem {
  Item item{};
  std::optional<std::string> previous_item_id{};
};
struct TruncateItem {
  std::string item_id{};
  int content_index = 0;
  std::int64_t audio_end_ms = 0;
};
struct RetrieveItem {
  std::string item_id{};
};
struct DeleteItem {
  std::string item_id{};
};
struct CreateResponse {
  nlohmann::json response = nullptr;  // optional overrides (instructions, tools, ...)
};
struct CancelResponse {
  std::string response_id{};  // empty: the one in flight
};
}  // namespace client

using ClientEvent = std::variant<client::SessionUpdate, client::AppendAudio, client::CommitAudio,
                                 client::ClearAudio, client::CreateItem, client::TruncateItem,
                                 client::RetrieveItem, client::DeleteItem, client::CreateResponse,
                                 client::CancelResponse>;

/// The event's `type` on the wire (the same in both dialects).
std::string_view type_of(const ClientEvent& event) noexcept;
/// One text frame; `event_id` is optional for clients.
std::string encode(const ClientEvent& event, std::string_view event_id = {});
/// The largest `input_audio_buffer.append` (bytes before base64) that stays within the 15 MiB a
/// message may carry.
inline constexpr std::size_t kMaxAppendBytes = (15u * 1024 * 1024 - 64) / 4 * 3;

/// The uplink's hot path: one caller frame to its `input_audio_buffer.append` text, the same
/// frame encode(client::AppendAudio{encode_audio(samples, format)}) gives, built into buffers
/// reused from frame to frame (no JSON tree, no allocation once warm).
class AppendEncoder {
 public:
  explicit AppendEncoder(AudioFormat format) : format_(format) {}
  /// Valid until the next call.
  const std::string& frame(std::span<const std::int16_t> samples);

 private:
  AudioFormat format_;
  std::vector<std::uint8_t> bytes_;
  std::string text_;
};

struct ClientMessage {
  std::string event_id{};
  ClientEvent event{};
};
/// A client's frame, as a server reads it. Throws ProtocolError; an unknown `type` too (the real
/// server answers it with an `error` event, which is what the fake does with the message).
ClientMessage decode_client(std::string_view text);

// ---- Server → client ---------------------------------------------------------------------------

struct Usage {
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t total_tokens = 0;
  Usage& operator+=(const Usage& more) noexcept {
    input_tokens += more.input_tokens;
    output_tokens += more.output_tokens;
    total_tokens += more.total_tokens;
    return *this;
  }
};

enum class ResponseStatus { in_progress, completed, cancelled, incomplete, failed };
std::string_view to_string(ResponseStatus status) noexcept;

struct Response {
  std::string id{};
  ResponseStatus status = ResponseStatus::in_progress;
  std::string status_reason{};  // turn_detected, client_cancelled, max_output_tokens, ...
  std::string error_message{};  // status failed
  std::vector<Item> output{};
  std::optional<Usage> usage{};
};

/// Where an output event belongs.
struct OutputRef {
  std::string response_id{};
  std::string item_id{};
  int output_index = 0;
  int content_index = 0;
};

namespace server {
struct SessionCreated {
  nlohmann::json session{};
};
struct SessionUpdated {
  nlohmann::json session{};
};
struct SpeechStarted {
  std::int64_t audio_start_ms = 0;
  std::string item_id{};
};
struct SpeechStopped {
  std::int64_t audio_end_ms = 0;
  std::string item_id{};
};
struct AudioCommitted {
  std::string item_id{};
  std::optional<std::string> previous_item_id{};
};
struct AudioCleared {};
/// beta `conversation.item.created`; GA `conversation.item.added` and `.done`.
struct ItemAdded {
  enum class Stage { created, added, done } stage = Stage::created;
  Item item{};
  std::optional<std::string> previous_item_id{};
};
struct ItemTruncated {
  std::string item_id{};
  int content_index = 0;
  std::int64_t audio_end_ms = 0;
};
struct ItemRetrieved {
  Item item{};
};
struct ItemDeleted {
  std::string item_id{};
};
struct InputTranscriptionDelta {
  std::string item_id{};
  int content_index = 0;
  std::string delta{};
};
struct InputTranscriptionCompleted {
  std::string item_id{};
  int content_index = 0;
  std::string transcript{};
};
struct InputTranscriptionFailed {
  std::string item_id{};
  int content_index = 0;
  std::string message{};
};
struct ResponseCreated {
  Response response{};
};
struct OutputItemAdded {
  std::string response_id{};
  int output_index = 0;
  Item item{};
};
struct OutputItemDone {
  std::string response_id{};
  int output_index = 0;
  Item item{};
};
struct ContentPartAdded {
  OutputRef ref{};
  ContentPart part{};
};
struct ContentPartDone {
  OutputRef ref{};
  ContentPart part{};
};
struct AudioDelta {
  OutputRef ref{};
  std::vector<std::uint8_t> audio{};  // wire bytes in the session's output format
};
struct AudioDone {
  OutputRef ref{};
};
struct TranscriptDelta {
  OutputRef ref{};
  std::string delta{};
};
struct TranscriptDone {
  OutputRef ref{};
  std::string transcript{};
};
struct TextDelta {
  OutputRef ref{};
  std::string delta{};
};
struct TextDone {
  OutputRef ref{};
  std::string text{};
};
struct FunctionArgumentsDelta {
  OutputRef ref{};
  std::string call_id{};
  std::string delta{};
};
struct FunctionArgumentsDone {
  OutputRef ref{};
  std::string call_id{};
  std::string name{};  // GA only
  std::string arguments{};
};
struct ResponseDone {
  Response response{};
};
struct RateLimit {
  std::string name{};  // requests, tokens
  double limit = 0;
  double remaining = 0;
  double reset_seconds = 0;
};
struct RateLimitsUpdated {
  std::vector<RateLimit> rate_limits{};
};
struct Error {
  std::string type{};  // invalid_request_error, server_error, ...
  std::string code{};
  std::string message{};
  std::string param{};
  std::string event_id{};  // the client event that caused it
};
/// A server event this codec does not model (mcp_*, transcription segments, WebRTC-only ones).
struct Other {
  std::string type{};
};
}  // namespace server

using ServerEvent =
    std::variant<server::SessionCreated, server::SessionUpdated, server::SpeechStarted,
                 server::SpeechStopped, server::AudioCommitted, server::AudioCleared,
                 server::ItemAdded, server::ItemTruncated, server::ItemRetrieved,
                 server::ItemDeleted, server::InputTranscriptionDelta,
                 server::InputTranscriptionCompleted, server::InputTranscriptionFailed,
                 server::ResponseCreated, server::OutputItemAdded, server::OutputItemDone,
                 server::ContentPartAdded, server::ContentPartDone, server::AudioDelta,
                 server::AudioDone, server::TranscriptDelta, server::TranscriptDone,
                 server::TextDelta, server::TextDone, server::FunctionArgumentsDelta,
                 server::FunctionArgumentsDone, server::ResponseDone, server::RateLimitsUpdated,
                 server::Error, server::Other>;

/// The event's `type` in `dialect` (the renamed output events differ).
std::string type_of(const ServerEvent& event, Dialect dialect);
/// One text frame as the server sends it; every server event carries an `event_id`.
std::string encode(const ServerEvent& event, Dialect dialect, std::string_view event_id);

struct ServerMessage {
  std::string event_id{};
  std::string type{};  // as received
  ServerEvent event{};
};
/// A server's frame, as a client reads it: either dialect's names. Throws ProtocolError for a
/// frame that is not JSON, has no `type` or lacks a field the event needs; unknown types decode
/// as server::Other.
ServerMessage decode_server(std::string_view text);

}  // namespace scenario::openai::realtime
