#include "net/io_context.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace scenario::net {

struct EventLoop::Impl {
  boost::asio::io_context context;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
      context.get_executor()};
  std::vector<std::thread> threads;
  int realtime_priority = 0;
  bool realtime = false;
  std::string refused;  // why the real-time priority was not granted
  bool lock_memory = false;
  bool memory_locked = false;
  std::string lock_refused;  // why the memory was not locked
};

namespace {

// Run on the I/O thread itself: the policy is per thread. Empty when granted.
std::string request_realtime(int priority) {
  sched_param param{};
  param.sched_priority = priority;
  const int rc = pthread_setschedparam(pthread_self(), SCHED_RR, &param);
  return rc == 0 ? std::string() : std::string(std::strerror(rc));
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr const char* kSanitizerBuild = "a sanitizer build: its shadow memory cannot be locked";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
constexpr const char* kSanitizerBuild = "a sanitizer build: its shadow memory cannot be locked";
#else
constexpr const char* kSanitizerBuild = nullptr;
#endif
#else
constexpr const char* kSanitizerBuild = nullptr;
#endif

// The lock is the process's, the option a loop's: count the loops holding it, so one loop's end
// does not unlock memory another still relies on.
std::mutex memory_lock_mutex;
int memory_lock_holders = 0;

// Empty when the process's memory is now locked.
std::string lock_process_memory() {
  if (kSanitizerBuild != nullptr) return kSanitizerBuild;
  const std::lock_guard lock(memory_lock_mutex);
  if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
    const std::string why = std::strerror(errno);
    if (memory_lock_holders == 0) munlockall();  // a partial lock (ENOMEM midway) is undone
    return why;
  }
  ++memory_lock_holders;
  return {};
}

void unlock_process_memory() {
  const std::lock_guard lock(memory_lock_mutex);
  if (--memory_lock_holders == 0) munlockall();
}

}  // namespace

EventLoop::EventLoop(int threads) : EventLoop(EventLoopOptions{.threads = threads}) {}

EventLoop::EventLoop(EventLoopOptions options) : impl_(std::make_unique<Impl>()) {
  if (options.realtime_priority < 0 || options.realtime_priority > 99) {
    throw std::invalid_argument("EventLoop: real-time priority must be 0 (off) or 1..99, got " +
                                std::to_string(options.realtime_priority));
  }
  const int threads = std::max(1, options.threads);
  impl_->realtime_priority = options.realtime_priority;
  std::vector<std::future<std::string>> granted;
  for (int i = 0; i < threads; ++i) {
    std::promise<std::string> asked;
    granted.push_back(asked.get_future());
    impl_->threads.emplace_back([this, asked = std::move(asked)]() mutable {
      asked.set_value(impl_->realtime_priority > 0 ? request_realtime(impl_->realtime_priority)
                                                   : std::string());
      impl_->context.run();
    });
  }
  for (auto& g : granted) {
    auto refused = g.get();
    if (!refused.empty() && impl_->refused.empty()) impl_->refused = std::move(refused);
  }
  impl_->realtime = impl_->realtime_priority > 0 && impl_->refused.empty();
  // After the threads exist, so their stacks are locked too (MCL_CURRENT touches them now rather
  // than on the first deep call during a call).
  impl_->lock_memory = options.lock_memory;
  if (options.lock_memory) {
    impl_->lock_refused = lock_process_memory();
    impl_->memory_locked = impl_->lock_refused.empty();
  }
}

EventLoop::~EventLoop() {
  impl_->work.reset();
  impl_->context.stop();
  for (auto& t : impl_->threads) t.join();
  if (impl_->memory_locked) unlock_process_memory();
}

boost::asio::io_context& EventLoopAccess::context(EventLoop& loop) {
  return loop.impl_->context;
}

int EventLoop::threads() const noexcept {
  return static_cast<int>(impl_->threads.size());
}

bool EventLoop::realtime() const noexcept {
  return impl_->realtime;
}

std::string EventLoop::scheduling() const {
  const auto rr = "SCHED_RR priority " + std::to_string(impl_->realtime_priority);
  if (impl_->realtime) return rr;
  if (impl_->realtime_priority == 0) return "normal";
  return "normal (" + rr + " not permitted: " + impl_->refused + ")";
}

bool EventLoop::memory_locked() const noexcept {
  return impl_->memory_locked;
}

std::string EventLoop::memory() const {
  if (impl_->memory_locked) return "locked";
  if (!impl_->lock_memory) return "not locked";
  return "not locked (" + impl_->lock_refused + ")";
}

EventLoop& EventLoop::shared() {
  static EventLoop loop([] {
    const char* v = std::getenv("SCENARIO_NET_THREADS");
    return v != nullptr ? std::max(1, std::atoi(v)) : 1;
  }());
  return loop;
}

}  // namespace scenario::net
