// Twilio webhook bodies from the wire (application/x-www-form-urlencoded): parse_form must throw
// ProtocolError or give pairs that re-encode and parse to the same pairs; signing them and
// validating the result must agree.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scenario/twilio/media_streams.hpp"
#include "scenario/twilio/signature.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto params = scenario::twilio::parse_form(text);
    if (scenario::twilio::parse_form(scenario::twilio::form_encode(params)) != params) {
      __builtin_trap();
    }
    const std::string url = "https://example.com/twilio/voice";
    const auto signature = scenario::twilio::compute_signature("token", url, params);
    if (!scenario::twilio::validate_signature("token", signature, url, params)) __builtin_trap();
    if (scenario::twilio::validate_signature("other", signature, url, params)) __builtin_trap();
  } catch (const scenario::twilio::ProtocolError&) {
  }
  return 0;
}
