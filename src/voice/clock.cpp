#include "scenario/voice/clock.hpp"

#include <thread>

namespace scenario {

void RealClock::sleep_until(std::chrono::nanoseconds deadline) {
  std::this_thread::sleep_until(steady_time(deadline));
}

}  // namespace scenario
