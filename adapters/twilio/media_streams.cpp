#include "scenario/twilio/media_streams.hpp"

#include <nlohmann/json.hpp>

#include "scenario/audio/base64.hpp"

namespace scenario::twilio {
namespace {

using json = nlohmann::json;

const json& field(const json& j, const char* name, std::string_view where) {
  const auto it = j.find(name);
  if (it == j.end()) {
    throw ProtocolError(std::string(where) + ": missing \"" + name + "\"");
  }
  return *it;
}

std::string string_field(const json& j, const char* name, std::string_view where) {
  const json& v = field(j, name, where);
  if (!v.is_string()) {
    throw ProtocolError(std::string(where) + ": \"" + name + "\" must be a string, got " +
                        v.type_name());
  }
  return v.get<std::string>();
}

// sequenceNumber, chunk and timestamp are decimal strings on the wire (§ Messages from Twilio).
std::optional<std::uint64_t> numeric_string(const json& j, const char* name,
                                            std::string_view where) {
  const auto it = j.find(name);
  if (it == j.end()) return std::nullopt;
  if (!it->is_string()) {
    throw ProtocolError(std::string(where) + ": \"" + name +
                        "\" must be a string of digits (Twilio sends strings), got " +
                        it->type_name());
  }
  const auto& s = it->get_ref<const std::string&>();
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) {
    throw ProtocolError(std::string(where) + ": \"" + name + "\" is not a number: \"" +
                        s.substr(0, 32) + "\"");
  }
  return std::stoull(s);
}

std::string optional_string(const json& j, const char* name, std::string_view where,
                            std::string fallback = {}) {
  return j.contains(name) ? string_field(j, name, where) : std::move(fallback);
}

int optional_int(const json& j, const char* name, std::string_view where, int fallback) {
  const auto it = j.find(name);
  if (it == j.end()) return fallback;
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0 ||
      it->get<std::int64_t>() > 1'000'000) {
    throw ProtocolError(std::string(where) + ": \"" + name +
                        "\" must be a small non-negative integer, got " + it->dump().substr(0, 32));
  }
  return static_cast<int>(it->get<std::int64_t>());
}

bool valid_digit(char d) {
  return (d >= '0' && d <= '9') || d == '*' || d == '#';
}

Event event_of(std::string_view name) {
  if (name == "connected") return Event::connected;
  if (name == "start") return Event::start;
  if (name == "media") return Event::media;
  if (name == "dtmf") return Event::dtmf;
  if (name == "mark") return Event::mark;
  if (name == "clear") return Event::clear;
  if (name == "stop") return Event::stop;
  return Event::unknown;
}

}  // namespace

std::string_view to_string(Event event) noexcept {
  switch (event) {
    case Event::connected:
      return "connected";
    case Event::start:
      return "start";
    case Event::media:
      return "media";
    case Event::dtmf:
      return "dtmf";
    case Event::mark:
      return "mark";
    case Event::clear:
      return "clear";
    case Event::stop:
      return "stop";
    case Event::unknown:
      break;
  }
  return "unknown";
}

namespace {

// A scanner for the one message that comes 50 times a second per call: a flat `media` object
// whose values are plain strings (no escapes), in any key order, with optional whitespace
// (Python's json.dumps writes ", " and ": "). Anything else — escapes, numbers, unknown or
// repeated keys — returns false and the message goes through the JSON parser, so both paths give
// the same result (fuzz_twilio_message checks that).
class MediaScanner {
 public:
  explicit MediaScanner(std::string_view text) : text_(text) {}

  bool scan(Message& m) {
    std::string_view payload;
    bool have_event = false, have_media = false;
    if (!consume('{')) return false;
    for (bool first = true;; first = false) {
      skip_space();
      if (peek() == '}') {
        ++pos_;
        break;
      }
      if (!first && !consume(',')) return false;
      std::string_view key;
      if (!string(key) || !consume(':')) return false;
      skip_space();
      if (key == "media") {
        if (have_media || !media_object(m, payload)) return false;
        have_media = true;
        continue;
      }
      std::string_view value;
      if (!string(value)) return false;
      if (key == "event") {
        if (have_event || value != "media") return false;
        have_event = true;
      } else if (key == "streamSid") {
        if (!m.stream_sid.empty() || value.empty()) return false;
        m.stream_sid = value;
      } else if (key == "sequenceNumber") {
        if (m.sequence_number || !digits(value, m.sequence_number)) return false;
      } else {
        return false;
      }
    }
    skip_space();
    if (pos_ != text_.size() || !have_event || !have_media) return false;
    m.event = Event::media;
    m.event_name = "media";
    try {
      audio::base64_decode(payload, m.payload);
    } catch (const std::exception&) {
      return false;  // the JSON path reports it
    }
    return true;
  }

 private:
  bool media_object(Message& m, std::string_view& payload) {
    bool have_payload = false;
    if (!consume('{')) return false;
    for (bool first = true;; first = false) {
      skip_space();
      if (peek() == '}') {
        ++pos_;
        return have_payload;
      }
      if (!first && !consume(',')) return false;
      std::string_view key, value;
      if (!string(key) || !consume(':')) return false;
      skip_space();
      if (!string(value)) return false;
      if (key == "payload") {
        if (have_payload) return false;
        payload = value;
        have_payload = true;
      } else if (key == "track") {
        if (!m.track.empty() || value.empty()) return false;
        m.track = value;
      } else if (key == "chunk") {
        if (m.chunk || !digits(value, m.chunk)) return false;
      } else if (key == "timestamp") {
        if (m.timestamp_ms || !digits(value, m.timestamp_ms)) return false;
      } else {
        return false;
      }
    }
  }

  static bool digits(std::string_view s, std::optional<std::uint64_t>& out) {
    if (s.empty() || s.size() > 19) return false;
    std::uint64_t v = 0;
    for (const char c : s) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    out = v;
    return true;
  }

  bool string(std::string_view& out) {
    skip_space();
    if (!consume('"')) return false;
    const auto start = pos_;
    while (pos_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        out = text_.substr(start, pos_ - start);
        ++pos_;
        return true;
      }
      if (c == '\\' || c < 0x20 || c >= 0x80) return false;  // escapes, controls, UTF-8
      ++pos_;
    }
    return false;
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\t'))
      ++pos_;
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool consume(char c) {
    skip_space();
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Message parse(std::string_view text) {
  Message m;
  if (MediaScanner(text).scan(m)) return m;
  return parse_json(text);
}

Message parse_json(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw ProtocolError("not JSON: " + std::string(text.substr(0, 80)));
  if (!j.is_object()) throw ProtocolError("not a JSON object");
  Message m;
  m.payload.clear();
  m.event_name = string_field(j, "event", "message");
  m.event = event_of(m.event_name);
  const std::string where = m.event_name;
  if (j.contains("streamSid")) m.stream_sid = string_field(j, "streamSid", where);
  m.sequence_number = numeric_string(j, "sequenceNumber", where);
  switch (m.event) {
    case Event::connected:
      m.protocol = optional_string(j, "protocol", where);
      m.version = optional_string(j, "version", where);
      break;
    case Event::start: {
      const json& s = field(j, "start", where);
      if (!s.is_object()) throw ProtocolError("start: \"start\" must be an object");
      m.start.stream_sid = string_field(s, "streamSid", "start");
      m.start.account_sid = s.contains("accountSid") ? string_field(s, "accountSid", "start") : "";
      m.start.call_sid = string_field(s, "callSid", "start");
      m.start.tracks.clear();
      if (const auto t = s.find("tracks"); t != s.end() && t->is_array()) {
        for (const auto& x : *t)
          if (x.is_string()) m.start.tracks.push_back(x.get<std::string>());
      }
      if (const auto p = s.find("customParameters"); p != s.end() && p->is_object()) {
        for (const auto& [k, v] : p->items())
          m.start.custom_parameters[k] = v.is_string() ? v.get<std::string>() : v.dump();
      }
      if (const auto f = s.find("mediaFormat"); f != s.end() && f->is_object()) {
        m.start.encoding = optional_string(*f, "encoding", "start.mediaFormat", m.start.encoding);
        m.start.sample_rate =
            optional_int(*f, "sampleRate", "start.mediaFormat", m.start.sample_rate);
        m.start.channels = optional_int(*f, "channels", "start.mediaFormat", m.start.channels);
      }
      if (m.stream_sid.empty()) m.stream_sid = m.start.stream_sid;
      break;
    }
    case Event::media: {
      const json& media = field(j, "media", where);
      if (!media.is_object()) throw ProtocolError("media: \"media\" must be an object");
      const std::string payload = string_field(media, "payload", "media");
      try {
        audio::base64_decode(payload, m.payload);
      } catch (const std::exception& e) {
        throw ProtocolError(std::string("media: bad base64 payload: ") + e.what());
      }
      if (media.contains("track")) m.track = string_field(media, "track", "media");
      m.chunk = numeric_string(media, "chunk", "media");
      m.timestamp_ms = numeric_string(media, "timestamp", "media");
      break;
    }
    case Event::dtmf: {
      const json& d = field(j, "dtmf", where);
      if (!d.is_object()) throw ProtocolError("dtmf: \"dtmf\" must be an object");
      m.digit = string_field(d, "digit", "dtmf");
      if (d.contains("track")) m.track = string_field(d, "track", "dtmf");
      if (m.digit.size() != 1 || !valid_digit(m.digit[0])) {
        throw ProtocolError("dtmf: digit must be one of 0-9 * #, got \"" + m.digit.substr(0, 8) +
                            "\"");
      }
      break;
    }
    case Event::mark: {
      const json& mk = field(j, "mark", where);
      if (!mk.is_object()) throw ProtocolError("mark: \"mark\" must be an object");
      m.mark_name = string_field(mk, "name", "mark");
      break;
    }
    case Event::stop:
      if (const auto s = j.find("stop"); s != j.end() && s->is_object())
        m.stop_call_sid = optional_string(*s, "callSid", "stop");
      break;
    case Event::clear:
    case Event::unknown:
      break;
  }
  return m;
}

std::string build_connected() {
  return R"({"event":"connected","protocol":"Call","version":"1.0.0"})";
}

std::string build_start(const StartInfo& s, std::uint64_t sequence_number) {
  json params = json::object();
  for (const auto& [k, v] : s.custom_parameters) params[k] = v;
  return json{
      {"event", "start"},
      {"sequenceNumber", std::to_string(sequence_number)},
      {"start",
       {{"accountSid", s.account_sid},
        {"streamSid", s.stream_sid},
        {"callSid", s.call_sid},
        {"tracks", s.tracks},
        {"customParameters", params},
        {"mediaFormat",
         {{"encoding", s.encoding}, {"sampleRate", s.sample_rate}, {"channels", s.channels}}}}},
      {"streamSid", s.stream_sid}}
      .dump();
}

std::string build_inbound_media(std::string_view stream_sid, std::uint64_t sequence_number,
                                std::uint64_t chunk, std::uint64_t timestamp_ms,
                                std::span<const std::uint8_t> mulaw) {
  // Built by hand: it is the hot path (50 per second per call); the fields need no escaping
  // except the SID, which is checked by whoever made it.
  std::string out;
  out.reserve(160 + mulaw.size() * 4 / 3);
  out += R"({"event":"media","sequenceNumber":")";
  out += std::to_string(sequence_number);
  out += R"(","media":{"track":"inbound","chunk":")";
  out += std::to_string(chunk);
  out += R"(","timestamp":")";
  out += std::to_string(timestamp_ms);
  out += R"(","payload":")";
  audio::base64_encode(mulaw, out);
  out += R"("},"streamSid":)";
  out += json(std::string(stream_sid)).dump();
  out += '}';
  return out;
}

std::string build_dtmf(std::string_view stream_sid, std::uint64_t sequence_number, char digit) {
  if (!valid_digit(digit)) {
    throw ProtocolError(std::string("dtmf: Twilio sends only 0-9 * #, not '") + digit + "'");
  }
  return json{{"event", "dtmf"},
              {"streamSid", stream_sid},
              {"sequenceNumber", std::to_string(sequence_number)},
              {"dtmf", {{"track", "inbound_track"}, {"digit", std::string(1, digit)}}}}
      .dump();
}

std::string build_mark_echo(std::string_view stream_sid, std::uint64_t sequence_number,
                            std::string_view name) {
  return json{{"event", "mark"},
              {"sequenceNumber", std::to_string(sequence_number)},
              {"streamSid", stream_sid},
              {"mark", {{"name", name}}}}
      .dump();
}

std::string build_stop(std::string_view stream_sid, std::uint64_t sequence_number,
                       std::string_view account_sid, std::string_view call_sid) {
  return json{{"event", "stop"},
              {"sequenceNumber", std::to_string(sequence_number)},
              {"stop", {{"accountSid", account_sid}, {"callSid", call_sid}}},
              {"streamSid", stream_sid}}
      .dump();
}

std::string build_outbound_media(std::string_view stream_sid, std::span<const std::uint8_t> mulaw) {
  std::string out;
  out.reserve(96 + mulaw.size() * 4 / 3);
  out += R"({"event":"media","streamSid":)";
  out += json(std::string(stream_sid)).dump();
  out += R"(,"media":{"payload":")";
  audio::base64_encode(mulaw, out);
  out += R"("}})";
  return out;
}

std::string build_mark(std::string_view stream_sid, std::string_view name) {
  return json{{"event", "mark"}, {"streamSid", stream_sid}, {"mark", {{"name", name}}}}.dump();
}

std::string build_clear(std::string_view stream_sid) {
  return json{{"event", "clear"}, {"streamSid", stream_sid}}.dump();
}

std::string make_sid(std::string_view prefix, std::mt19937_64& random) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string sid(prefix);
  for (int i = 0; i < 32; ++i) sid += kHex[random() & 15U];
  return sid;
}

bool is_sid(std::string_view text, std::string_view prefix) {
  return text.size() == prefix.size() + 32 && text.substr(0, prefix.size()) == prefix &&
         text.substr(prefix.size()).find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace scenario::twilio
