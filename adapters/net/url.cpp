#include "scenario/net/url.hpp"

#include <algorithm>
#include <cctype>

namespace scenario::net {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string default_port(const std::string& scheme) {
  return scheme == "wss" || scheme == "https" ? "443" : "80";
}

}  // namespace

std::string Url::host_header() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return port == default_port(scheme) ? h : h + ":" + port;
}

std::string Url::str() const {
  return scheme + "://" + host_header() + target;
}

Url parse_url(std::string_view text) {
  // Errors quote the URL without what may be secret: credentials and the query (tokens).
  std::string shown(text.substr(0, std::min(text.find('?'), std::size_t{200})));
  if (const auto at = shown.find('@'), sep = shown.find("://");
      at != std::string::npos && sep != std::string::npos && at > sep) {
    shown.replace(sep + 3, at - sep - 3, "***");
  }
  const std::string quoted = "'" + shown + "'";
  for (const char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      throw UrlError("URL " + quoted + " contains a space or a non-ASCII/control character");
    }
  }
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) throw UrlError("URL " + quoted + " has no scheme (ws://…)");
  Url url;
  url.scheme = lower(text.substr(0, sep));
  if (url.scheme != "ws" && url.scheme != "wss" && url.scheme != "http" && url.scheme != "https") {
    throw UrlError("URL " + quoted + ": unsupported scheme '" + url.scheme +
                   "' (ws, wss, http, https)");
  }
  std::string_view rest = text.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) throw UrlError("URL " + quoted + " has a fragment");
  const auto path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  url.target = path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at));
  if (url.target.front() == '?') url.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) {
    throw UrlError("URL " + quoted + " carries credentials (user@host): pass them as options");
  }
  if (authority.empty()) throw UrlError("URL " + quoted + " has no host");
  std::string_view port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw UrlError("URL " + quoted + ": unclosed '[' in host");
    url.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw UrlError("URL " + quoted + ": junk after the IPv6 host");
      port = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    url.host = lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) throw UrlError("URL " + quoted + " has no host");
  if (url.host.find_first_of("/\\%") != std::string::npos)
    throw UrlError("URL " + quoted + ": invalid character in host");
  if (!port.empty() || (url.host.size() < authority.size() && authority.back() == ':')) {
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(port)) == 0 || std::stoi(std::string(port)) > 65535) {
      throw UrlError("URL " + quoted + ": port must be 1..65535");
    }
    url.port = std::string(port);
    url.explicit_port = true;
  } else {
    url.port = default_port(url.scheme);
  }
  return url;
}

}  // namespace scenario::net
