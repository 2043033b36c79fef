// X-Twilio-Signature (shared/protocols/twilio-media-streams.md "X-Twilio-Signature").
#include "scenario/twilio/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "scenario/audio/base64.hpp"
#include "scenario/twilio/media_streams.hpp"

namespace scenario::twilio {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// '+' is a space and %XX a byte. A bad escape throws (a webhook body we must parse exactly) or,
// without `offset`, stays as written (Python's unquote_plus, for the validator's query parsing).
std::string percent_decode(std::string_view text, std::optional<std::size_t> offset) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const int hi = c == '%' && i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_value(text[i + 2]) : -1;
    if (c == '+') {
      out += ' ';
    } else if (lo >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '%' && offset) {
      throw ProtocolError("form body: bad percent-escape at byte " + std::to_string(*offset + i));
    } else {
      out += c;
    }
  }
  return out;
}

// The URL split as Python's urllib.parse.urlparse splits it, which is what Twilio's request
// validators work on (twilio-python request_validator.py: remove_port/add_port over urlparse).
struct UrlParts {
  std::string scheme;     ///< lower-cased, as urlparse gives it
  std::string authority;  ///< userinfo@host:port as written
  std::string path;
  std::string query;
  std::string fragment;
  bool has_authority = false;
};

std::optional<UrlParts> split_url(std::string_view url) {
  const auto colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  UrlParts parts;
  for (const char c : url.substr(0, colon)) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
    if (!ok) return std::nullopt;
    parts.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::string_view rest = url.substr(colon + 1);
  if (rest.starts_with("//")) {
    parts.has_authority = true;
    const auto end = rest.find_first_of("/?#", 2);
    parts.authority =
        std::string(rest.substr(2, end == std::string_view::npos ? rest.npos : end - 2));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  const auto hash = rest.find('#');
  if (hash != std::string_view::npos) {
    parts.fragment = std::string(rest.substr(hash + 1));
    rest = rest.substr(0, hash);
  }
  const auto question = rest.find('?');
  if (question != std::string_view::npos) {
    parts.query = std::string(rest.substr(question + 1));
    rest = rest.substr(0, question);
  }
  parts.path = std::string(rest);
  // For the schemes in urllib's uses_params (http and https among them, ws and wss not), urlparse
  // splits ";params" off the last path segment and urlunparse writes them back only when they are
  // not empty: a trailing ';' there disappears.
  static const std::set<std::string, std::less<>> kUsesParams = {
      "",     "ftp",   "hdl", "prospero", "http", "imap", "https", "shttp",
      "rtsp", "rtspu", "sip", "sips",     "mms",  "sftp", "tel"};
  const auto last_slash = parts.path.rfind('/');
  const auto semicolon = parts.path.find(';', last_slash == std::string::npos ? 0 : last_slash);
  if (kUsesParams.contains(parts.scheme) && semicolon != std::string::npos &&
      semicolon + 1 == parts.path.size()) {
    parts.path.pop_back();
  }
  return parts;
}

/// urlunparse: empty query and fragment are dropped with their '?' and '#'.
std::string join_url(const UrlParts& parts, std::string_view authority) {
  std::string out = parts.scheme + ':';
  if (parts.has_authority) {
    out += "//";
    out += authority;
    if (!parts.path.empty() && parts.path.front() != '/') out += '/';
  }
  out += parts.path;
  if (!parts.query.empty()) out += '?' + parts.query;
  if (!parts.fragment.empty()) out += '#' + parts.fragment;
  return out;
}

/// Where the port starts in an authority ("user@host:8443" → the ':'), or npos without one.
std::size_t port_colon(std::string_view authority) {
  const auto at = authority.rfind('@');
  const auto host_begin = at == std::string_view::npos ? 0 : at + 1;
  const auto bracket = authority.rfind(']');
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos || colon < host_begin) return std::string_view::npos;
  if (bracket != std::string_view::npos && bracket > colon) return std::string_view::npos;
  return colon;
}

/// A port urlparse accepts and reports as set: digits only, 1..65535 (port 0 reads as "no port").
bool has_port(std::string_view authority) {
  const auto colon = port_colon(authority);
  if (colon == std::string_view::npos || colon + 1 == authority.size()) return false;
  int port = 0;
  for (const char c : authority.substr(colon + 1)) {
    if (c < '0' || c > '9') return false;
    port = port * 10 + (c - '0');
    if (port > 65535) return false;
  }
  return port != 0;
}

/// The two URLs Twilio's validators try: without any port, and with the port (the default one
/// added when absent: 443 for https, 80 for every other scheme, wss included — both official
/// libraries do exactly this). Empty when the URL has no host part to work on.
std::vector<std::string> candidates(std::string_view url) {
  const auto parts = split_url(url);
  if (!parts || !parts->has_authority) return {std::string(url)};
  const std::string& authority = parts->authority;
  if (has_port(authority)) {
    return {join_url(*parts, authority.substr(0, port_colon(authority))),
            join_url(*parts, authority)};
  }
  const std::string default_port = parts->scheme == "https" ? ":443" : ":80";
  return {join_url(*parts, authority), join_url(*parts, authority + default_port)};
}

/// The first non-empty value of a query parameter, as parse_qs(query)[name][0] finds it.
std::optional<std::string> query_parameter(std::string_view query, std::string_view name) {
  std::size_t start = 0;
  while (start <= query.size()) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(start, end - start);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && eq + 1 < pair.size() &&
        percent_decode(pair.substr(0, eq), std::nullopt) == name) {
      return percent_decode(pair.substr(eq + 1), std::nullopt);
    }
    start = end + 1;
  }
  return std::nullopt;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::vector<std::string> signature_urls(std::string_view url) {
  return candidates(url);
}

FormParams parse_form(std::string_view body) {
  FormParams out;
  std::size_t start = 0;
  while (start <= body.size()) {
    auto end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view pair = body.substr(start, end - start);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(percent_decode(pair, start), std::string());
      } else {
        out.emplace_back(percent_decode(pair.substr(0, eq), start),
                         percent_decode(pair.substr(eq + 1), start + eq + 1));
      }
    }
    start = end + 1;
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '_' || u == '.' || u == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string form_encode(const FormParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += percent_encode(name);
    out += '=';
    out += percent_encode(value);
  }
  return out;
}

std::string form_value(const FormParams& params, std::string_view name) {
  for (const auto& [n, v] : params)
    if (n == name) return v;
  return {};
}

std::string compute_signature(std::string_view auth_token, std::string_view url,
                              const FormParams& params) {
  // Sorted names; a repeated name contributes each *distinct* value once, sorted: what Twilio's
  // helper libraries do (twilio-python get_values + sorted(set(values)), twilio-node
  // toFormUrlEncodedParam with new Set). Byte order of UTF-8 is code point order, as in Python.
  std::map<std::string, std::set<std::string>> sorted;
  for (const auto& [name, value] : params) sorted[name].insert(value);
  std::string message(url);
  for (const auto& [name, values] : sorted) {
    for (const auto& value : values) {
      message += name;
      message += value;
    }
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha1(), auth_token.data(), static_cast<int>(auth_token.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(), &length);
  return audio::base64_encode(std::span<const std::uint8_t>(mac.data(), length));
}

bool validate_signature(std::string_view auth_token, std::string_view signature,
                        std::string_view url, const FormParams& params) {
  if (signature.empty() || auth_token.empty()) return false;
  // Every candidate is computed and compared, so the time taken does not tell which one matched.
  bool valid = false;
  for (const auto& candidate : signature_urls(url)) {
    valid =
        equal_constant_time(compute_signature(auth_token, candidate, params), signature) || valid;
  }
  return valid;
}

bool validate_json_signature(std::string_view auth_token, std::string_view signature,
                             std::string_view url, std::string_view body) {
  const auto parts = split_url(url);
  const auto claimed =
      parts ? query_parameter(parts->query, "bodySHA256") : std::optional<std::string>{};
  // Without bodySHA256 there is no hash to check a body against; an empty body is then a plain
  // signed GET-like request (twilio-python accepts it; with a body it raises TypeError).
  const bool body_matches =
      claimed ? equal_constant_time(sha256_hex(body), *claimed) : body.empty();
  const bool signed_ok = validate_signature(auth_token, signature, url);
  return body_matches && signed_ok;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace scenario::twilio
