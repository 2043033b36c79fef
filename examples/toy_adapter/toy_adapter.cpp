#include "toy_adapter.hpp"

#include "scenario/net/websocket.hpp"
#include "toy_protocol.hpp"

namespace toy {

using namespace scenario;

namespace {

// One message from the bot, as the runtime's typed event.
TransportEvent::Body event_of(Message& m) {
  return std::visit(
      Overloaded{[](Audio& a) -> TransportEvent::Body {
                   return transport::AgentAudio{.samples = std::move(a.pcm),
                                                .sample_rate = kSampleRate,
                                                .response_id = a.reply};
                 },
                 [](Transcript& t) -> TransportEvent::Body {
                   return transport::TranscriptDelta{.text = t.text, .response_id = t.reply};
                 },
                 [](Done& d) -> TransportEvent::Body {
                   return transport::TurnEnded{.response_id = d.reply};
                 },
                 [](Stopped& s) -> TransportEvent::Body {
                   return transport::AgentStopped{.by = "toy stopped", .response_id = s.reply};
                 },
                 [](Error& e) -> TransportEvent::Body {
                   return transport::Error{.severity = e.fatal ? transport::Severity::fatal
                                                               : transport::Severity::recoverable,
                                           .message = "toy bot: " + e.message};
                 },
                 [](auto&) -> TransportEvent::Body {
                   return transport::Error{.severity = transport::Severity::recoverable,
                                           .message = "toy: the bot sent a caller-side message"};
                 }},
      m);
}

}  // namespace

ToyAdapter::ToyAdapter(ToyAdapterOptions options)
    // The bot has no VAD of its own: between utterances the line carries nothing.
    : StreamingVoiceAdapter(options.turn,
                            {.idle = IdleUplink::nothing, .name = "toy"}),
      options_(std::move(options)) {}

ToyAdapter::~ToyAdapter() {
  try {
    disconnect();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

AdapterCapabilities ToyAdapter::capabilities() const {
  const audio::AudioFormat wire{audio::Encoding::pcm16, kSampleRate, 1};
  return {.streaming_transcripts = true,
          .native_vad = false,
          .dtmf = false,
          .native_interruption = true,
          .input_format = wire,
          .output_format = wire,
          .uplink = UplinkPacing::transport};
}

void ToyAdapter::connect(std::shared_ptr<Clock> clock) {
  disconnect();
  auto& loop = options_.loop != nullptr ? *options_.loop : net::EventLoop::shared();
  try {
    socket_ = net::ws_connect(loop, options_.url);
  } catch (const net::NetError& e) {
    throw net::NetError(std::string("toy: cannot reach the bot: ") + e.what());
  }
  // The call's number goes with every push: once a later call has begun, whatever this
  // connection still delivers is dropped by the transport.
  const auto call = begin_call(std::move(clock));
  std::weak_ptr<StreamingTransport> weak = transport();
  socket_->start({.on_message =
                      [weak, call](std::string data, bool binary) {
                        auto transport = weak.lock();
                        if (!transport) return;
                        if (binary) return transport->malformed(call, "toy: binary frame");
                        try {
                          auto m = decode(data);
                          transport->push(call, event_of(m));
                        } catch (const ProtocolError& e) {
                          transport->malformed(call, e.what());  // the call goes on
                        }
                      },
                  .on_close =
                      [weak, call](const net::WsClose& close) {
                        auto transport = weak.lock();
                        if (transport && close.by_peer)
                          transport->push(call, transport::HangUp{.reason = close.describe()});
                      }});
  transport()->start_uplink(socket_,
                           [socket = socket_](std::span<const std::int16_t> pcm,
                                              std::chrono::nanoseconds) {
                             socket->send(encode(Audio{.pcm = {pcm.begin(), pcm.end()}}));
                           });
}

void ToyAdapter::disconnect() {
  if (!socket_) return;
  transport()->end();
  socket_->close(1000, "call ended");
  socket_.reset();
}

void ToyAdapter::commit_user_turn() {
  if (!socket_) throw std::logic_error("toy: not connected");
  // After the last of the caller's audio, not ahead of frames still queued for their slots.
  transport()->after_uplink([socket = socket_] { socket->send(encode(Commit{})); });
}

void ToyAdapter::interrupt(const HeardSoFar& heard) {
  if (!socket_) throw std::logic_error("toy: not connected");
  socket_->send(encode(Interrupt{
      .heard_ms = std::chrono::duration_cast<std::chrono::milliseconds>(heard.played).count()}));
}

StreamingTransportStats ToyAdapter::stats() const {
  return transport()->stats();
}

}  // namespace toy
