#include "scenario/net/event_loop.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

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

// Whether this process may ask for SCHED_RR 10: CAP_SYS_NICE (bit 23 of CapEff) or an
// RLIMIT_RTPRIO allowance.
bool may_use_realtime_10() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("CapEff:", 0) == 0 && (std::stoull(line.substr(7), nullptr, 16) >> 23) & 1u)
      return true;
  }
  rlimit limit{};
  return getrlimit(RLIMIT_RTPRIO, &limit) == 0 && limit.rlim_cur >= 10;
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
