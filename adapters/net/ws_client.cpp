// WebSocket client: resolve, connect, TLS (verified, SNI), upgrade — with one deadline.
#include <utility>  // before asio (Boost 1.74 + GCC 12)

#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <future>

#include "net/beast_ws.hpp"
#include "net/io_context.hpp"
#include "scenario/net/url.hpp"

namespace scenario::net {
namespace {

using namespace detail;
using tcp = asio::ip::tcp;

std::string stage_error(const Url& url, const std::string& stage, const std::string& what) {
  return "WebSocket " + url.str() + ": " + stage + " failed: " + what;
}

template <class Stream>
asio::awaitable<void> upgrade(websocket::stream<Stream>& ws, const Url& url,
                              const WsClientOptions& options) {
  configure(ws, options.max_message_bytes, options.connect_timeout);
  ws.set_option(websocket::stream_base::decorator([&options](websocket::request_type& req) {
    req.set(beast::http::field::user_agent, "scenario-cpp");
    for (const auto& [k, v] : options.headers) req.set(k, v);
  }));
  websocket::response_type response;
  beast::error_code ec;
  co_await ws.async_handshake(response, url.host_header(), url.target,
                              asio::redirect_error(asio::use_awaitable, ec));
  if (ec == beast::error::timeout) {
    // No answer at all (a response object starts out as "200 OK": it says nothing here).
    throw NetError(stage_error(url, "upgrade",
                               "no answer from the server within " +
                                   std::to_string(options.connect_timeout.count()) +
                                   " ms (timed out)"));
  }
  if (ec) {
    const auto status = response.result_int();
    throw NetError(
        stage_error(url, "upgrade",
                    status != 0 && status != 101
                        ? "HTTP " + std::to_string(status) + " " + std::string(response.reason()) +
                              (response.body().empty() ? "" : ": " + response.body().substr(0, 200))
                        : ec.message()));
  }
}

asio::awaitable<std::shared_ptr<WsConnection>> connect(asio::io_context& io, Url url,
                                                       WsClientOptions options,
                                                       std::shared_ptr<asio::ssl::context> tls) {
  auto strand = asio::make_strand(io);
  tcp::resolver resolver(strand);
  beast::error_code ec;
  auto endpoints = co_await resolver.async_resolve(url.host, url.port,
                                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) throw NetError(stage_error(url, "resolving " + url.host, ec.message()));
  PlainStream tcp_stream(strand);
  tcp_stream.expires_after(options.connect_timeout);
  co_await tcp_stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec)
    throw NetError(stage_error(url, "connecting to " + url.host + ":" + url.port, ec.message()));
  tcp_stream.socket().set_option(tcp::no_delay(true));
  if (!url.secure()) {
    websocket::stream<PlainStream> ws(std::move(tcp_stream));
    co_await upgrade(ws, url, options);
    co_return std::make_shared<BeastConnection<PlainStream>>(std::move(ws), options.idle_timeout);
  }
  websocket::stream<TlsStream> ws(std::move(tcp_stream), *tls);
  auto& ssl = ws.next_layer();
  // SNI, and the certificate must name the host we asked for.
  if (!SSL_set_tlsext_host_name(ssl.native_handle(), url.host.c_str())) {
    throw NetError(stage_error(url, "TLS", "cannot set SNI host name"));
  }
  ssl.set_verify_callback(asio::ssl::host_name_verification(url.host));
  co_await ssl.async_handshake(asio::ssl::stream_base::client,
                               asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    const long verify = SSL_get_verify_result(ssl.native_handle());
    throw NetError(stage_error(
        url, "TLS handshake",
        ec.message() + (verify != X509_V_OK ? std::string(" (certificate: ") +
                                                  X509_verify_cert_error_string(verify) + ")"
                                            : std::string())));
  }
  co_await upgrade(ws, url, options);
  co_return std::make_shared<BeastConnection<TlsStream>>(std::move(ws), options.idle_timeout);
}

}  // namespace

std::string WsClose::describe() const {
  std::string s = by_peer ? "closed by the peer" : "closed by us";
  if (code != 0) s += " with code " + std::to_string(code);
  if (!reason.empty()) s += " (" + reason + ")";
  if (!error.empty()) s += (code == 0 ? ": " : "; ") + error;
  return s;
}

std::shared_ptr<WsConnection> ws_connect(EventLoop& loop, const std::string& text,
                                         const WsClientOptions& options) {
  const Url url = parse_url(text);
  if (url.scheme != "ws" && url.scheme != "wss") {
    throw NetError("WebSocket " + url.str() + ": scheme must be ws or wss");
  }
  std::shared_ptr<asio::ssl::context> tls;
  if (url.secure()) {
    tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    tls->set_verify_mode(asio::ssl::verify_peer);
    beast::error_code ec;
    if (options.ca_file.empty()) {
      tls->set_default_verify_paths(ec);
    } else {
      tls->load_verify_file(options.ca_file, ec);
    }
    if (ec) throw NetError(stage_error(url, "loading trusted CAs", ec.message()));
  }
  auto future = asio::co_spawn(io_context(loop), connect(io_context(loop), url, options, tls),
                               asio::use_future);
  // The connect deadline covers TCP; the handshakes have their own; this bounds the whole.
  if (future.wait_for(options.connect_timeout + std::chrono::seconds(15)) !=
      std::future_status::ready) {
    throw NetError(stage_error(url, "connecting", "timed out"));
  }
  return future.get();
}

}  // namespace scenario::net
