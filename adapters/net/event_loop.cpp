#include "net/io_context.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace scenario::net {

struct EventLoop::Impl {
  boost::asio::io_context context;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
      context.get_executor()};
  std::vector<std::thread> threads;
};

EventLoop::EventLoop(int threads) : impl_(std::make_unique<Impl>()) {
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) impl_->threads.emplace_back([this] { impl_->context.run(); });
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

EventLoop& EventLoop::shared() {
  static EventLoop loop([] {
    const char* v = std::getenv("SCENARIO_NET_THREADS");
    return v != nullptr ? std::max(1, std::atoi(v)) : 1;
  }());
  return loop;
}

}  // namespace scenario::net
