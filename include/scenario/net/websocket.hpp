#pragma once
// WebSocket connections (client and server side) on Boost.Beast, behind an interface free of
// Beast types. Every operation is thread-safe; handlers run on the connection's strand.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenario/net/event_loop.hpp"
#include "scenario/net/timer_strand.hpp"

namespace scenario::net {

/// Connecting, the TLS handshake, the upgrade or the connection itself failed.
class NetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// How a connection ended.
struct WsClose {
  std::uint16_t code = 0;  ///< close code from the close frame (0: none, the stream just ended)
  std::string reason{};
  bool by_peer = false;  ///< the peer closed (or vanished), not us
  std::string error{};   ///< what went wrong when it was not a clean close
  std::string describe() const;
};

struct WsHandlers {
  std::function<void(std::string data, bool binary)> on_message{};
  std::function<void(const WsClose&)> on_close{};
};

/// A connection is a TimerStrand: its handlers, posts and timers share one strand, and its timers
/// stop once it has closed.
class WsConnection : public TimerStrand {
 public:
  /// Starts reading; messages and the close are delivered to `handlers` on the strand.
  virtual void start(WsHandlers handlers) = 0;
  /// Queues a message (text by default); dropped once the connection is closing.
  virtual void send(std::string data, bool binary = false) = 0;
  /// Sends a close frame after the queued messages (normal closure by default).
  virtual void close(std::uint16_t code = 1000, std::string reason = {}) = 0;
  /// Messages queued but not yet written (back-pressure).
  virtual std::size_t queued() const = 0;
  virtual bool open() const = 0;
};

struct WsClientOptions {
  /// PEM file of trusted CAs instead of the system store (tests, private PKI). Hosts are always
  /// verified (certificate chain and name, SNI sent).
  std::string ca_file{};
  std::chrono::milliseconds connect_timeout{10000};
  std::size_t max_message_bytes = 4u << 20;
  std::vector<std::pair<std::string, std::string>> headers{};
  /// Keep-alive: a ping after half of this without traffic from the peer; the peer is declared
  /// gone (the connection closes with an error saying so) when the whole of it passes silently.
  /// 0 turns it off.
  std::chrono::milliseconds idle_timeout{30000};
};

/// Connects (blocking the caller until connected, failed or timed out). Throws NetError naming
/// the URL and the stage that failed (resolve, connect, TLS, upgrade with the HTTP status).
std::shared_ptr<WsConnection> ws_connect(EventLoop& loop, const std::string& url,
                                         const WsClientOptions& options = {});

/// An HTTP request seen by the server (webhooks, and the upgrade request of a WebSocket).
struct HttpRequest {
  std::string method{};
  std::string target{};                          ///< path and query
  std::map<std::string, std::string> headers{};  ///< lower-case names
  std::string body{};
  std::string remote{};  ///< peer address
  std::string path() const { return target.substr(0, target.find('?')); }
  std::string header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body{};
  std::vector<std::pair<std::string, std::string>> headers{};
};

/// What to do with a WebSocket upgrade request.
struct UpgradeDecision {
  int reject_status = 0;  ///< non-zero: answer with this HTTP status instead of upgrading
  std::string reject_body{};
  /// Accept, then close at once with this code (Pipecat's 4003 for a bad token).
  std::optional<std::uint16_t> close_code{};
  std::string close_reason{};
};

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  unsigned short port = 0;  ///< 0: an ephemeral port
  /// PEM certificate chain and key: serve https/wss instead of http/ws.
  std::string certificate_file{};
  std::string private_key_file{};
  std::size_t max_message_bytes = 4u << 20;
  std::size_t max_body_bytes = 1u << 20;
  /// WebSocket keep-alive, as in WsClientOptions.
  std::chrono::milliseconds idle_timeout{300000};
};

/// HTTP and WebSocket on one port (Twilio's webhook and its media stream live side by side).
class Server {
 public:
  using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
  using UpgradeHandler = std::function<UpgradeDecision(const HttpRequest&)>;
  using ConnectionHandler =
      std::function<void(std::shared_ptr<WsConnection> connection, const HttpRequest& upgrade)>;

  Server(EventLoop& loop, ServerOptions options, ConnectionHandler on_connection,
         HttpHandler on_http = {}, UpgradeHandler on_upgrade = {});
  /// Stops accepting and drops the WebSocket connections still open: their sockets close without
  /// a closing handshake, and their handlers are released without being called (their owner is
  /// going away). Returns once that is done; the event loop must still be running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const noexcept;
  /// ws://127.0.0.1:port (or wss://localhost:port with TLS).
  std::string ws_url(const std::string& path = "/") const;
  std::string http_url(const std::string& path = "/") const;
  /// Connections accepted so far; requests that failed to parse.
  std::size_t accepted() const noexcept;
  std::size_t bad_requests() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace scenario::net
