#pragma once
// PipecatAgentAdapter: a client of a Pipecat bot's WebSocket, with either of the bot's serializers:
// we play Twilio towards it (FastAPIWebsocketTransport + TwilioFrameSerializer,
// shared/protocols/pipecat.md §1), or we speak pipecat.Frame protobufs (`-t websocket`, §2).

#include <chrono>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "scenario/net/event_loop.hpp"
#include "scenario/net/pacing.hpp"
#include "scenario/voice/streaming_transport.hpp"

namespace scenario::adapters {

/// The serializer the bot's transport uses.
enum class PipecatSerializer {
  twilio,   ///< Twilio Media Streams JSON, μ-law 8 kHz, dtmf events, marks, clear
  protobuf  ///< binary pipecat.Frame: PCM16 at the bot's rates, InterruptionFrame, no DTMF events
};

struct PipecatOptions {
  /// The bot's WebSocket, e.g. ws://localhost:7860/ws (wss is verified; no query string needed).
  std::string url{};
  PipecatSerializer serializer = PipecatSerializer::twilio;
  /// protobuf: the bot's pipeline input rate. Pipecat does not resample input, so caller audio
  /// goes out at exactly this rate (default 16000, Pipecat's default).
  int input_sample_rate = 16000;
  /// protobuf: interrupt natively with an InterruptionFrame. Bots older than May 2026 (pipecat
  /// aa510c9a5) cannot parse it: set false to interrupt by barge-in only.
  bool interruption_frames = true;
  /// twilio: shown to the bot as start.customParameters (Twilio's <Parameter>s).
  std::map<std::string, std::string> custom_parameters{};
  /// Extra upgrade headers (e.g. Authorization for --ws-auth); values never appear in errors.
  std::vector<std::pair<std::string, std::string>> headers{};
  /// PEM file of trusted CAs for wss (default: the system store).
  std::string ca_file{};
  /// twilio: SIDs shown to the bot; generated (AC/CA/MZ + 32 hex) when empty.
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
  std::uint64_t frames_sent = 0;     ///< audio frames to the bot (caller audio + silence)
  std::uint64_t silence_frames = 0;  ///< of which silence while the caller was quiet
  std::uint64_t media_received = 0;  ///< audio frames from the bot
  std::uint64_t clears = 0;          ///< twilio: `clear` from the bot
  std::uint64_t marks_echoed = 0;    ///< twilio
  /// twilio: marks still waiting for their echo when the bot closed the call's connection: a bot
  /// that hung up before its last words played out (they are not echoed and not on the timeline).
  /// Our own hang-up does not count.
  std::uint64_t marks_unheard_at_close = 0;
  std::uint64_t interruptions = 0;   ///< protobuf: InterruptionFrames from the bot
  std::uint64_t messages = 0;        ///< protobuf: message, text and transcription frames
  std::uint64_t malformed = 0;       ///< messages from the bot that broke the protocol (kept going)
  std::string last_error{};
  net::LatenessHistogram pacing{};  ///< how late each 20 ms frame left
};

class PipecatAgentAdapter : public StreamingVoiceAdapter {
 public:
  explicit PipecatAgentAdapter(PipecatOptions options);
  ~PipecatAgentAdapter() override;

  std::string name() const override { return "pipecat"; }
  /// twilio: DTMF (dtmf events), native VAD (the bot detects turns); no native interruption (a
  /// client `clear` is ignored by Pipecat: interrupting is barge-in); no transcripts; μ-law 8 kHz.
  /// protobuf: native VAD; native interruption with `interruption_frames`; no DTMF events (key
  /// presses go in-band as tones); PCM16 at `input_sample_rate` in, PCM16 24 kHz out.
  AdapterCapabilities capabilities() const override;
  void connect(std::shared_ptr<Clock> clock) override;
  void disconnect() override;
  void send_dtmf(std::string_view digits) override;
  /// protobuf with `interruption_frames`: sends an InterruptionFrame (Pipecat drops what it has
  /// not played; it has no use for how much was heard).
  void interrupt(const HeardSoFar& heard) override;

  PipecatStats stats() const;

  struct Impl;

 protected:
  void check_can_send() const override;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace scenario::adapters
