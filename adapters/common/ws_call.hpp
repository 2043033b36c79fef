#pragma once
// What every adapter that calls its agent over a client WebSocket does the same way around its
// protocol (the Pipecat and OpenAI Realtime adapters): one link per connection that the
// connection's handlers hold weakly, work posted to the link's strand only while the call runs,
// the hang-up (a goodbye, then a normal close), and what the session is told when the peer ends
// the call. The protocol — what a message means, what the goodbye is — stays in the adapter.

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>

#include "scenario/net/websocket.hpp"
#include "scenario/voice/streaming_transport.hpp"

namespace scenario::adapters {

/// The state a connection shares with its handlers; an adapter's own link derives from it.
struct WsLink {
  StreamingTransport::Call call = 0;
  std::shared_ptr<net::WsConnection> connection;
  std::atomic<bool> running{true};  ///< until the hang-up or the peer's close
};

/// Adapter-wide: whether the current call has ended, and why (session thread and strands).
class WsCallEnd {
 public:
  /// `peer` names the other side in messages: "the bot", "the server".
  WsCallEnd(std::string adapter, std::string peer)
      : adapter_(std::move(adapter)), peer_(std::move(peer)) {}

  /// A new call is under way.
  void reset() {
    std::lock_guard lock(mutex_);
    closed_ = false;
  }
  /// The link's connection closed (its strand). A close of the current call is recorded; if it was
  /// not ours (the peer hung up, broke a limit, stopped answering pings), the session hears of it
  /// as a hang-up. An earlier call's late close changes nothing.
  void on_close(WsLink& link, StreamingTransport& transport, const net::WsClose& close) {
    const bool ours = !link.running.exchange(false);
    if (link.call != transport.current()) return;
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      description_ = peer_ + " " + close.describe();
      if (ours && !close.by_peer) return;
    }
    transport.push(link.call, transport::HangUp{.reason = close.describe()}, transport.now());
  }
  /// Throws net::NetError once the call has ended, saying how.
  void check_can_send() const {
    std::lock_guard lock(mutex_);
    if (closed_) throw net::NetError(adapter_ + ": cannot send audio, " + description_);
  }

 private:
  const std::string adapter_, peer_;
  mutable std::mutex mutex_;
  bool closed_ = false;
  std::string description_;
};

/// Delivers the connection's messages and close to `owner->on_message(link, data, binary)` and
/// `owner->on_close(link, close)`. Both are held weakly: the link holds the connection, and a
/// connection torn down without a close (the loop stopped first) must not keep them alive.
template <class Owner, class Link>
void start_ws_link(const std::shared_ptr<Owner>& owner, const std::shared_ptr<Link>& link) {
  std::weak_ptr<Owner> weak_owner = owner;
  std::weak_ptr<Link> weak_link = link;
  link->connection->start({.on_message =
                               [weak_owner, weak_link](std::string data, bool binary) {
                                 auto o = weak_owner.lock();
                                 auto l = weak_link.lock();
                                 if (o && l) o->on_message(*l, data, binary);
                               },
                           .on_close =
                               [weak_owner, weak_link](const net::WsClose& c) {
                                 auto o = weak_owner.lock();
                                 auto l = weak_link.lock();
                                 if (o && l) o->on_close(*l, c);
                               }});
}

/// Runs `fn` on the link's strand, if the call is still running then.
template <class Link>
void post_while_running(const std::shared_ptr<Link>& link, std::function<void(Link&)> fn) {
  link->connection->post([link, fn = std::move(fn)] {
    if (link->running) fn(*link);
  });
}

/// Hangs up (session thread): on the link's strand the call stops running, then, if the socket is
/// still open, `goodbye()` sends what the protocol says before leaving and a normal close follows.
/// Waits for that to be queued (at most 2 s: a stalled loop must not hang the run).
template <class Link>
void hang_up_ws_link(const std::shared_ptr<Link>& link, std::function<void(Link&)> goodbye = {}) {
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  link->connection->post([link, goodbye = std::move(goodbye), done] {
    link->running = false;
    if (link->connection->open()) {
      if (goodbye) goodbye(*link);
      link->connection->close(1000, "call ended");
    }
    done->set_value();
  });
  finished.wait_for(std::chrono::seconds(2));
}

}  // namespace scenario::adapters
