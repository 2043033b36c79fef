#pragma once
// The TwiML documents the Twilio adapter answers with (twilio-media-streams.md "TwiML").

#include <map>
#include <string>
#include <string_view>

namespace scenario::twilio {

/// Escapes & < > " ' for XML text and attribute values.
std::string xml_escape(std::string_view text);

/// <Response>[<Play digits="…"/>]<Connect><Stream url="…"><Parameter …/>…</Stream></Connect>
/// </Response>. `play_digits` (0-9 * # w) is played first: the way to press keys on a live call,
/// followed by a fresh stream so the call keeps talking (an update replaces the running TwiML).
std::string connect_stream_twiml(std::string_view stream_url,
                                 const std::map<std::string, std::string>& parameters,
                                 std::string_view play_digits = {});

/// <Response><Reject reason="…"/></Response> ("rejected" or "busy").
std::string reject_twiml(std::string_view reason = "rejected");

/// True when every character is one <Play digits> accepts (0-9 * # w).
bool valid_play_digits(std::string_view digits) noexcept;

}  // namespace scenario::twilio
