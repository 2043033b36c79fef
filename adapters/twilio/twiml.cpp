#include "scenario/twilio/twiml.hpp"

#include <stdexcept>

namespace scenario::twilio {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool valid_play_digits(std::string_view digits) noexcept {
  for (const char d : digits) {
    if (!((d >= '0' && d <= '9') || d == '*' || d == '#' || d == 'w')) return false;
  }
  return true;
}

std::string connect_stream_twiml(std::string_view stream_url,
                                 const std::map<std::string, std::string>& parameters,
                                 std::string_view play_digits) {
  if (!valid_play_digits(play_digits)) {
    throw std::invalid_argument(
        "TwiML <Play digits>: only 0-9 * # and w (a 0.5 s pause) are allowed");
  }
  std::string out = R"(<?xml version="1.0" encoding="UTF-8"?><Response>)";
  if (!play_digits.empty()) {
    out += R"(<Play digits=")";
    out += play_digits;
    out += R"("/>)";
  }
  out += R"(<Connect><Stream url=")";
  out += xml_escape(stream_url);
  out += R"(">)";
  for (const auto& [name, value] : parameters) {
    out += R"(<Parameter name=")";
    out += xml_escape(name);
    out += R"(" value=")";
    out += xml_escape(value);
    out += R"("/>)";
  }
  out += "</Stream></Connect></Response>";
  return out;
}

std::string reject_twiml(std::string_view reason) {
  return R"(<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason=")" +
         xml_escape(reason) + R"("/></Response>)";
}

}  // namespace scenario::twilio
