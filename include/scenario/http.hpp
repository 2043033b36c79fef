#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace scenario::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// One field of a multipart/form-data body (file uploads for speech-to-text).
struct FormField {
  std::string name;
  std::string value;           ///< text value, or the file's bytes
  std::string filename{};      ///< set for a file part
  std::string content_type{};  ///< e.g. "audio/wav" for a file part
};

struct Request {
  std::string method = "POST";
  std::string url;
  Headers headers{};
  std::string body{};
  std::vector<FormField> form{};  ///< when not empty, sent as multipart/form-data instead of body
  std::chrono::milliseconds timeout{60000};
};

struct Response {
  long status = 0;
  Headers headers{};
  std::string body{};
  /// First header with this name (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
};

/// The request never got an HTTP answer: connection refused, DNS, TLS verification, timeout.
class TransportError : public std::runtime_error {
 public:
  TransportError(const std::string& what, bool timed_out)
      : std::runtime_error(what), timed_out_(timed_out) {}
  bool timed_out() const noexcept { return timed_out_; }

 private:
  bool timed_out_;
};

class Client {
 public:
  virtual ~Client() = default;
  /// Sends a request; any HTTP status is a Response. Throws TransportError otherwise.
  virtual Response send(const Request& request) = 0;
};

struct ClientOptions {
  /// Verify the server's certificate and host name (always on unless a test says otherwise).
  bool verify_tls = true;
  /// Extra CA bundle (PEM), e.g. a test CA; the system store is used otherwise.
  std::optional<std::string> ca_file{};
};

/// The libcurl client. Thread-safe: each send() uses its own easy handle.
std::shared_ptr<Client> make_curl_client(ClientOptions options = {});

}  // namespace scenario::http
