#include "scenario/net/event_loop.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace scenario::net {
namespace {

// Threads of this process whose scheduling policy is SCHED_RR, read from /proc (field 41 of
// /proc/<pid>/task/<tid>/stat), independently of what the loop says about itself.
int round_robin_threads() {
  int n = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream stat(task.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    std::istringstream rest(text.substr(text.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 41 && rest >> field; ++i) {
    }
    if (std::stoi(field) == SCHED_RR) ++n;
  }
  return n;
}

// A line of /proc/self/status, without its key ("VmLck:", "CapEff:"); empty when absent.
std::string status_field(const std::string& key) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(key, 0) == 0) return line.substr(key.size());
  }
  return {};
}

long status_kb(const std::string& key) {
  return std::stol(status_field(key));
}

// Whether capability `bit` is in the effective set (CapEff, hexadecimal).
bool has_capability(int bit) {
  return (std::stoull(status_field("CapEff:"), nullptr, 16) >> bit) & 1u;
}

// Whether this process may ask for SCHED_RR 10: CAP_SYS_NICE (23) or an RLIMIT_RTPRIO allowance.
bool may_use_realtime_10() {
  rlimit limit{};
  return has_capability(23) || (getrlimit(RLIMIT_RTPRIO, &limit) == 0 && limit.rlim_cur >= 10);
}

// Whether this process may lock all its memory: CAP_IPC_LOCK (14) or no RLIMIT_MEMLOCK limit.
bool may_lock_memory() {
  rlimit limit{};
  return has_capability(14) ||
         (getrlimit(RLIMIT_MEMLOCK, &limit) == 0 && limit.rlim_cur == RLIM_INFINITY);
}

TEST(EventLoop, MemoryIsNotLockedByDefault) {
  EventLoop loop(1);
  EXPECT_FALSE(loop.memory_locked());
  EXPECT_EQ(loop.memory(), "not locked");
  EXPECT_EQ(status_kb("VmLck:"), 0);
}

TEST(EventLoop, LockMemoryHoldsPresentAndFuturePagesUntilTheLastLockingLoopEnds) {
  ASSERT_EQ(status_kb("VmLck:"), 0);
  auto first = std::make_unique<EventLoop>(EventLoopOptions{.threads = 1, .lock_memory = true});
  if (!first->memory_locked()) {
    // Refused only where it must be: without CAP_IPC_LOCK, or in a sanitizer build (the loop
    // knows which build it is in and says so). The process is as it was.
    const auto why = first->memory();
    EXPECT_EQ(why.rfind("not locked (", 0), 0u) << why;
    EXPECT_TRUE(!may_lock_memory() || why.find("sanitizer build") != std::string::npos) << why;
    EXPECT_EQ(status_kb("VmLck:"), 0);
    return;
  }
  EXPECT_TRUE(first->memory_locked());
  EXPECT_EQ(first->memory(), "locked");
  // Everything resident now is locked ...
  EXPECT_GE(status_kb("VmLck:"), status_kb("VmRSS:") * 9 / 10);
  // ... and so is what is mapped later: 32 MB never touched count in full at once.
  const long before = status_kb("VmLck:");
  std::vector<char> later(32u << 20);
  EXPECT_GE(status_kb("VmLck:") - before, 32L << 10);
  later.clear();
  later.shrink_to_fit();

  auto second = std::make_unique<EventLoop>(EventLoopOptions{.threads = 1, .lock_memory = true});
  EXPECT_TRUE(second->memory_locked());
  first.reset();
  EXPECT_GT(status_kb("VmLck:"), 0) << "one loop's end unlocked memory another still holds";
  second.reset();
  EXPECT_EQ(status_kb("VmLck:"), 0);
}

TEST(EventLoop, NormalSchedulingByDefault) {
  EventLoop loop(2);
  EXPECT_EQ(loop.threads(), 2);
  EXPECT_FALSE(loop.realtime());
  EXPECT_EQ(loop.scheduling(), "normal");
  EXPECT_EQ(round_robin_threads(), 0);
}

TEST(EventLoop, RealtimePriorityIsGrantedOrRefusedWithTheReason) {
  EventLoop loop({.threads = 2, .realtime_priority = 10});
  // The main thread stays as it was; only the loop's own threads change.
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
  EXPECT_EQ(loop.realtime(), may_use_realtime_10()) << loop.scheduling();
  if (loop.realtime()) {
    EXPECT_EQ(loop.scheduling(), "SCHED_RR priority 10");
    EXPECT_EQ(round_robin_threads(), 2);
  } else {
    // Without CAP_SYS_NICE (a container, a normal user) the loop still runs, and says why.
    EXPECT_EQ(loop.scheduling().rfind("normal (SCHED_RR priority 10 not permitted: ", 0), 0u)
        << loop.scheduling();
    EXPECT_EQ(round_robin_threads(), 0);
  }
}

TEST(EventLoop, APriorityOutsideOneTo99IsRefused) {
  EXPECT_THROW(EventLoop({.threads = 1, .realtime_priority = -1}), std::invalid_argument);
  try {
    EventLoop loop({.threads = 1, .realtime_priority = 150});
    FAIL() << "expected a refusal";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("got 150"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace scenario::net
