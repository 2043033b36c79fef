#pragma once

#include <chrono>
#include <mutex>
#include <vector>

#include "scenario/llm/retry.hpp"

namespace scenario::test {

/// A Sleeper that does not sleep: it records the delays (a test clock for retries).
class RecordingSleeper : public llm::Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds delay) override {
    const std::lock_guard lock(mutex_);
    delays_.push_back(delay);
  }
  std::vector<std::chrono::milliseconds> delays() const {
    const std::lock_guard lock(mutex_);
    return delays_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::chrono::milliseconds> delays_;
};

}  // namespace scenario::test
