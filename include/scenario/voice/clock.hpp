#pragma once

#include <chrono>
#include <memory>

namespace scenario {

/// The one clock of a run: every timestamp on its timeline comes from here (DESIGN.md, "One
/// clock per run"). Times are durations since the run's start.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::nanoseconds now() const = 0;
  /// Waits until `deadline` (absolute, run time). Pacing uses absolute deadlines, so waits never
  /// accumulate drift.
  virtual void sleep_until(std::chrono::nanoseconds deadline) = 0;
};

/// Wall time (steady clock) since construction.
class RealClock : public Clock {
 public:
  RealClock() : start_(std::chrono::steady_clock::now()) {}
  std::chrono::nanoseconds now() const override {
    return std::chrono::steady_clock::now() - start_;
  }
  void sleep_until(std::chrono::nanoseconds deadline) override;
  /// The steady-clock instant at which run time `t` is reached: when timers of network code that
  /// follow the run wake up. Virtual so that a test can have a clock that wakes late.
  virtual std::chrono::steady_clock::time_point steady_time(
      std::chrono::nanoseconds t) const noexcept {
    return start_ + t;
  }
  /// The run time of a steady-clock instant.
  std::chrono::nanoseconds run_time(std::chrono::steady_clock::time_point t) const noexcept {
    return t - start_;
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

/// Simulated time for in-process agents: sleeping jumps straight to the deadline, so a run of
/// minutes of audio takes milliseconds and every timestamp is exact and repeatable.
class VirtualClock : public Clock {
 public:
  std::chrono::nanoseconds now() const override { return now_; }
  void sleep_until(std::chrono::nanoseconds deadline) override {
    if (deadline > now_) now_ = deadline;
  }
  void advance(std::chrono::nanoseconds by) { now_ += by; }

 private:
  std::chrono::nanoseconds now_{0};
};

}  // namespace scenario
