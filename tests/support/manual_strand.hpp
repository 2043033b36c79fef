#pragma once
// A net::TimerStrand for tests that drive paced code slot by slot: posts and one-shot timers run
// at once, and the periodic timer fires only when the test calls slot().

#include <chrono>
#include <functional>

#include "scenario/net/timer_strand.hpp"

namespace scenario::test {

class ManualStrand final : public net::TimerStrand {
 public:
  void post(std::function<void()> fn) override { fn(); }
  void run_at(std::chrono::steady_clock::time_point, std::function<void()> fn) override {
    fn();
  }
  void run_every(std::chrono::steady_clock::time_point first, std::chrono::steady_clock::duration,
                 std::function<bool(std::chrono::steady_clock::time_point)> fn) override {
    first_ = first;
    tick_ = std::move(fn);
  }
  /// Runs one slot; false once the pacer has stopped its timer.
  bool slot() { return tick_ && tick_(first_); }
  std::chrono::steady_clock::time_point first() const { return first_; }

 private:
  std::chrono::steady_clock::time_point first_{};
  std::function<bool(std::chrono::steady_clock::time_point)> tick_;
};

}  // namespace scenario::test
