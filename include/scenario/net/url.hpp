#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace scenario::net {

class UrlError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// An absolute ws/wss/http/https URL, split for connecting.
struct Url {
  std::string scheme;  ///< lower case
  std::string host;    ///< without brackets for IPv6
  std::string port;    ///< explicit or the scheme's default
  std::string target;  ///< path and query, "/" at least
  bool explicit_port = false;

  bool secure() const noexcept { return scheme == "wss" || scheme == "https"; }
  /// Host header value: host, plus the port when it is not the default.
  std::string host_header() const;
  std::string str() const;
};

/// Parses an absolute URL; throws UrlError saying what is wrong (scheme, host, port, userinfo,
/// fragment, characters that do not belong).
Url parse_url(std::string_view text);

}  // namespace scenario::net
