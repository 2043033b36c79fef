#pragma once
// A real HTTP/1.1 server on loopback for fakes of remote REST APIs: scenario's own net::Server
// with a request log. Each test gets its own server on an ephemeral port.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "scenario/net/websocket.hpp"

namespace scenario::fakes {

/// What the server saw (the same type as scenario's own server: lower-case header names).
using HttpRequest = net::HttpRequest;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers{};
  /// Sleep this long before answering (slow servers, client timeouts).
  std::chrono::milliseconds delay{0};
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  explicit HttpServer(Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  unsigned short port() const noexcept { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<HttpRequest> requests() const;
  std::size_t request_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned short port_ = 0;
};

/// Splits a multipart/form-data body into (field name → value) and (field name → filename).
struct MultipartForm {
  std::map<std::string, std::string> values;
  std::map<std::string, std::string> filenames;
  std::map<std::string, std::string> content_types;
};
MultipartForm parse_multipart(const std::string& content_type_header, const std::string& body);

}  // namespace scenario::fakes
