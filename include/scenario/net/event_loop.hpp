#pragma once
// The threads that drive network I/O. Connections and timers of many calls share one loop; each
// connection serialises its own handlers on a strand, so a loop may have several threads.

#include <memory>
#include <string>

namespace scenario::net {

struct EventLoopOptions {
  int threads = 1;
  /// SCHED_RR priority (1..99; anything else throws std::invalid_argument) for the I/O threads, as
  /// media servers run their RTP threads (so paced frames are not held up by other work on a loaded
  /// machine); 0 keeps normal scheduling. Needs CAP_SYS_NICE or an RLIMIT_RTPRIO allowance; without
  /// them the loop runs normally and scheduling() says why. The kernel keeps 5 % of each CPU for
  /// normal tasks (sched_rt_runtime_us), so a busy loop cannot lock the machine up.
  int realtime_priority = 0;
  /// Lock the process's memory into RAM (mlockall, current and future pages) for as long as this
  /// loop lives, as JACK and PipeWire do. With many calls in one process, every page fault and
  /// heap growth of any run thread takes the address-space lock, and an I/O thread that faults
  /// (or maps) meanwhile waits for it: paced audio goes out late in bursts. Locked pages never
  /// fault. The cost is resident memory: what is mapped stays in RAM (thread stacks in full).
  /// Needs CAP_IPC_LOCK or a large enough RLIMIT_MEMLOCK; without them, or in a sanitizer build
  /// (whose shadow mappings are terabytes), memory stays as it was and memory() says why.
  bool lock_memory = false;
};

class EventLoop {
 public:
  explicit EventLoop(int threads = 1);
  explicit EventLoop(EventLoopOptions options);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  int threads() const noexcept;
  /// Whether every I/O thread runs with the real-time priority asked for.
  bool realtime() const noexcept;
  /// How the I/O threads are scheduled, e.g. "SCHED_RR priority 10" or "normal (SCHED_RR 10 not
  /// permitted: Operation not permitted)".
  std::string scheduling() const;
  /// Whether this loop holds the process's memory locked.
  bool memory_locked() const noexcept;
  /// "locked", "not locked", or "not locked (<reason>)" when lock_memory was asked for.
  std::string memory() const;

  /// One loop per process for adapters that are not given one (threads: SCENARIO_NET_THREADS,
  /// default 1; normal scheduling).
  static EventLoop& shared();

 private:
  friend struct EventLoopAccess;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scenario::net
