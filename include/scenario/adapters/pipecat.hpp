#pragma once
// PipecatAgentAdapter: we play Twilio towards a Pipecat bot (FastAPIWebsocketTransport +
// TwilioFrameSerializer), as described in shared/protocols/pipecat.md §1.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "scenario/net/event_loop.hpp"
#include "scenario/net/pacing.hpp"
#include "scenario/voice/adapter.hpp"

namespace scenario::adapters {

struct PipecatOptions {
  /// The bot's WebSocket, e.g. ws://localhost:7860/ws (wss is verified; no query string needed).
  std::string url{};
  /// Shown to the bot as start.customParameters (Twilio's <Parameter>s).
  std::map<std::string, std::string> custom_parameters{};
  /// Extra upgrade headers (e.g. Authorization for --ws-auth); values never appear in errors.
  std::vector<std::pair<std::string, std::string>> headers{};
  /// PEM file of trusted CAs for wss (default: the system store).
  std::string ca_file{};
  /// SIDs shown to the bot; generated (AC/CA/MZ + 32 hex) when empty.
  std::string account_sid{};
  std::string call_sid{};
  std::string stream_sid{};
  VoiceTurnOptions turn{};
  std::chrono::milliseconds connect_timeout{10000};
  /// The network loop (default: the process-wide one).
  net::EventLoop* loop = nullptr;
};

/// What the adapter saw on its stream.
struct PipecatStats {
  std::uint64_t frames_sent = 0;     ///< media frames to the bot (caller audio + silence)
  std::uint64_t silence_frames = 0;  ///< of which silence while the caller was quiet
  std::uint64_t media_received = 0;
  std::uint64_t clears = 0;
  std::uint64_t marks_echoed = 0;
  std::uint64_t malformed = 0;  ///< messages from the bot that broke the protocol (kept going)
  std::string last_error{};
  net::LatenessHistogram pacing{};  ///< how late each 20 ms frame left
};

class PipecatAgentAdapter : public VoiceAgentAdapter {
 public:
  explicit PipecatAgentAdapter(PipecatOptions options);
  ~PipecatAgentAdapter() override;

  std::string name() const override { return "pipecat"; }
  /// DTMF (dtmf events), native VAD (the bot detects turns); no native interruption (a client
  /// `clear` is ignored by Pipecat: interrupting is barge-in); no transcripts; μ-law 8 kHz.
  AdapterCapabilities capabilities() const override;
  void connect(std::shared_ptr<Clock> clock) override;
  void disconnect() override;
  void send_audio(const audio::AudioChunk& frame) override;
  std::optional<TransportEvent> receive(std::chrono::nanoseconds deadline) override;
  void send_dtmf(std::string_view digits) override;

  PipecatStats stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace scenario::adapters
