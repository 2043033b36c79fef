#pragma once
// A fake OpenAI Realtime server on loopback, speaking the protocol as the official clients expect
// it (shared/protocols/openai-realtime.md, "Fake-server checklist" and the section verified against
// the official JS SDKs), in either dialect (chosen by the OpenAI-Beta header, as the real one does):
// - `session.created` unprompted; partial `session.update`s merged, the whole session echoed in
//   `session.updated` (GA refuses a session without `type`, as the real server does);
// - server VAD on the received audio (our VAD; semantic_vad ends a turn after a fixed silence by
//   eagerness: high 300 ms, medium/auto 800 ms, low 1500 ms): `speech_started` / `speech_stopped` /
//   `committed`, a response when `create_response`, and with `interrupt_response` the response in
//   flight cancelled (`status:"cancelled"`, reason `turn_detected`);
// - replies as real speech (espeak-ng) streamed faster than real time with the whole event ladder
//   (`part.type` "audio", as the official schema allows), `rate_limits.updated` after
//   `response.created` (§5), usage in `response.done`;
// - function calls (the completed item in `response.output_item.done`), their outputs, cancel,
//   truncate (assistant items, `audio_end_ms` within the audio), retrieve, and `error` events for
//   what the real server refuses; close codes (beta shape disabled: 4000).
// The first audio of a reply leaves `delay` after the end of the caller's speech in the audio it
// received (timed by its samples, like a server behind a jitter buffer), so a test knows the true
// latency.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/net/event_loop.hpp"
#include "scenario/openai/realtime.hpp"

namespace scenario::fakes {

struct FakeRealtimeReply {
  std::string text = "Hello, how can I help you?";
  /// From the end of the caller's speech (in the received audio) to the first audio delta; with
  /// server VAD at least the VAD's silence_duration_ms (it cannot answer before it knows).
  std::chrono::milliseconds delay{700};
  /// Instead of speaking: call this function (the reply after its output is the next one).
  std::optional<std::string> tool_name{};
  nlohmann::json tool_arguments = nlohmann::json::object();
  /// An `error` event with this code (type invalid_request_error) instead of the reply, or before
  /// it with `reply_after_error`.
  std::optional<std::string> error_code{};
  bool reply_after_error = false;
  /// Close the connection (this code) after this many audio deltas of the reply.
  std::optional<int> close_after_deltas{};
  std::uint16_t close_code = 1011;
};

/// A script of replies as JSON: an array of objects with "text", "delay_ms", "tool" (a function
/// to call instead), "arguments", "error_code", "reply_after_error", "close_after_deltas",
/// "close_code". Throws std::invalid_argument naming the entry and field at fault.
std::vector<FakeRealtimeReply> replies_from_json(const nlohmann::json& script);

struct FakeRealtimeOptions {
  std::string api_key = "sk-fake-realtime-0123456789abcdef";
  unsigned short port = 0;  ///< 0: any free port
  /// PEM certificate chain and key: serve wss:// (the official Node client refuses ws://).
  std::string certificate_file{};
  std::string private_key_file{};
  std::string voice = "espeak/en-us";
  /// Replies stream this many times faster than real time (each delta is 100 ms of audio).
  double speed = 4.0;
  /// Refuse beta connections as the retired beta shape does (close 4000 beta_api_shape_disabled).
  bool beta_retired = false;
  /// Odd-length pcm16 deltas (the carry a client must keep).
  bool odd_deltas = false;
  /// Speak this dialect whatever the OpenAI-Beta header says (a server of one dialect: a client
  /// of the other one must notice). Unset: the header chooses, as on the real service.
  std::optional<openai::realtime::Dialect> dialect{};
};

/// What the fake saw, for assertions.
struct FakeRealtimeLog {
  std::vector<std::string> client_events{};  ///< types, in order (append included)
  std::vector<std::string> dialects{};       ///< per connection: ga or beta
  std::vector<std::string> authorizations{};  ///< "ok", "missing" or "wrong" per upgrade
  nlohmann::json session = nlohmann::json::object();  ///< the last connection's session
  std::int64_t appended_bytes = 0;
  std::vector<openai::realtime::client::TruncateItem> truncates{};
  std::vector<std::pair<std::string, std::string>> tool_outputs{};  ///< call_id, output
  std::vector<std::string> user_texts{};  ///< input_text items created by the client
  std::vector<std::int64_t> user_audio_ms{};  ///< input_audio items created by the client (ms)
  std::vector<std::string> errors_sent{};  ///< codes
  int responses = 0;
  int cancelled = 0;  ///< responses cancelled (client or turn_detected)
  std::vector<std::int64_t> speech_ends_ms{};  ///< speech_stopped audio_end_ms
  /// Per spoken reply: how much later than scheduled (speech end + delay) its first audio left.
  std::vector<double> first_audio_late_ms{};
  /// Audio (ms) of each assistant item sent, by item id.
  std::vector<std::pair<std::string, std::int64_t>> item_audio_ms{};
};

class FakeOpenAIRealtime {
 public:
  explicit FakeOpenAIRealtime(net::EventLoop& loop, FakeRealtimeOptions options = {});
  ~FakeOpenAIRealtime();
  FakeOpenAIRealtime(const FakeOpenAIRealtime&) = delete;
  FakeOpenAIRealtime& operator=(const FakeOpenAIRealtime&) = delete;

  /// ws://127.0.0.1:port/v1/realtime (wss://localhost:… with a certificate) — the adapter's
  /// base_url (it adds ?model=…).
  std::string base_url() const;
  const FakeRealtimeOptions& options() const noexcept;

  /// Queue replies, used in order; when none is queued the default reply answers.
  void push_reply(FakeRealtimeReply reply);
  void set_default_reply(FakeRealtimeReply reply);
  /// What the caller's next committed audio "said": with input transcription on in the session,
  /// sent as conversation.item.input_audio_transcription.completed for that item (the fake cannot
  /// transcribe, so the test tells it).
  void push_transcript(std::string text);
  FakeRealtimeLog log() const;
  /// Connections currently open.
  std::size_t open_connections() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace scenario::fakes
