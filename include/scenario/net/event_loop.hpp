#pragma once
// The threads that drive network I/O. Connections and timers of many calls share one loop; each
// connection serialises its own handlers on a strand, so a loop may have several threads.

#include <memory>

namespace scenario::net {

class EventLoop {
 public:
  explicit EventLoop(int threads = 1);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  int threads() const noexcept;

  /// One loop per process for adapters that are not given one (threads: SCENARIO_NET_THREADS,
  /// default 1).
  static EventLoop& shared();

 private:
  friend struct EventLoopAccess;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scenario::net
