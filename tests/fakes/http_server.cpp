#include "fakes/http_server.hpp"

#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace scenario::fakes {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

}  // namespace

struct HttpServer::Impl {
  Handler handler;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  std::vector<std::thread> connections;
  std::mutex mutex;
  std::vector<HttpRequest> requests;
  std::atomic<bool> stopping{false};

  void serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (!stopping) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      bhttp::read(socket, buffer, parser, ec);
      if (ec) return;
      const auto& req = parser.get();
      HttpRequest r{std::string(req.method_string()), std::string(req.target()), {}, req.body()};
      for (const auto& field : req) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(field.value());
      }
      {
        const std::lock_guard lock(mutex);
        requests.push_back(r);
      }
      HttpResponse out = handler(r);
      if (out.delay.count() > 0) std::this_thread::sleep_for(out.delay);
      if (out.drop_connection) {
        socket.shutdown(tcp::socket::shutdown_both, ec);
        return;
      }
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(out.status),
                                              req.version()};
      res.set(bhttp::field::content_type, out.content_type);
      for (const auto& [k, v] : out.headers) res.set(k, v);
      res.body() = std::move(out.body);
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      bhttp::write(socket, res, ec);
      if (ec || !req.keep_alive()) break;
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }
};

HttpServer::HttpServer(Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([impl = impl_.get()] {
    while (!impl->stopping) {
      beast::error_code ec;
      tcp::socket socket(impl->io);
      impl->acceptor.accept(socket, ec);
      if (ec || impl->stopping) return;
      const std::lock_guard lock(impl->mutex);
      impl->connections.emplace_back(
          [impl, s = std::move(socket)]() mutable { impl->serve(std::move(s)); });
    }
  });
}

HttpServer::~HttpServer() {
  impl_->stopping = true;
  beast::error_code ec;
  // Wake the blocking accept with a connection of our own, then close.
  {
    tcp::socket poke(impl_->io);
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  }
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  impl_->acceptor.close(ec);
  std::vector<std::thread> threads;
  {
    const std::lock_guard lock(impl_->mutex);
    threads.swap(impl_->connections);
  }
  for (auto& t : threads) t.join();
}

std::vector<HttpRequest> HttpServer::requests() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

std::size_t HttpServer::request_count() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->requests.size();
}

MultipartForm parse_multipart(const std::string& content_type, const std::string& body) {
  MultipartForm form;
  const auto b = content_type.find("boundary=");
  if (b == std::string::npos) return form;
  std::string boundary = content_type.substr(b + 9);
  if (!boundary.empty() && boundary.front() == '"')
    boundary = boundary.substr(1, boundary.find('"', 1) - 1);
  const std::string delimiter = "--" + boundary;
  std::size_t pos = body.find(delimiter);
  while (pos != std::string::npos) {
    pos += delimiter.size();
    if (body.compare(pos, 2, "--") == 0) break;
    pos += 2;  // CRLF
    const auto header_end = body.find("\r\n\r\n", pos);
    if (header_end == std::string::npos) break;
    const std::string headers = body.substr(pos, header_end - pos);
    const auto next = body.find("\r\n" + delimiter, header_end + 4);
    if (next == std::string::npos) break;
    const std::string value = body.substr(header_end + 4, next - header_end - 4);
    auto attribute = [&](const std::string& name) -> std::string {
      const auto at = headers.find(name + "=\"");
      if (at == std::string::npos) return "";
      const auto start = at + name.size() + 2;
      return headers.substr(start, headers.find('"', start) - start);
    };
    const std::string field = attribute("name");
    form.values[field] = value;
    if (const auto filename = attribute("filename"); !filename.empty())
      form.filenames[field] = filename;
    if (const auto ct = headers.find("Content-Type: "); ct != std::string::npos) {
      form.content_types[field] =
          headers.substr(ct + 14, headers.find("\r\n", ct) == std::string::npos
                                      ? std::string::npos
                                      : headers.find("\r\n", ct) - ct - 14);
    }
    pos = next + 2;
  }
  return form;
}

}  // namespace scenario::fakes
