#pragma once
// X-Twilio-Signature, as Twilio's request validators compute it
// (shared/protocols/twilio-media-streams.md "X-Twilio-Signature"), and the form encoding that
// Twilio's webhooks and REST API use.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scenario::twilio {

/// Name/value pairs in the order they came (names may repeat).
using FormParams = std::vector<std::pair<std::string, std::string>>;

/// Parses an application/x-www-form-urlencoded body ('+' is a space, %XX escapes). Throws
/// ProtocolError on a bad escape, naming its offset.
FormParams parse_form(std::string_view body);
/// Percent-encodes every byte outside RFC 3986's unreserved set.
std::string form_encode(const FormParams& params);
std::string percent_encode(std::string_view text);
/// The value of the first parameter with this name, or empty.
std::string form_value(const FormParams& params, std::string_view name);

/// base64(HMAC-SHA1(auth_token, url + each name+value, names sorted, repeated names' values
/// sorted)). `params` is empty for GET, JSON and WebSocket upgrade requests.
std::string compute_signature(std::string_view auth_token, std::string_view url,
                              const FormParams& params = {});

/// Checks a form webhook's signature in constant time. The URL is tried as given and with the
/// default port added or removed (Twilio's backends differ on including :443/:80).
bool validate_signature(std::string_view auth_token, std::string_view signature,
                        std::string_view url, const FormParams& params = {});

/// A JSON webhook: the URL carries bodySHA256=<hex sha256 of the body>; the signature covers the
/// URL alone, and the body must hash to that value.
bool validate_json_signature(std::string_view auth_token, std::string_view signature,
                             std::string_view url, std::string_view body);

std::string sha256_hex(std::string_view data);

}  // namespace scenario::twilio
