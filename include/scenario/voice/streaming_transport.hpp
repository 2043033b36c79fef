#pragma once
// The runtime side of a streaming adapter's calls, written once (part of the public adapter kit):
// the event queue the session reads, the call number that keeps an earlier call's late messages
// out of the next one, the uplink pacer, malformed-message accounting and the figures.
//
// An adapter holds one StreamingTransport and adds only its protocol: it begins a call when it
// connects, starts the uplink once its opening messages are on their way (giving the strand to
// pace on and how to put a frame on the wire), pushes what its codec decodes under that call's
// number, and forwards the session's calls (send_audio, end_of_audio, uplink_delay, receive) here. examples/toy_adapter shows a whole adapter built so.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "scenario/voice/adapter.hpp"
#include "scenario/voice/clock.hpp"
#include "scenario/voice/uplink_pacer.hpp"

namespace scenario {

struct StreamingTransportStats {
  UplinkPacerStats uplink{};  ///< over every call of the adapter
  std::uint64_t malformed = 0;  ///< messages from the peer that broke the protocol (skipped)
  std::string last_error{};
};

class StreamingTransport {
 public:
  /// A call's number: what network handlers capture so that, once another call has begun,
  /// whatever they push is dropped.
  using Call = std::uint64_t;

  struct Options {
    IdleUplink idle = IdleUplink::silence;
    /// For errors ("pipecat: send_audio before connect").
    std::string name = "transport";
  };

  explicit StreamingTransport(Options options);
  ~StreamingTransport();
  StreamingTransport(const StreamingTransport&) = delete;
  StreamingTransport& operator=(const StreamingTransport&) = delete;

  /// A call begins (session thread): a new number and an empty event queue; ends the previous
  /// call. Begin before the connection's handlers can push anything. Caller audio goes on the wire
  /// in `input` (the adapter's declared AdapterCapabilities::input_format): mono, at a rate that
  /// makes whole 20 ms frames; anything else throws std::invalid_argument.
  Call begin(std::shared_ptr<Clock> clock, const audio::AudioFormat& input);
  /// The caller's side of the call starts (after the protocol's opening is on its way): paced on
  /// `strand`, `send` putting each frame on the wire.
  void start_uplink(std::shared_ptr<net::TimerStrand> strand, UplinkPacer::Send send);
  /// The call ends (session thread): no more slots; queued caller audio is dropped. Events still
  /// arriving for it can be received until the next call begins.
  void end();
  /// The number of the call under way (0 before the first).
  Call current() const noexcept;

  // ---- network strands ----
  /// An event of call `call` (dropped unless it is the current one), stamped `at` or now.
  void push(Call call, TransportEvent::Body body, std::optional<std::chrono::nanoseconds> at = {});
  /// A message from the peer that broke the protocol: counted, and on the timeline as a
  /// recoverable transport_error (the call goes on).
  void malformed(Call call, const std::string& what);
  /// The run clock (for stamps).
  std::chrono::nanoseconds now() const;

  // ---- the session's calls, forwarded by the adapter ----
  void send_audio(std::span<const std::int16_t> canonical);
  void end_of_audio();
  /// Runs `fn` on the uplink's strand once the caller audio queued so far has left (see
  /// UplinkPacer::then): for messages that must follow it, such as a commit of the user's turn.
  void after_uplink(std::function<void()> fn);
  std::chrono::nanoseconds uplink_delay() const;
  std::optional<TransportEvent> receive(std::chrono::nanoseconds deadline);

  StreamingTransportStats stats() const;

 private:
  struct Shared;  ///< what the network strands and the pacer's timer may still reach afterwards
  Options options_;
  std::shared_ptr<Shared> shared_;
  int wire_rate_ = 0;                   ///< session thread: of the current call
  std::unique_ptr<UplinkPacer> pacer_;  ///< session thread: of the current call, once started
};

/// A voice adapter on a StreamingTransport: the session's audio and event calls go to the
/// transport, so an adapter implements only its protocol (connect, disconnect, capabilities and
/// what it supports natively). Its network handlers hold transport() weakly.
class StreamingVoiceAdapter : public VoiceAgentAdapter {
 public:
  StreamingVoiceAdapter(VoiceTurnOptions turn, StreamingTransport::Options transport);

  void send_audio(const audio::AudioChunk& frame) override;
  void end_of_audio() override;
  std::chrono::nanoseconds uplink_delay() const override;
  std::optional<TransportEvent> receive(std::chrono::nanoseconds deadline) override;

 protected:
  /// Begins a call on the transport with the input format the adapter declares in capabilities():
  /// the wire converter is built from what the adapter says it sends.
  StreamingTransport::Call begin_call(std::shared_ptr<Clock> clock) {
    return transport_->begin(std::move(clock), capabilities().input_format);
  }
  /// Throws when the call can no longer take caller audio (the peer hung up), saying why.
  virtual void check_can_send() const {}
  const std::shared_ptr<StreamingTransport>& transport() const noexcept { return transport_; }

 private:
  std::shared_ptr<StreamingTransport> transport_;
};

}  // namespace scenario
