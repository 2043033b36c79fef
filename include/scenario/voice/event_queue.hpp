#pragma once
// Transport events handed from network threads to the session thread, which waits for them on
// the run's clock (VoiceAgentAdapter::receive). Part of the public adapter kit: an adapter's
// network handlers push, its receive() pops.

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "scenario/voice/clock.hpp"
#include "scenario/voice/transport_event.hpp"

namespace scenario {

class TransportEventQueue {
 public:
  void push(TransportEvent event) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(event));
    }
    arrived_.notify_one();
  }

  /// The next event, waiting until `deadline` on `clock` (a real clock: the wait is in real time).
  std::optional<TransportEvent> pop(const Clock& clock, std::chrono::nanoseconds deadline) {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (!events_.empty()) {
        auto event = std::move(events_.front());
        events_.pop_front();
        return event;
      }
      const auto left = deadline - clock.now();
      if (left <= std::chrono::nanoseconds(0)) return std::nullopt;
      arrived_.wait_for(lock, left);
    }
  }

  void clear() {
    std::lock_guard lock(mutex_);
    events_.clear();
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<TransportEvent> events_;
};

}  // namespace scenario
