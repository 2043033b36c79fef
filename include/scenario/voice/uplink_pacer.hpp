#pragma once
// The caller's side of one connection, paced on the run clock: the one place that decides when a
// 20 ms frame leaves (part of the public adapter kit).
//
// Every 20 ms slot (t0 + k·20 ms, t0 on the pacing grid) the pacer sends the next frame of caller
// audio if one is queued, else a frame of silence (or nothing, as the line wants). Each frame of
// caller audio is reported when it actually left, with its slot and how late it was, as a
// transport::UplinkSent event: the voice session places the frame in its slot (the caller's
// clock, by which the far end times the stream's samples) and owns up to late ones. There is no
// second timer to reconcile: a frame is caller audio or silence, never both, and always exactly
// one slot long.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "scenario/net/pacing.hpp"
#include "scenario/net/timer_strand.hpp"
#include "scenario/voice/clock.hpp"
#include "scenario/voice/transport_event.hpp"

namespace scenario {

/// What the line carries in a slot with no caller audio queued.
enum class IdleUplink {
  silence,  ///< a frame of digital silence: the line never goes quiet (a bot's VAD needs a stream)
  nothing   ///< no frame (the far end fills gaps itself, as Twilio does towards a call)
};

struct UplinkPacerStats {
  std::uint64_t frames_sent = 0;     ///< caller audio and silence
  std::uint64_t caller_frames = 0;   ///< of which caller audio
  std::uint64_t silence_frames = 0;  ///< of which silence
  net::LatenessHistogram pacing{};   ///< how late each frame left against its slot

  /// Adds another pacer's figures (an adapter's totals over its connections).
  UplinkPacerStats& merge(const UplinkPacerStats& other) noexcept {
    frames_sent += other.frames_sent;
    caller_frames += other.caller_frames;
    silence_frames += other.silence_frames;
    pacing.merge(other.pacing);
    return *this;
  }
};

class UplinkPacer {
 public:
  /// Puts one frame of wire PCM (one slot at the wire rate) on the wire; `at` is the run time it
  /// leaves. Runs on the pacer's strand.
  using Send = std::function<void(std::span<const std::int16_t> pcm, std::chrono::nanoseconds at)>;
  /// Where departures go (transport::UplinkSent events): the adapter's event queue.
  using Report = std::function<void(TransportEvent event)>;

  /// `wire_rate` must give whole 20 ms frames (a multiple of 50 Hz).
  UplinkPacer(int wire_rate, IdleUplink idle);
  ~UplinkPacer();
  UplinkPacer(const UplinkPacer&) = delete;
  UplinkPacer& operator=(const UplinkPacer&) = delete;

  /// Starts the slots on `strand` (a connection, so that frames and the connection's other
  /// messages stay in order; or a strand of its own), woken by `clock` (a RealClock: the slots are
  /// real time). Returns t0, the first slot, in run time. A pacer starts once; stop() ends it.
  std::chrono::nanoseconds start(std::shared_ptr<net::TimerStrand> strand,
                                 std::shared_ptr<Clock> clock, Send send, Report report);
  /// No more slots; queued caller audio is dropped (never reported as sent).
  void stop();

  /// Queues one 20 ms frame of canonical caller audio (session thread).
  void push(std::span<const std::int16_t> canonical);
  /// The caller's audio pauses: the converter's tail is queued as one more whole frame.
  void finish();
  /// Runs `fn` on the pacer's strand right after every frame queued so far has left (in the same
  /// slot as the last of them, or at the next slot when none is queued): a message that must
  /// follow the caller's audio on the wire (a realtime API's commit) is sent from here.
  void then(std::function<void()> fn);
  /// How much later than its slot a caller sample is on the wire (the converter's look-ahead).
  std::chrono::nanoseconds delay() const noexcept;
  int wire_rate() const noexcept;
  std::size_t frame_samples() const noexcept;

  UplinkPacerStats stats() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace scenario
