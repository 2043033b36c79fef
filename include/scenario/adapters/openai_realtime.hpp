#pragma once
// OpenAIRealtimeAdapter: the agent under test is an OpenAI Realtime session over WebSocket
// (shared/protocols/openai-realtime.md, and its section verified against the official JS SDKs).
//
// The caller's audio goes out as `input_audio_buffer.append`, one 20 ms frame per slot of the
// transport's pacer (silence in between when the server detects turns, as its VAD needs a stream);
// the reply comes back as audio deltas, placed on the playout cursor where the caller hears them.
// With turn detection off, the runtime's commit_user_turn() sends `input_audio_buffer.commit` and
// `response.create` right behind the caller's last frame. Interrupting cancels the response in
// flight (only then, as the official clients do) and truncates the item to what the caller heard.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "scenario/agent.hpp"
#include "scenario/audio/chunk.hpp"
#include "scenario/net/event_loop.hpp"
#include "scenario/net/pacing.hpp"
#include "scenario/openai/realtime.hpp"
#include "scenario/voice/streaming_transport.hpp"

namespace scenario::adapters {

struct OpenAIRealtimeOptions {
  /// The Realtime endpoint; `?model=` is added. A fake or a proxy goes here.
  std::string base_url = "wss://api.openai.com/v1/realtime";
  std::string model = "gpt-realtime";
  /// A secret: only ever in the Authorization header. Empty: the OPENAI_API_KEY variable.
  std::string api_key{};
  /// GA (default) or beta (`OpenAI-Beta: realtime=v1`: flat session, `response.audio.*`).
  openai::realtime::Dialect dialect = openai::realtime::Dialect::ga;
  /// What `session.update` asks for: instructions, voice, tools, audio formats (pcm16 24 kHz,
  /// G.711 μ-law / A-law 8 kHz), input transcription, turn detection (server_vad, semantic_vad or
  /// none). The server's `session.updated` is what the run then records and follows.
  openai::realtime::Session session{};
  /// PEM file of trusted CAs for wss (default: the system store). Hosts are always verified.
  std::string ca_file{};
  /// Interrupt natively (cancel + truncate). False: the caller interrupts by speaking over the
  /// agent, and the server's VAD (interrupt_response) is what stops it, as on a phone line.
  bool native_interrupt = true;
  std::chrono::milliseconds connect_timeout{10000};
  /// How long connect() waits for the server to confirm the session.
  std::chrono::milliseconds session_timeout{10000};
  VoiceTurnOptions turn{};
  /// The network loop (default: the process-wide one).
  net::EventLoop* loop = nullptr;
};

/// What the adapter saw, summed over its runs.
struct OpenAIRealtimeStats {
  std::uint64_t responses = 0;          ///< response.done received
  std::uint64_t cancelled = 0;          ///< of which cancelled (by us or by the server's VAD)
  std::uint64_t cancels_sent = 0;       ///< response.cancel
  std::uint64_t truncates_sent = 0;     ///< conversation.item.truncate
  std::uint64_t audio_deltas = 0;
  std::uint64_t tool_calls = 0;
  std::uint64_t tool_results_sent = 0;
  std::uint64_t errors = 0;             ///< `error` events
  std::uint64_t malformed = 0;          ///< frames that broke the protocol (skipped)
  openai::realtime::Usage usage{};      ///< tokens from every response.done
  std::string last_error{};
  nlohmann::json session = nullptr;     ///< the last session.updated: what the server runs
  net::LatenessHistogram pacing{};      ///< how late each 20 ms frame left
};

class OpenAIRealtimeAdapter : public StreamingVoiceAdapter {
 public:
  explicit OpenAIRealtimeAdapter(OpenAIRealtimeOptions options);
  ~OpenAIRealtimeAdapter() override;

  std::string name() const override { return "openai-realtime"; }
  /// Streaming transcripts; native VAD unless turn detection is off; native interruption; no DTMF
  /// (a WebSocket session has no key presses: send in-band tones); the session's audio formats.
  AdapterCapabilities capabilities() const override;
  /// Connects, sends the session, and returns once the server confirmed it (session.updated).
  /// Throws net::NetError when the server cannot be reached or refuses the upgrade, and
  /// std::runtime_error when it refuses the session (its message says why).
  void connect(std::shared_ptr<Clock> clock) override;
  void disconnect() override;
  /// response.cancel when a response is in flight, then conversation.item.truncate to what the
  /// caller heard (never more than the audio received).
  void interrupt(const HeardSoFar& heard) override;
  /// Turn detection off: commit + response.create right behind the caller's last frame.
  void commit_user_turn() override;
  /// conversation.item.create{function_call_output}; the response.create follows once the
  /// response that asked has finished (one response at a time, as the server requires).
  void send_tool_result(const std::string& call_id, const nlohmann::json& result) override;

  OpenAIRealtimeStats stats() const;

  struct Impl;

 protected:
  void check_can_send() const override;

 private:
  std::shared_ptr<Impl> impl_;
};

struct OpenAIRealtimeUserOptions {
  std::string base_url = "wss://api.openai.com/v1/realtime";
  std::string model = "gpt-realtime";
  std::string api_key{};  ///< a secret, as for the agent; empty: OPENAI_API_KEY
  openai::realtime::Dialect dialect = openai::realtime::Dialect::ga;
  std::string voice = "alloy";
  /// Who the caller is, added to the instructions after the scenario's description.
  std::string persona{};
  std::string ca_file{};
  std::chrono::milliseconds connect_timeout{10000};
  /// A reply (the whole response) taking longer than this fails the turn.
  std::chrono::milliseconds reply_timeout{30000};
  net::EventLoop* loop = nullptr;
};

/// A Realtime model as the caller (the user simulator of a voice run): it hears the agent's audio
/// (each agent reply goes in as an `input_audio` item, or its text when there is no audio),
/// plays the caller described by the scenario's description and `persona`, and answers with
/// speech, which the run sends down the line as it is. Scripted lines can be spoken in its voice
/// too: `user("text", {.voice = realtime_user->voice()})` has the model say exactly that text.
/// Turns are the run's (turn detection off); one WebSocket session per run.
class OpenAIRealtimeUser : public AgentAdapter {
 public:
  explicit OpenAIRealtimeUser(OpenAIRealtimeUserOptions options);
  ~OpenAIRealtimeUser() override;
  AgentRole role() const override { return AgentRole::user; }
  std::string name() const override { return "openai-realtime-user"; }
  AgentReply call(const AgentInput& input) override;
  /// Has the model say `text` word for word (canonical audio, with the transcript).
  audio::AudioChunk say(std::string_view text);
  /// The voice name ("openai-realtime-user/N") under which say() is registered as a TTS provider.
  const std::string& voice() const noexcept;
  /// Tokens of every response so far.
  openai::realtime::Usage usage() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace scenario::adapters
