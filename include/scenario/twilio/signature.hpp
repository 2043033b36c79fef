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

/// base64(HMAC-SHA1(auth_token, url + each name+value, names sorted, a repeated name's distinct
/// values once each, sorted)). `params` is empty for GET, JSON and WebSocket upgrade requests.
std::string compute_signature(std::string_view auth_token, std::string_view url,
                              const FormParams& params = {});

/// Checks a form webhook's signature in constant time, accepting exactly what Twilio's helper
/// libraries accept (differentially tested against twilio-python and twilio-node): the URL is
/// tried without its port (any port) and with it (the default one added when absent: :443 for
/// https, :80 for every other scheme), as urlparse/urlunparse write it (scheme lower-cased, an
/// empty '?' or '#' dropped). A signature over another spelling of the URL (lower-cased host,
/// percent-encoded path, as twilio-node's WHATWG URL parser also tries) is not accepted: Twilio
/// signs the URL as configured. See docs/twilio-signatures.md.
bool validate_signature(std::string_view auth_token, std::string_view signature,
                        std::string_view url, const FormParams& params = {});

/// The spellings of `url` a signature is checked against (validate_signature), in that order.
std::vector<std::string> signature_urls(std::string_view url);

/// A JSON webhook: the URL's query carries the parameter bodySHA256=<hex sha256 of the body> (the
/// first non-empty one counts, as parse_qs finds it); the signature covers the URL alone, and the
/// body must hash to that value. Without that parameter only an empty body can validate.
bool validate_json_signature(std::string_view auth_token, std::string_view signature,
                             std::string_view url, std::string_view body);

std::string sha256_hex(std::string_view data);

}  // namespace scenario::twilio
