#pragma once
// Twilio Media Streams messages, both directions, exactly as documented
// (shared/protocols/twilio-media-streams.md). The one place they are parsed and built: used by the
// Pipecat and Twilio adapters, the fake Twilio and the reference IVR bot alike.

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace scenario::twilio {

/// A message that is not what the protocol says (not JSON, missing or mistyped field, bad base64).
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Event { connected, start, media, dtmf, mark, clear, stop, unknown };
std::string_view to_string(Event event) noexcept;

struct StartInfo {
  std::string stream_sid{};
  std::string account_sid{};
  std::string call_sid{};
  std::vector<std::string> tracks{"inbound"};
  std::map<std::string, std::string> custom_parameters{};
  std::string encoding = "audio/x-mulaw";
  int sample_rate = 8000;
  int channels = 1;
};

struct Message {
  Event event = Event::unknown;
  std::string event_name{};  ///< as received (for unknown events)
  std::string stream_sid{};
  std::optional<std::uint64_t> sequence_number{};
  // connected
  std::string protocol{};
  std::string version{};
  // start
  StartInfo start{};
  // media: μ-law bytes (decoded from base64); track/chunk/timestamp only from Twilio
  std::vector<std::uint8_t> payload{};
  std::string track{};
  std::optional<std::uint64_t> chunk{};
  std::optional<std::uint64_t> timestamp_ms{};
  // dtmf
  std::string digit{};
  // mark
  std::string mark_name{};
  // stop
  std::string stop_call_sid{};
};

/// Parses one text frame. Throws ProtocolError naming the event and the field at fault. Unknown
/// events parse (Event::unknown) so callers can count them.
Message parse(std::string_view text);
/// The same, always through the JSON parser (parse() scans plain `media` frames without building
/// a JSON tree; the fuzz target checks both agree).
Message parse_json(std::string_view text);

// Twilio → server (what a caller side sends).
std::string build_connected();
std::string build_start(const StartInfo& start, std::uint64_t sequence_number);
std::string build_inbound_media(std::string_view stream_sid, std::uint64_t sequence_number,
                                std::uint64_t chunk, std::uint64_t timestamp_ms,
                                std::span<const std::uint8_t> mulaw);
/// `digit`: one of 0-9 * # (anything else throws ProtocolError).
std::string build_dtmf(std::string_view stream_sid, std::uint64_t sequence_number, char digit);
std::string build_mark_echo(std::string_view stream_sid, std::uint64_t sequence_number,
                            std::string_view name);
std::string build_stop(std::string_view stream_sid, std::uint64_t sequence_number,
                       std::string_view account_sid, std::string_view call_sid);

// Server → Twilio.
std::string build_outbound_media(std::string_view stream_sid, std::span<const std::uint8_t> mulaw);
std::string build_mark(std::string_view stream_sid, std::string_view name);
std::string build_clear(std::string_view stream_sid);

/// The caller side of one stream: numbers every message as Twilio does (sequenceNumber from "1"
/// for `start`, chunk from "1", timestamp in ms since the stream started).
class CallerStream {
 public:
  explicit CallerStream(StartInfo start) : start_(std::move(start)) {}
  const StartInfo& info() const noexcept { return start_; }
  std::string connected() const { return build_connected(); }
  std::string start() { return build_start(start_, ++sequence_); }
  std::string media(std::span<const std::uint8_t> mulaw, std::uint64_t timestamp_ms) {
    return build_inbound_media(start_.stream_sid, ++sequence_, ++chunk_, timestamp_ms, mulaw);
  }
  std::string dtmf(char digit) { return build_dtmf(start_.stream_sid, ++sequence_, digit); }
  std::string mark_echo(std::string_view name) {
    return build_mark_echo(start_.stream_sid, ++sequence_, name);
  }
  std::string stop() {
    return build_stop(start_.stream_sid, ++sequence_, start_.account_sid, start_.call_sid);
  }

 private:
  StartInfo start_;
  std::uint64_t sequence_ = 0;
  std::uint64_t chunk_ = 0;
};

/// A SID: two-letter prefix (AC, CA, MZ, PN) + 32 lower-case hex digits.
std::string make_sid(std::string_view prefix, std::mt19937_64& random);
bool is_sid(std::string_view text, std::string_view prefix);

/// Counts of what a peer sent, for reports: malformed and unknown messages never stop a call.
struct MessageCounts {
  std::map<std::string, std::uint64_t> by_event{};
  std::uint64_t malformed = 0;
  std::uint64_t unknown = 0;
  std::string last_error{};
};

/// μ-law silence (0xFF), 160 bytes = 20 ms at 8 kHz.
inline constexpr std::uint8_t kMulawSilence = 0xFF;
inline constexpr std::size_t kFrameBytes = 160;

}  // namespace scenario::twilio
