#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "scenario/net/websocket.hpp"
#include "support/tools.hpp"

namespace scenario::net {
namespace {

using namespace std::chrono_literals;

// Collects what a connection delivers, for the test thread to wait on.
struct Inbox {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::pair<std::string, bool>> messages;
  std::optional<WsClose> closed;
  WsHandlers handlers() {
    return {.on_message =
                [this](std::string d, bool b) {
                  std::lock_guard l(m);
                  messages.emplace_back(std::move(d), b);
                  cv.notify_all();
                },
            .on_close =
                [this](const WsClose& c) {
                  std::lock_guard l(m);
                  closed = c;
                  cv.notify_all();
                }};
  }
  bool wait_for(std::size_t n) {
    std::unique_lock l(m);
    return cv.wait_for(l, 5s, [&] { return messages.size() >= n; });
  }
  bool wait_closed() {
    std::unique_lock l(m);
    return cv.wait_for(l, 5s, [&] { return closed.has_value(); });
  }
};

// An echo server: every message comes back; "close:<code>" closes with that code.
struct EchoServer {
  EventLoop& loop;
  std::unique_ptr<Server> server;
  explicit EchoServer(EventLoop& l, ServerOptions o = {}) : loop(l) {
    server = std::make_unique<Server>(
        loop, std::move(o),
        [](std::shared_ptr<WsConnection> c, const HttpRequest&) {
          std::weak_ptr<WsConnection> weak = c;
          c->start({.on_message = [weak](std::string d, bool binary) {
            auto self = weak.lock();
            if (!self) return;
            if (d.rfind("close:", 0) == 0) {
              self->close(static_cast<std::uint16_t>(std::stoi(d.substr(6))), "asked to");
            } else {
              self->send(std::move(d), binary);
            }
          }});
        },
        [](const HttpRequest& r) {
          return HttpResponse{.status = 200, .content_type = "text/xml", .body = "hook " + r.body};
        },
        [](const HttpRequest& r) {
          if (r.path() == "/forbidden")
            return UpgradeDecision{.reject_status = 403, .reject_body = "no"};
          if (r.path() == "/token")
            return UpgradeDecision{.close_code = 4003, .close_reason = "bad token"};
          return UpgradeDecision{};
        });
  }
};

TEST(WebSocket, TextAndBinaryRoundTripAndCloseCodes) {
  EventLoop loop(1);
  EchoServer echo(loop);
  auto c = ws_connect(loop, echo.server->ws_url("/ws"));
  Inbox inbox;
  c->start(inbox.handlers());
  c->send("hello");
  c->send(std::string("\x00\x01\x02", 3), true);
  ASSERT_TRUE(inbox.wait_for(2));
  EXPECT_EQ(inbox.messages[0], std::make_pair(std::string("hello"), false));
  EXPECT_EQ(inbox.messages[1], std::make_pair(std::string("\x00\x01\x02", 3), true));
  c->send("close:4001");
  ASSERT_TRUE(inbox.wait_closed());
  EXPECT_TRUE(inbox.closed->by_peer);
  EXPECT_EQ(inbox.closed->code, 4001);
  EXPECT_EQ(inbox.closed->reason, "asked to");
  EXPECT_FALSE(c->open());
}

TEST(WebSocket, UpgradeRejectionsAndUnreachablePeersAreClearErrors) {
  EventLoop loop(1);
  EchoServer echo(loop);
  try {
    ws_connect(loop, echo.server->ws_url("/forbidden"));
    FAIL() << "expected a rejection";
  } catch (const NetError& e) {
    EXPECT_NE(std::string(e.what()).find("HTTP 403"), std::string::npos) << e.what();
  }
  auto c = ws_connect(loop, echo.server->ws_url("/token"));
  Inbox inbox;
  c->start(inbox.handlers());
  ASSERT_TRUE(inbox.wait_closed());
  EXPECT_EQ(inbox.closed->code, 4003) << "accept, then close 4003 (Pipecat's bad token)";
  const auto port = echo.server->port();
  echo.server.reset();
  try {
    ws_connect(loop, "ws://127.0.0.1:" + std::to_string(port) + "/", {.connect_timeout = 2000ms});
    FAIL() << "expected a connection error";
  } catch (const NetError& e) {
    EXPECT_NE(std::string(e.what()).find("connecting to 127.0.0.1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ws_connect(loop, "http://127.0.0.1:1/"), NetError);
}

TEST(WebSocket, OversizedMessagesCloseTheConnectionWithTooBig) {
  EventLoop loop(1);
  Inbox server_side;
  std::shared_ptr<WsConnection> accepted;
  Server server(loop, {.max_message_bytes = 1024},
                [&](std::shared_ptr<WsConnection> c, const HttpRequest&) {
                  accepted = c;
                  c->start(server_side.handlers());
                });
  auto c = ws_connect(loop, server.ws_url());
  Inbox inbox;
  c->start(inbox.handlers());
  c->send(std::string(4096, 'x'));
  ASSERT_TRUE(inbox.wait_closed());
  EXPECT_EQ(inbox.closed->code, 1009) << inbox.closed->describe();
}

TEST(WebSocket, KeepAlivePingsKeepAQuietPeerAndDropASilentOne) {
  EventLoop loop(1);
  // A peer that reads (so Beast answers our pings) but never sends a message.
  std::shared_ptr<WsConnection> quiet_side;
  Inbox quiet_inbox;
  Server quiet(loop, {.idle_timeout = 300ms},
               [&](std::shared_ptr<WsConnection> c, const HttpRequest&) {
                 quiet_side = c;
                 c->start(quiet_inbox.handlers());
               });
  auto c = ws_connect(loop, quiet.ws_url(), {.idle_timeout = 300ms});
  Inbox inbox;
  c->start(inbox.handlers());
  std::this_thread::sleep_for(1500ms);  // five idle halves: pings went both ways and were answered
  EXPECT_TRUE(c->open()) << (inbox.closed ? inbox.closed->describe() : "");
  EXPECT_TRUE(quiet_side->open()) << (quiet_inbox.closed ? quiet_inbox.closed->describe() : "");
  c->send("still here");
  ASSERT_TRUE(quiet_inbox.wait_for(1));
  c->close();
  ASSERT_TRUE(inbox.wait_closed());
  EXPECT_TRUE(inbox.closed->error.empty()) << inbox.closed->describe();

  // A peer that never reads: our ping goes unanswered, so the connection ends with that reason.
  std::shared_ptr<WsConnection> deaf_side;
  Server deaf(loop, {},
              [&](std::shared_ptr<WsConnection> d, const HttpRequest&) { deaf_side = d; });
  auto lonely = ws_connect(loop, deaf.ws_url(), {.idle_timeout = 300ms});
  Inbox lonely_inbox;
  const auto t0 = std::chrono::steady_clock::now();
  lonely->start(lonely_inbox.handlers());
  ASSERT_TRUE(lonely_inbox.wait_closed());
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 300ms);
  EXPECT_LE(waited, 2000ms);
  EXPECT_TRUE(lonely_inbox.closed->by_peer);
  EXPECT_EQ(lonely_inbox.closed->error,
            "nothing heard from the peer for 300 ms (a ping went unanswered)")
      << lonely_inbox.closed->describe();
  EXPECT_FALSE(lonely->open());

  // The server side keeps alive the same way: a client that never reads is dropped.
  Inbox server_inbox;
  Server watchful(loop, {.idle_timeout = 300ms},
                  [&](std::shared_ptr<WsConnection> s, const HttpRequest&) {
                    s->start(server_inbox.handlers());
                  });
  auto deaf_client = ws_connect(loop, watchful.ws_url(), {.idle_timeout = 0ms});
  ASSERT_TRUE(server_inbox.wait_closed());
  EXPECT_EQ(server_inbox.closed->error,
            "nothing heard from the peer for 300 ms (a ping went unanswered)")
      << server_inbox.closed->describe();
}

// Owners keep per-connection state in the handlers, and that state holds the connection. Only
// the close breaks that cycle; a server going away must break it even when the peer never answers
// the closing handshake (or the loop stops next and the cycle leaks).
TEST(WebSocket, AServerGoingAwayDropsItsConnectionsAndReleasesTheirHandlers) {
  EventLoop loop(1);
  struct Leg {
    std::shared_ptr<WsConnection> connection;
  };
  std::mutex m;
  std::weak_ptr<Leg> observed;
  std::atomic<int> closes{0};
  std::promise<void> closing;
  auto server = std::make_unique<Server>(
      loop, ServerOptions{}, [&](std::shared_ptr<WsConnection> c, const HttpRequest&) {
        auto leg = std::make_shared<Leg>(Leg{c});
        {
          std::lock_guard l(m);
          observed = leg;
        }
        c->start({.on_message = [leg](std::string, bool) {},
                  .on_close = [leg, &closes](const WsClose&) { ++closes; }});
        c->close(1008, "go away");
        closing.set_value();
      });
  // Never started: it reads nothing, so the server's closing handshake stays open.
  const auto deaf = ws_connect(loop, server->ws_url("/"));
  ASSERT_EQ(closing.get_future().wait_for(5s), std::future_status::ready);
  std::this_thread::sleep_for(50ms);  // the close frame is out; the server waits for the answer
  {
    std::lock_guard l(m);
    ASSERT_FALSE(observed.expired()) << "the handlers hold the leg while the close is pending";
  }
  server.reset();
  std::lock_guard l(m);
  EXPECT_TRUE(observed.expired()) << "the leg (and through it the connection) would leak";
  EXPECT_EQ(closes.load(), 0) << "handlers of a server going away are released, not called";
}

TEST(WebSocket, HttpWebhooksAreServedOnTheSamePort) {
  EventLoop loop(1);
  EchoServer echo(loop);
  const auto out = test::run_checked("curl -s -X POST --data 'CallSid=CA1' " +
                                     echo.server->http_url("/twilio/voice"));
  EXPECT_EQ(out, "hook CallSid=CA1");
  const auto bad = test::run_command("bash -c 'exec 3<>/dev/tcp/127.0.0.1/" +
                                     std::to_string(echo.server->port()) +
                                     "; printf \"GARBAGE\\r\\n\\r\\n\" >&3; timeout 5 cat <&3'");
  EXPECT_NE(bad.output.find("400"), std::string::npos) << bad.output;
}

TEST(WebSocket, TlsIsVerifiedWithSniAndACustomCa) {
  const auto dir = test::scratch_dir("ws_tls");
  const auto key = (dir / "key.pem").string();
  const auto cert = (dir / "cert.pem").string();
  const auto other = (dir / "other.pem").string();
  const auto other_key = (dir / "other-key.pem").string();
  test::run_checked(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost -keyout " +
      key + " -out " + cert + " 2>&1");
  test::run_checked(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=example.com "
      "-addext subjectAltName=DNS:example.com -keyout " +
      other_key + " -out " + other + " 2>&1");
  // Declared before the loop: the client is still open when the test ends, and its on_close
  // runs when the server going away drops the other end.
  Inbox inbox;
  EventLoop loop(1);
  EchoServer good(loop, {.certificate_file = cert, .private_key_file = key});
  auto c = ws_connect(loop, good.server->ws_url("/ws"), {.ca_file = cert});
  c->start(inbox.handlers());
  c->send("over tls");
  ASSERT_TRUE(inbox.wait_for(1));
  EXPECT_EQ(inbox.messages[0].first, "over tls");
  // Not trusted: the system store does not know our CA.
  try {
    ws_connect(loop, good.server->ws_url("/ws"));
    FAIL() << "an untrusted certificate was accepted";
  } catch (const NetError& e) {
    EXPECT_NE(std::string(e.what()).find("TLS handshake"), std::string::npos) << e.what();
  }
  // Trusted, but for another name.
  EchoServer wrong_name(loop, {.certificate_file = other, .private_key_file = other_key});
  try {
    ws_connect(loop, wrong_name.server->ws_url("/ws"), {.ca_file = other});
    FAIL() << "a certificate for another host was accepted";
  } catch (const NetError& e) {
    EXPECT_NE(std::string(e.what()).find("TLS handshake"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace scenario::net
