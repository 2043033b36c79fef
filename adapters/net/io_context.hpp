#pragma once
// The io_context behind an EventLoop, for the adapters' own translation units.

#include <utility>  // before asio (Boost 1.74 + GCC 12)

#include <boost/asio/io_context.hpp>

#include "scenario/net/event_loop.hpp"

namespace scenario::net {

struct EventLoopAccess {
  static boost::asio::io_context& context(EventLoop& loop);
};

inline boost::asio::io_context& io_context(EventLoop& loop) {
  return EventLoopAccess::context(loop);
}

}  // namespace scenario::net
