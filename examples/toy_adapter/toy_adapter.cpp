#include "toy_adapter.hpp"

#include "scenario/net/websocket.hpp"
#include "scenario/voice/event_queue.hpp"
#include "scenario/voice/uplink_framer.hpp"
#include "toy_protocol.hpp"

namespace toy {

using namespace scenario;

// Everything of one connection lives here, so a late message or close of an earlier connection
// (a second run on the same adapter) can only reach its own, finished, state.
struct ToyAdapter::Connection {
  std::shared_ptr<Clock> clock;
  std::shared_ptr<net::WsConnection> socket;
  TransportEventQueue events;
  UplinkFramer uplink{kSampleRate};
  bool ours_closing = false;  // session thread

  void push(TransportEvent::Body body) {
    events.push({.at = clock->now(), .body = std::move(body)});
  }

  // On the socket's strand: one message from the bot, stamped as it is read off the socket.
  void on_message(const std::string& text) {
    Message m;
    try {
      m = decode(text);
    } catch (const ProtocolError& e) {
      // Recoverable: on the timeline as transport_error, the call goes on.
      push(transport::Error{.severity = transport::Severity::recoverable, .message = e.what()});
      return;
    }
    std::visit(
        Overloaded{[&](Audio& a) {
                     push(transport::AgentAudio{.samples = std::move(a.pcm),
                                                .sample_rate = kSampleRate,
                                                .response_id = a.reply});
                   },
                   [&](Transcript& t) {
                     push(transport::TranscriptDelta{.text = t.text, .response_id = t.reply});
                   },
                   [&](Done& d) { push(transport::TurnEnded{.response_id = d.reply}); },
                   [&](Stopped& s) {
                     push(transport::AgentStopped{.by = "toy stopped", .response_id = s.reply});
                   },
                   [&](Error& e) {
                     push(transport::Error{.severity = e.fatal ? transport::Severity::fatal
                                                               : transport::Severity::recoverable,
                                           .message = "toy bot: " + e.message});
                   },
                   [&](auto&) {
                     push(transport::Error{.severity = transport::Severity::recoverable,
                                           .message = "toy: the bot sent a caller-side message"});
                   }},
        m);
  }
};

ToyAdapter::ToyAdapter(ToyAdapterOptions options)
    : VoiceAgentAdapter(options.turn), options_(std::move(options)) {}

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
          .output_format = wire};
}

void ToyAdapter::connect(std::shared_ptr<Clock> clock) {
  disconnect();
  clock_ = std::move(clock);
  auto c = std::make_shared<Connection>();
  c->clock = clock_;
  auto& loop = options_.loop != nullptr ? *options_.loop : net::EventLoop::shared();
  try {
    c->socket = net::ws_connect(loop, options_.url);
  } catch (const net::NetError& e) {
    throw net::NetError(std::string("toy: cannot reach the bot: ") + e.what());
  }
  std::weak_ptr<Connection> weak = c;
  c->socket->start({.on_message =
                        [weak](std::string data, bool binary) {
                          auto self = weak.lock();
                          if (!self) return;
                          if (binary) {
                            self->push(
                                transport::Error{.severity = transport::Severity::recoverable,
                                                 .message = "toy: binary frame"});
                          } else {
                            self->on_message(data);
                          }
                        },
                    .on_close =
                        [weak](const net::WsClose& close) {
                          auto self = weak.lock();
                          if (self && close.by_peer)
                            self->push(transport::HangUp{.reason = close.describe()});
                        }});
  connection_ = std::move(c);
}

void ToyAdapter::disconnect() {
  if (!connection_) return;
  connection_->socket->close(1000, "call ended");
  connection_.reset();
}

void ToyAdapter::send(const std::string& text) {
  if (!connection_) throw std::logic_error("toy: not connected");
  connection_->socket->send(text);
}

void ToyAdapter::send_audio(const audio::AudioChunk& frame) {
  if (!connection_) throw std::logic_error("toy: send_audio before connect");
  const auto wire = connection_->uplink.frame(frame.samples);
  send(encode(Audio{.pcm = {wire.begin(), wire.end()}}));
}

void ToyAdapter::end_of_audio() {
  if (!connection_) return;
  auto& uplink = connection_->uplink;
  const auto tail = uplink.finish();
  for (std::size_t at = 0; at < tail.size(); at += uplink.frame_samples()) {
    const auto part = tail.subspan(at, uplink.frame_samples());
    send(encode(Audio{.pcm = {part.begin(), part.end()}}));
  }
}

std::chrono::nanoseconds ToyAdapter::uplink_delay() const {
  return connection_ ? connection_->uplink.delay() : std::chrono::nanoseconds(0);
}

void ToyAdapter::commit_user_turn() {
  send(encode(Commit{}));
}

std::optional<TransportEvent> ToyAdapter::receive(std::chrono::nanoseconds deadline) {
  if (!connection_) throw std::logic_error("toy: receive before connect");
  return connection_->events.pop(*clock_, deadline);
}

void ToyAdapter::interrupt(const HeardSoFar& heard) {
  send(encode(Interrupt{
      .heard_ms = std::chrono::duration_cast<std::chrono::milliseconds>(heard.played).count()}));
}

}  // namespace toy
