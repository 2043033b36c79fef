#include "fakes/http_server.hpp"

#include <thread>

namespace scenario::fakes {

struct HttpServer::Impl {
  Handler handler;
  net::EventLoop loop{4};  // a handler's delay blocks one thread, not the others
  std::unique_ptr<net::Server> server;
  mutable std::mutex mutex;
  std::vector<HttpRequest> requests;
};

HttpServer::HttpServer(Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  Impl* impl = impl_.get();
  impl_->server =
      std::make_unique<net::Server>(impl_->loop, net::ServerOptions{.max_body_bytes = 64u << 20},
                                    nullptr, [impl](const net::HttpRequest& request) {
                                      {
                                        const std::lock_guard lock(impl->mutex);
                                        impl->requests.push_back(request);
                                      }
                                      HttpResponse out = impl->handler(request);
                                      if (out.delay.count() > 0)
                                        std::this_thread::sleep_for(out.delay);
                                      return net::HttpResponse{.status = out.status,
                                                               .content_type = out.content_type,
                                                               .body = std::move(out.body),
                                                               .headers = std::move(out.headers)};
                                    });
  port_ = impl_->server->port();
}

HttpServer::~HttpServer() {
  impl_->server.reset();  // before the loop's threads stop
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
