#pragma once
// Work serialised on one strand of an event loop, with timers: what a WebSocket connection offers
// its owner, and what a paced stream needs when it outlives any one connection (a Twilio call
// whose media stream is replaced at every key press). Free of Asio types.

#include <chrono>
#include <functional>
#include <memory>

#include "scenario/net/event_loop.hpp"

namespace scenario::net {

class TimerStrand {
 public:
  virtual ~TimerStrand() = default;
  /// Runs `fn` on the strand.
  virtual void post(std::function<void()> fn) = 0;
  /// A timer on the strand: `fn` runs at `deadline` (steady clock), if the strand is still live.
  virtual void run_at(std::chrono::steady_clock::time_point deadline, std::function<void()> fn) = 0;
  /// A periodic timer on the strand: `fn(deadline)` runs at first, first + period, … (absolute
  /// deadlines, so lateness never accumulates; a late wake-up runs the missed deadlines at once)
  /// while it returns true and the strand is live. One timer is re-armed: the cheap way to pace
  /// 20 ms frames. Start `first` on net::on_pacing_grid() so that many streams share wake-ups.
  virtual void run_every(std::chrono::steady_clock::time_point first,
                         std::chrono::steady_clock::duration period,
                         std::function<bool(std::chrono::steady_clock::time_point)> fn) = 0;
};

/// A strand of `loop` of its own. Its timers stop when the last reference to it is released.
std::shared_ptr<TimerStrand> make_timer_strand(EventLoop& loop);

}  // namespace scenario::net
