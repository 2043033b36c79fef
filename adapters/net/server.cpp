// HTTP + WebSocket server on one port: webhooks are answered, upgrades become WsConnections.
#include <utility>  // before asio (Boost 1.74 + GCC 12)

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <mutex>
#include <vector>

#include "net/beast_ws.hpp"
#include "net/io_context.hpp"

namespace scenario::net {

using namespace detail;
using tcp = asio::ip::tcp;
namespace http = beast::http;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  // The acceptor lives on a strand: the accept loop and the close in ~Server() run on the loop's
  // threads, and with more than one thread they would otherwise touch it at once (TSan saw it).
  Impl(EventLoop& l, ServerOptions o)
      : loop(l), options(std::move(o)), acceptor(asio::make_strand(io_context(l))) {}

  EventLoop& loop;
  ServerOptions options;
  tcp::acceptor acceptor;
  std::shared_ptr<asio::ssl::context> tls;
  ConnectionHandler on_connection;
  HttpHandler on_http;
  UpgradeHandler on_upgrade;
  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> bad_requests{0};
  // Live WebSocket connections, so that a server going away can end them (see ~Server).
  std::mutex connections_mutex;
  std::vector<std::weak_ptr<Droppable>> connections;

  void track(const std::shared_ptr<Droppable>& connection) {
    std::lock_guard lock(connections_mutex);
    std::erase_if(connections, [](const auto& c) { return c.expired(); });
    connections.push_back(connection);
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    for (;;) {
      beast::error_code ec;
      StrandSocket socket(asio::make_strand(io_context(loop)));
      co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) continue;  // e.g. too many open files: keep serving the others
      socket.set_option(tcp::no_delay(true), ec);
      auto executor = socket.get_executor();
      asio::co_spawn(executor, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(StrandSocket socket) {
    auto self = shared_from_this();
    const std::string remote = [&] {
      beast::error_code ec;
      const auto ep = socket.remote_endpoint(ec);
      return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
    }();
    PlainStream stream(std::move(socket));
    if (!tls) {
      co_await serve_stream(std::move(stream), remote);
      co_return;
    }
    TlsStream ssl(std::move(stream), *tls);
    beast::get_lowest_layer(ssl).expires_after(std::chrono::seconds(10));
    beast::error_code ec;
    co_await ssl.async_handshake(asio::ssl::stream_base::server,
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      ++bad_requests;
      co_return;
    }
    co_await serve_stream(std::move(ssl), remote);
  }

  template <class Stream>
  asio::awaitable<void> serve_stream(Stream stream, std::string remote) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
      beast::error_code ec;
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::end_of_stream || ec == asio::error::eof ||
          ec == beast::error::timeout) {
        co_return;
      }
      if (ec) {
        ++bad_requests;
        http::response<http::string_body> bad{http::status::bad_request, 11};
        bad.set(http::field::content_type, "text/plain");
        bad.body() = "bad request: " + ec.message();
        bad.keep_alive(false);
        bad.prepare_payload();
        co_await http::async_write(stream, bad, asio::redirect_error(asio::use_awaitable, ec));
        co_return;
      }
      auto req = parser.release();
      HttpRequest request;
      request.method = std::string(req.method_string());
      request.target = std::string(req.target());
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        request.headers[name] = std::string(f.value());
      }
      request.body = req.body();
      request.remote = remote;

      if (websocket::is_upgrade(req)) {
        UpgradeDecision decision;
        if (on_upgrade) decision = on_upgrade(request);
        if (decision.reject_status != 0) {
          http::response<http::string_body> res{static_cast<http::status>(decision.reject_status),
                                                req.version()};
          res.set(http::field::content_type, "text/plain");
          res.body() = decision.reject_body;
          res.keep_alive(false);
          res.prepare_payload();
          co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
          co_return;
        }
        ++accepted;
        websocket::stream<Stream> ws(std::move(stream));
        configure(ws, options.max_message_bytes);
        ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
          res.set(beast::http::field::server, "scenario-cpp");
        }));
        co_await ws.async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        auto connection =
            std::make_shared<BeastConnection<Stream>>(std::move(ws), options.idle_timeout);
        if (decision.close_code) {
          connection->start({});
          connection->close(*decision.close_code, decision.close_reason);
          co_return;
        }
        track(connection);
        if (on_connection) on_connection(connection, request);
        co_return;
      }

      HttpResponse answer{.status = 404, .content_type = "text/plain", .body = "not found"};
      if (on_http) {
        try {
          answer = on_http(request);
        } catch (const std::exception& e) {
          answer = {.status = 500, .content_type = "text/plain", .body = e.what()};
        }
      }
      http::response<http::string_body> res{static_cast<http::status>(answer.status),
                                            req.version()};
      res.set(http::field::content_type, answer.content_type);
      for (const auto& [k, v] : answer.headers) res.set(k, v);
      res.body() = std::move(answer.body);
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !req.keep_alive()) co_return;
    }
  }
};

Server::Server(EventLoop& loop, ServerOptions options, ConnectionHandler on_connection,
               HttpHandler on_http, UpgradeHandler on_upgrade)
    : impl_(std::make_shared<Impl>(loop, std::move(options))) {
  impl_->on_connection = std::move(on_connection);
  impl_->on_http = std::move(on_http);
  impl_->on_upgrade = std::move(on_upgrade);
  const auto& o = impl_->options;
  if (!o.certificate_file.empty()) {
    impl_->tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    beast::error_code ec;
    impl_->tls->use_certificate_chain_file(o.certificate_file, ec);
    if (!ec) impl_->tls->use_private_key_file(o.private_key_file, asio::ssl::context::pem, ec);
    if (ec) throw NetError("server TLS: cannot load " + o.certificate_file + ": " + ec.message());
  }
  beast::error_code ec;
  const tcp::endpoint endpoint(asio::ip::make_address(o.bind_address, ec), o.port);
  if (ec) throw NetError("server: bad bind address '" + o.bind_address + "'");
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw NetError("server: cannot listen on " + o.bind_address + ":" + std::to_string(o.port) +
                   ": " + ec.message());
  }
  asio::co_spawn(a.get_executor(), impl_->accept_loop(), asio::detached);
}

Server::~Server() {
  auto impl = impl_;
  std::promise<void> done;
  asio::post(impl->acceptor.get_executor(), [&] {
    beast::error_code ec;
    impl->acceptor.close(ec);
    done.set_value();
  });
  done.get_future().wait();
  // Drop the connections still open, and wait until each has let go of its handlers. Owners keep
  // per-connection state in those handlers, and that state often holds the connection: a cycle
  // that only the close breaks. Left open past this point, a connection whose event loop stops
  // next would never close, and the cycle would leak (LeakSanitizer caught it: a test ending
  // while the server still waited for the peer's half of a closing handshake).
  std::vector<std::shared_ptr<Droppable>> open;
  {
    std::lock_guard lock(impl->connections_mutex);
    for (const auto& weak : impl->connections) {
      if (auto c = weak.lock()) open.push_back(std::move(c));
    }
    impl->connections.clear();
  }
  std::vector<std::future<void>> ended;
  for (const auto& c : open) {
    auto ack = std::make_shared<std::promise<void>>();
    ended.push_back(ack->get_future());
    c->drop([ack] { ack->set_value(); });
  }
  for (auto& f : ended) f.wait();
}

unsigned short Server::port() const noexcept {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

std::string Server::ws_url(const std::string& path) const {
  return (impl_->tls ? "wss://localhost:" : "ws://127.0.0.1:") + std::to_string(port()) + path;
}

std::string Server::http_url(const std::string& path) const {
  return (impl_->tls ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(port()) + path;
}

std::size_t Server::accepted() const noexcept {
  return impl_->accepted.load();
}

std::size_t Server::bad_requests() const noexcept {
  return impl_->bad_requests.load();
}

}  // namespace scenario::net
