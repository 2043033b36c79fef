#include "net/io_context.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <cstring>
#include <future>
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
};

namespace {

// Run on the I/O thread itself: the policy is per thread. Empty when granted.
std::string request_realtime(int priority) {
  sched_param param{};
  param.sched_priority = priority;
  const int rc = pthread_setschedparam(pthread_self(), SCHED_RR, &param);
  return rc == 0 ? std::string() : std::string(std::strerror(rc));
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
}

EventLoop::~EventLoop() {
  impl_->work.reset();
  impl_->context.stop();
  for (auto& t : impl_->threads) t.join();
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

EventLoop& EventLoop::shared() {
  static EventLoop loop([] {
    const char* v = std::getenv("SCENARIO_NET_THREADS");
    return v != nullptr ? std::max(1, std::atoi(v)) : 1;
  }());
  return loop;
}

}  // namespace scenario::net
