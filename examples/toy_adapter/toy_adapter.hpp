#pragma once
// A user-written adapter for the toy protocol (toy_protocol.hpp), built only from scenario-cpp's
// public adapter kit:
//   scenario/voice/adapter.hpp              the contract (VoiceAgentAdapter) and HeardSoFar
//   scenario/voice/transport_event.hpp      typed events the runtime understands
//   scenario/voice/streaming_transport.hpp  StreamingVoiceAdapter: the call's events, numbering,
//                                           uplink pacing and figures; only the protocol is left
//   scenario/net/websocket.hpp              WebSocket client (TLS verified) on a shared event loop
// Copy it to write an adapter for your own agent's protocol.

#include <memory>
#include <optional>
#include <string>

#include "scenario/net/websocket.hpp"
#include "scenario/voice/adapter.hpp"
#include "scenario/voice/streaming_transport.hpp"

namespace toy {

struct ToyAdapterOptions {
  std::string url{};  ///< ws://… or wss://… of the bot
  scenario::VoiceTurnOptions turn{};
  scenario::net::EventLoop* loop = nullptr;  ///< default: the process-wide loop
};

class ToyAdapter : public scenario::StreamingVoiceAdapter {
 public:
  explicit ToyAdapter(ToyAdapterOptions options);
  ~ToyAdapter() override;

  std::string name() const override { return "toy"; }
  /// No VAD on the bot (the caller commits its turn), streaming transcripts, native interrupt
  /// told how much was heard; PCM16 16 kHz both ways.
  scenario::AdapterCapabilities capabilities() const override;
  void connect(std::shared_ptr<scenario::Clock> clock) override;
  void disconnect() override;
  void commit_user_turn() override;
  void interrupt(const scenario::HeardSoFar& heard) override;
  /// Frames sent (caller audio and silence), how late they left, malformed messages.
  scenario::StreamingTransportStats stats() const;

 private:
  ToyAdapterOptions options_;
  std::shared_ptr<scenario::net::WsConnection> socket_;
};

}  // namespace toy
