#include "scenario/voice/uplink_pacer.hpp"

#include <deque>
#include <functional>
#include <mutex>
#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenario/voice/uplink_framer.hpp"

namespace scenario {
namespace {
constexpr std::chrono::nanoseconds kSlot = std::chrono::milliseconds(20);
}

struct UplinkPacer::State {
  State(int rate, IdleUplink idle_uplink)
      : framer(rate), idle(idle_uplink), silence(framer.frame_samples(), 0) {}

  // Session thread only.
  UplinkFramer framer;
  std::uint64_t pushed = 0;

  // Set by start() before the first slot; read on the strand.
  const IdleUplink idle;
  const std::vector<std::int16_t> silence;
  std::shared_ptr<Clock> clock_owner;
  const RealClock* clock = nullptr;
  Send send;
  Report report;
  std::chrono::nanoseconds t0{0};

  // Strand only.
  std::uint64_t slot = 0;
  /// How late the stream runs behind its slots as the far end sees it: the least lateness of any
  /// frame since the stream (re)started. A receiver times the stream by its samples from the
  /// earliest arrival, as a jitter buffer does, so a frame later than that is jitter it absorbs,
  /// while a clock that wakes late every time delays the whole stream. Unset after a slot that
  /// sent nothing: the far end starts the stream over at the next frame.
  std::optional<std::chrono::nanoseconds> stream_lateness;

  // Shared.
  struct Queued {
    std::vector<std::int16_t> pcm;
    std::uint64_t frame = 0;
    bool tail = false;
    std::function<void()> then{};  ///< not a frame: runs once the frames before it have left
  };
  mutable std::mutex mutex;
  std::deque<Queued> queue;
  enum class Phase { idle, running, stopped } phase = Phase::idle;
  UplinkPacerStats stats;

  void enqueue(std::span<const std::int16_t> pcm, bool tail) {
    Queued q{.pcm = {pcm.begin(), pcm.end()}, .frame = tail ? pushed : pushed++, .tail = tail};
    std::lock_guard lock(mutex);
    if (phase != Phase::stopped) queue.push_back(std::move(q));
  }

  // Queued work that is not a frame, at the front: taken out to run (outside the lock).
  std::vector<std::function<void()>> take_thens() {
    std::vector<std::function<void()>> fns;
    while (!queue.empty() && queue.front().then) {
      fns.push_back(std::move(queue.front().then));
      queue.pop_front();
    }
    return fns;
  }

  // One slot: the next caller frame, else silence (or nothing). False once stopped.
  bool tick() {
    const auto deadline = t0 + static_cast<std::int64_t>(slot++) * kSlot;
    std::optional<Queued> caller;
    std::vector<std::function<void()>> before;
    {
      std::lock_guard lock(mutex);
      if (phase != Phase::running) return false;
      before = take_thens();
      if (!queue.empty()) {
        caller = std::move(queue.front());
        queue.pop_front();
      }
    }
    for (auto& fn : before) fn();
    if (!caller && idle == IdleUplink::nothing) {
      stream_lateness.reset();
      return true;
    }
    const auto now = clock->now();
    send(caller ? std::span<const std::int16_t>(caller->pcm) : silence, now);
    // Late counts until the frame is handed over, not until the slot woke: a strand preempted
    // mid-send delays the wire as much as a late wake-up does.
    const auto late = clock->now() - deadline;
    stream_lateness = std::min(stream_lateness.value_or(late), late);
    if (caller) {
      report({.at = now,
              .body = transport::UplinkSent{.frame = caller->frame,
                                            .tail = caller->tail,
                                            .late = late,
                                            .in_stream = deadline + *stream_lateness}});
    }
    std::vector<std::function<void()>> after;
    {
      std::lock_guard lock(mutex);
      ++stats.frames_sent;
      ++(caller ? stats.caller_frames : stats.silence_frames);
      stats.pacing.add(late);
      if (caller) after = take_thens();  // what follows this frame leaves right behind it
    }
    for (auto& fn : after) fn();
    return true;
  }
};

UplinkPacer::UplinkPacer(int wire_rate, IdleUplink idle)
    : state_(std::make_shared<State>(wire_rate, idle)) {}

UplinkPacer::~UplinkPacer() {
  stop();
}

std::chrono::nanoseconds UplinkPacer::start(std::shared_ptr<net::TimerStrand> strand,
                                            std::shared_ptr<Clock> clock, Send send,
                                            Report report) {
  auto& s = *state_;
  const auto* real = dynamic_cast<const RealClock*>(clock.get());
  if (real == nullptr) throw std::logic_error("UplinkPacer: the slots need the real clock");
  {
    std::lock_guard lock(s.mutex);
    if (s.phase != State::Phase::idle) throw std::logic_error("UplinkPacer: started twice");
    s.phase = State::Phase::running;
  }
  s.clock_owner = std::move(clock);
  s.clock = real;
  s.send = std::move(send);
  s.report = std::move(report);
  // On the pacing grid (one wake-up for every call due that millisecond), in run time.
  s.t0 = real->run_time(net::on_pacing_grid(real->steady_time(real->now())));
  strand->run_every(real->steady_time(s.t0), kSlot,
                    [state = state_](std::chrono::steady_clock::time_point) { return state->tick(); });
  return s.t0;
}

void UplinkPacer::stop() {
  std::lock_guard lock(state_->mutex);
  state_->phase = State::Phase::stopped;
  state_->queue.clear();
}

void UplinkPacer::push(std::span<const std::int16_t> canonical) {
  state_->enqueue(state_->framer.frame(canonical), false);
}

void UplinkPacer::finish() {
  const auto tail = state_->framer.finish();
  const auto n = state_->framer.frame_samples();
  for (std::size_t at = 0; at < tail.size(); at += n) state_->enqueue(tail.subspan(at, n), true);
}

std::chrono::nanoseconds UplinkPacer::delay() const noexcept {
  return state_->framer.delay();
}

int UplinkPacer::wire_rate() const noexcept {
  return state_->framer.wire_rate();
}

std::size_t UplinkPacer::frame_samples() const noexcept {
  return state_->framer.frame_samples();
}

void UplinkPacer::then(std::function<void()> fn) {
  std::lock_guard lock(state_->mutex);
  if (state_->phase != State::Phase::stopped)
    state_->queue.push_back({.pcm = {}, .frame = 0, .tail = false, .then = std::move(fn)});
}

UplinkPacerStats UplinkPacer::stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

}  // namespace scenario
