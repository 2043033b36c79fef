// X-Twilio-Signature (shared/protocols/twilio-media-streams.md "X-Twilio-Signature").
#include "scenario/twilio/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <map>
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

std::string form_decode(std::string_view text, std::size_t offset) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      const int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        throw ProtocolError("form body: bad percent-escape at byte " + std::to_string(offset + i));
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// The URL with its default port toggled: added when absent, removed when present.
std::string toggle_default_port(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  const std::string_view scheme = url.substr(0, scheme_end);
  const std::string_view default_port = (scheme == "https" || scheme == "wss") ? "443"
                                        : (scheme == "http" || scheme == "ws") ? "80"
                                                                               : "";
  if (default_port.empty()) return {};
  const auto host_begin = scheme_end + 3;
  auto host_end = url.find_first_of("/?#", host_begin);
  if (host_end == std::string_view::npos) host_end = url.size();
  const std::string_view authority = url.substr(host_begin, host_end - host_begin);
  const auto bracket = authority.rfind(']');
  const auto colon = authority.rfind(':');
  const bool has_port =
      colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  std::string out(url.substr(0, host_begin));
  if (has_port) {
    if (authority.substr(colon + 1) != default_port) return {};
    out += authority.substr(0, colon);
  } else {
    out += authority;
    out += ':';
    out += default_port;
  }
  out += url.substr(host_end);
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

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
        out.emplace_back(form_decode(pair, start), std::string());
      } else {
        out.emplace_back(form_decode(pair.substr(0, eq), start),
                         form_decode(pair.substr(eq + 1), start + eq + 1));
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
  // Sorted unique names; a repeated name contributes each of its values, sorted (the Python
  // validator's behaviour).
  std::map<std::string, std::multiset<std::string>> sorted;
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
  // Both candidates are always computed and compared, so the time taken does not tell which one
  // matched.
  const bool as_given = equal_constant_time(compute_signature(auth_token, url, params), signature);
  const std::string other = toggle_default_port(url);
  const bool toggled = !other.empty() &&
                       equal_constant_time(compute_signature(auth_token, other, params), signature);
  return as_given || toggled;
}

bool validate_json_signature(std::string_view auth_token, std::string_view signature,
                             std::string_view url, std::string_view body) {
  const auto at = url.find("bodySHA256=");
  if (at == std::string_view::npos || (at > 0 && url[at - 1] != '?' && url[at - 1] != '&')) {
    return false;
  }
  auto end = url.find('&', at);
  if (end == std::string_view::npos) end = url.size();
  const std::string_view claimed = url.substr(at + 11, end - at - 11);
  const bool body_matches = equal_constant_time(sha256_hex(body), claimed);
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
