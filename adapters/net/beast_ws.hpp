#pragma once
// The one WsConnection implementation, over a plain or TLS Beast stream. Included by the client
// and server translation units only (heavy headers).

#include <utility>  // before asio (Boost 1.74 + GCC 12)

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>

#include "scenario/net/websocket.hpp"

namespace scenario::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

// Every connection lives on its own strand, named by type: handlers are posted and timers fire
// without the type-erased any_io_executor in between (it was a sixth of the CPU under load).
using Strand = asio::strand<asio::io_context::executor_type>;
using StrandSocket = asio::basic_stream_socket<asio::ip::tcp, Strand>;
using PlainStream = beast::basic_stream<asio::ip::tcp, Strand>;
using TlsStream = beast::ssl_stream<PlainStream>;
using StrandTimer =
    asio::basic_waitable_timer<std::chrono::steady_clock,
                               asio::wait_traits<std::chrono::steady_clock>, Strand>;

/// What a server needs to end its connections when it goes away.
class Droppable {
 public:
  virtual ~Droppable() = default;
  /// On the strand: closes the socket without a handshake and releases the handlers without
  /// calling them (their owner is going away); then runs `done`.
  virtual void drop(std::function<void()> done) = 0;
};

template <class Stream>
class BeastConnection final : public WsConnection,
                              public Droppable,
                              public std::enable_shared_from_this<BeastConnection<Stream>> {
 public:
  /// `idle`: ping after idle/2 without hearing from the peer, give up after `idle` (0: never).
  BeastConnection(websocket::stream<Stream> ws, std::chrono::milliseconds idle)
      : ws_(std::move(ws)), idle_(idle) {}

  void start(WsHandlers handlers) override {
    asio::dispatch(ws_.get_executor(),
                   [self = this->shared_from_this(), h = std::move(handlers)]() mutable {
                     self->handlers_ = std::move(h);
                     self->keep_alive();
                     self->read();
                   });
  }

  void send(std::string data, bool binary) override {
    queued_.fetch_add(1, std::memory_order_relaxed);
    // dispatch: runs inline when already on the strand (the usual case: a reply to a message or
    // a paced frame from a timer), saving a queued handler per message.
    asio::dispatch(ws_.get_executor(),
                   [self = this->shared_from_this(), d = std::move(data), binary]() mutable {
                     if (self->close_requested_ || self->finished_) {
                       self->queued_.fetch_sub(1, std::memory_order_relaxed);
                       return;
                     }
                     self->queue_.emplace_back(std::move(d), binary);
                     if (!self->writing_) self->write_next();
                   });
  }

  void close(std::uint16_t code, std::string reason) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), code,
                                    r = std::move(reason)]() mutable {
      if (self->close_requested_ || self->finished_) return;
      self->close_requested_ = true;
      self->close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), r);
      // Beast allows one ping or close at a time: a ping in flight closes when it completes.
      if (!self->writing_ && !self->pinging_) self->do_close();
    });
  }

  void drop(std::function<void()> done) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), d = std::move(done)] {
      if (!self->finished_.exchange(true)) {
        self->tear_down();
        self->handlers_ = {};
      }
      d();
    });
  }

  std::size_t queued() const override { return queued_.load(std::memory_order_relaxed); }

  void post(std::function<void()> fn) override { asio::post(ws_.get_executor(), std::move(fn)); }

  void run_at(std::chrono::steady_clock::time_point deadline, std::function<void()> fn) override {
    auto timer = std::make_shared<StrandTimer>(ws_.get_executor(), deadline);
    timer->async_wait(
        [self = this->shared_from_this(), timer, f = std::move(fn)](const beast::error_code& ec) {
          if (!ec && !self->finished_) f();
        });
  }

  void run_every(std::chrono::steady_clock::time_point first,
                 std::chrono::steady_clock::duration period,
                 std::function<bool(std::chrono::steady_clock::time_point)> fn) override {
    auto timer = std::make_shared<Periodic>(
        Periodic{StrandTimer(ws_.get_executor(), first), first, period, std::move(fn)});
    arm(std::move(timer));
  }

  bool open() const override { return !finished_.load(); }

 private:
  struct Periodic {
    StrandTimer timer;
    std::chrono::steady_clock::time_point deadline;
    std::chrono::steady_clock::duration period;
    std::function<bool(std::chrono::steady_clock::time_point)> fn;
  };

  void arm(std::shared_ptr<Periodic> p) {
    auto& timer = p->timer;
    timer.async_wait(
        [self = this->shared_from_this(), p = std::move(p)](const beast::error_code& ec) mutable {
          if (ec || self->finished_ || !p->fn(p->deadline)) return;
          p->deadline += p->period;
          p->timer.expires_at(p->deadline);
          self->arm(std::move(p));
        });
  }

  // Beast's own idle timeout re-arms a timer on every read (a cancel, a completion and a new wait
  // per message: several % of the CPU at 500 calls). One periodic check per idle/2 does the same
  // job: any message or control frame since the last check counts as traffic.
  void keep_alive() {
    if (idle_.count() <= 0) return;
    ws_.control_callback([this](websocket::frame_type, beast::string_view) { heard_ = true; });
    const auto half = std::chrono::duration_cast<std::chrono::steady_clock::duration>(idle_ / 2);
    const auto first = std::chrono::steady_clock::now() + half;
    keep_alive_timer_ = std::make_shared<Periodic>(
        Periodic{StrandTimer(ws_.get_executor(), first), first, half,
                 [this](std::chrono::steady_clock::time_point) {
                   if (heard_) {
                     heard_ = false;
                     pinged_ = false;
                     return true;
                   }
                   if (closing_) return false;  // the closing handshake has its own deadline
                   if (!pinged_) {
                     pinged_ = true;
                     pinging_ = true;
                     ws_.async_ping({}, [self = this->shared_from_this()](beast::error_code ec) {
                       self->pinging_ = false;
                       if (ec) {
                         self->finish(ec);
                       } else if (self->close_requested_ && !self->writing_ && !self->closing_) {
                         self->do_close();  // a close asked for while the ping was out
                       }
                     });
                     return true;
                   }
                   finish(beast::error::timeout, "nothing heard from the peer for " +
                                                     std::to_string(idle_.count()) +
                                                     " ms (a ping went unanswered)");
                   return false;
                 }});
    arm(keep_alive_timer_);
  }

  void read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      finish(ec);
      return;
    }
    heard_ = true;
    std::string data = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (handlers_.on_message) handlers_.on_message(std::move(data), ws_.got_binary());
    if (!finished_) read();
  }

  void write_next() {
    if (queue_.empty()) {
      writing_ = false;
      if (close_requested_ && !closing_ && !pinging_) do_close();
      return;
    }
    writing_ = true;
    ws_.binary(queue_.front().second);
    ws_.async_write(asio::buffer(queue_.front().first),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                      self->queue_.pop_front();
                      self->queued_.fetch_sub(1, std::memory_order_relaxed);
                      if (ec || self->finished_) {
                        self->writing_ = false;
                        self->finish(ec);
                        self->drop_queue();
                        return;
                      }
                      self->write_next();
                    });
  }

  void drop_queue() {
    queued_.fetch_sub(queue_.size(), std::memory_order_relaxed);
    queue_.clear();
  }

  void do_close() {
    closing_ = true;
    ws_.async_close(close_reason_, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) self->finish(ec);
      // Otherwise the read loop ends with websocket::error::closed.
    });
  }

  void finish(beast::error_code ec, std::string why = {}) {
    if (finished_.exchange(true)) return;
    WsClose info;
    info.code = static_cast<std::uint16_t>(ws_.reason().code);
    info.reason = std::string(ws_.reason().reason.c_str());
    info.by_peer = !closing_;
    if (ec == websocket::error::message_too_big) {
      // The peer broke our size limit; Beast answered with close code 1009 on our behalf.
      info.by_peer = false;
      info.code = 1009;
      info.error = "the peer sent a message over the " + std::to_string(ws_.read_message_max()) +
                   "-byte limit (too big)";
    } else if (!why.empty()) {
      info.error = std::move(why);
    } else if (ec != websocket::error::closed &&
               // Our own close completes the pending read with operation_aborted: not an error.
               !(closing_ && ec == asio::error::operation_aborted)) {
      info.error = ec.message();
    }
    tear_down();
    if (handlers_.on_close) handlers_.on_close(info);
    handlers_ = {};  // break cycles through captured owners
  }

  // Once finished: nothing more is written, no timer keeps us, the socket is done.
  void tear_down() {
    // A write in flight owns the front of the queue: its completion drops the rest.
    if (!writing_) drop_queue();
    // The keep-alive timer holds this connection: release it now, not at its next tick.
    if (keep_alive_timer_) keep_alive_timer_->timer.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  }

  websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
  WsHandlers handlers_;
  std::deque<std::pair<std::string, bool>> queue_;
  std::atomic<std::size_t> queued_{0};
  bool writing_ = false;
  bool close_requested_ = false;
  bool closing_ = false;
  std::atomic<bool> finished_{false};
  websocket::close_reason close_reason_;
  std::chrono::milliseconds idle_;
  bool heard_ = false;   // a message or control frame arrived since the last keep-alive check
  bool pinged_ = false;  // the last check found silence and pinged
  bool pinging_ = false;
  std::shared_ptr<Periodic> keep_alive_timer_;
};

/// Bound the handshake (and the closing handshake) and the message size. The idle timeout is the
/// connection's own keep-alive (BeastConnection), not Beast's.
template <class Stream>
void configure(websocket::stream<Stream>& ws, std::size_t max_message,
               std::chrono::steady_clock::duration handshake_timeout = std::chrono::seconds(10)) {
  beast::get_lowest_layer(ws).expires_never();
  websocket::stream_base::timeout t{};
  t.handshake_timeout = handshake_timeout;
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws.set_option(t);
  ws.read_message_max(max_message);
  ws.auto_fragment(false);
}

}  // namespace scenario::net::detail
