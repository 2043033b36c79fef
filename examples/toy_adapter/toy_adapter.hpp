#pragma once
// A user-written adapter for the toy protocol (toy_protocol.hpp), built only from scenario-cpp's
// public adapter kit:
//   scenario/voice/adapter.hpp          the contract (VoiceAgentAdapter) and HeardSoFar
//   scenario/voice/transport_event.hpp  typed events the runtime understands
//   scenario/voice/event_queue.hpp      network thread → session thread, waited on the run clock
//   scenario/voice/uplink_framer.hpp    canonical caller audio → exact 20 ms frames at the wire
//   rate scenario/net/websocket.hpp          WebSocket client (TLS verified) on a shared event loop
// Copy it to write an adapter for your own agent's protocol.

#include <memory>
#include <string>

#include "scenario/net/event_loop.hpp"
#include "scenario/voice/adapter.hpp"

namespace toy {

struct ToyAdapterOptions {
  std::string url{};  ///< ws://… or wss://… of the bot
  scenario::VoiceTurnOptions turn{};
  scenario::net::EventLoop* loop = nullptr;  ///< default: the process-wide loop
};

class ToyAdapter : public scenario::VoiceAgentAdapter {
 public:
  explicit ToyAdapter(ToyAdapterOptions options);
  ~ToyAdapter() override;

  std::string name() const override { return "toy"; }
  /// No VAD on the bot (the caller commits its turn), streaming transcripts, native interrupt
  /// told how much was heard; PCM16 16 kHz both ways.
  scenario::AdapterCapabilities capabilities() const override;
  void connect(std::shared_ptr<scenario::Clock> clock) override;
  void disconnect() override;
  void send_audio(const scenario::audio::AudioChunk& frame) override;
  void end_of_audio() override;
  std::chrono::nanoseconds uplink_delay() const override;
  void commit_user_turn() override;
  std::optional<scenario::TransportEvent> receive(std::chrono::nanoseconds deadline) override;
  void interrupt(const scenario::HeardSoFar& heard) override;

 private:
  struct Connection;
  void send(const std::string& text);
  ToyAdapterOptions options_;
  std::shared_ptr<scenario::Clock> clock_;
  std::shared_ptr<Connection> connection_;
};

}  // namespace toy
