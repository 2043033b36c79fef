// A TimerStrand of its own on an event loop (the paced uplink of a call that changes connections).
#include <utility>  // before asio (Boost 1.74 + GCC 12)

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/io_context.hpp"
#include "scenario/net/timer_strand.hpp"

namespace scenario::net {
namespace {

namespace asio = boost::asio;
using Strand = asio::strand<asio::io_context::executor_type>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, Strand>;

// The handlers hold the state, not the owner: once the owner releases the strand, `live` turns
// false and pending timers end at their next expiry without calling anything.
struct State {
  explicit State(asio::io_context& context) : strand(asio::make_strand(context)) {}
  Strand strand;
  std::atomic<bool> live{true};
};

struct Periodic {
  Timer timer;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::steady_clock::duration period;
  std::function<bool(std::chrono::steady_clock::time_point)> fn;
};

void arm(std::shared_ptr<State> state, std::shared_ptr<Periodic> p) {
  auto& timer = p->timer;
  timer.async_wait([state = std::move(state), p = std::move(p)](const auto& ec) mutable {
    if (ec || !state->live || !p->fn(p->deadline)) return;
    p->deadline += p->period;
    p->timer.expires_at(p->deadline);
    arm(std::move(state), std::move(p));
  });
}

class OwnStrand final : public TimerStrand {
 public:
  explicit OwnStrand(asio::io_context& context) : state_(std::make_shared<State>(context)) {}
  ~OwnStrand() override { state_->live = false; }

  void post(std::function<void()> fn) override {
    asio::post(state_->strand, [state = state_, f = std::move(fn)] {
      if (state->live) f();
    });
  }

  void run_at(std::chrono::steady_clock::time_point deadline, std::function<void()> fn) override {
    auto timer = std::make_shared<Timer>(state_->strand, deadline);
    timer->async_wait([state = state_, timer, f = std::move(fn)](const auto& ec) {
      if (!ec && state->live) f();
    });
  }

  void run_every(std::chrono::steady_clock::time_point first,
                 std::chrono::steady_clock::duration period,
                 std::function<bool(std::chrono::steady_clock::time_point)> fn) override {
    arm(state_, std::make_shared<Periodic>(
                    Periodic{Timer(state_->strand, first), first, period, std::move(fn)}));
  }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace

std::shared_ptr<TimerStrand> make_timer_strand(EventLoop& loop) {
  return std::make_shared<OwnStrand>(io_context(loop));
}

}  // namespace scenario::net
