// The two serializers of a Pipecat bot's WebSocket, each from either side (see serializer.hpp).
// Which messages go which way: shared/protocols/pipecat.md §1 (Twilio: media, dtmf, mark and stop
// from the caller; media, mark and clear from the bot; a client `clear` is ignored by Pipecat, so
// the client cannot interrupt natively) and §2 (protobuf: the same frames both ways).
#include "scenario/pipecat/serializer.hpp"

#include <iterator>
#include <stdexcept>

#include "scenario/audio/g711.hpp"
#include "scenario/voice/transport_event.hpp"  // Overloaded

namespace scenario::pipecat {
namespace {

constexpr int kTwilioRate = 8000;

template <class... T>
constexpr bool one_of(std::size_t index) {
  return ((index == index_in_line<T>()) || ...);
}

std::string_view name_of(Side side) {
  return side == Side::client ? "the caller side" : "the bot";
}

// μ-law of one frame into `out` (a buffer the serializer reuses: this runs for every frame).
std::span<const std::uint8_t> mulaw_of(std::span<const std::int16_t> samples, int sample_rate,
                                       std::vector<std::uint8_t>& out) {
  if (sample_rate != kTwilioRate) {
    throw std::invalid_argument("twilio serializer: audio must be 8000 Hz (μ-law), got " +
                                std::to_string(sample_rate) + " Hz");
  }
  out.resize(samples.size());
  audio::mulaw_encode(samples, out);
  return out;
}

std::uint64_t milliseconds(std::chrono::nanoseconds t) {
  return t.count() <= 0 ? 0
                        : static_cast<std::uint64_t>(
                              std::chrono::duration_cast<std::chrono::milliseconds>(t).count());
}

twilio::Message parse_text(std::string_view data, bool binary, Side from) {
  if (binary) {
    throw FrameError("binary frame from " + std::string(name_of(from)) +
                     " (Twilio Media Streams is JSON text only)");
  }
  try {
    return twilio::parse(data);
  } catch (const twilio::ProtocolError& e) {
    throw FrameError(e.what());
  }
}

line::Audio decoded(const std::vector<std::uint8_t>& payload) {
  line::Audio a{.samples = std::vector<std::int16_t>(payload.size()), .sample_rate = kTwilioRate};
  audio::mulaw_decode(payload, a.samples);
  return a;
}

[[noreturn]] void cannot_send(SerializerKind kind, Side side, const LineMessage& m) {
  static constexpr const char* kNames[] = {"audio", "interruption", "text", "transcription",
                                           "message", "mark",        "dtmf", "start",
                                           "stop"};
  static_assert(std::size(kNames) == std::variant_size_v<LineMessage>,
                "a name for every LineMessage alternative, in order");
  throw std::invalid_argument(std::string(kind == SerializerKind::twilio ? "twilio" : "protobuf") +
                              " serializer: " + std::string(name_of(side)) + " cannot send " +
                              kNames[m.index()]);
}

// The caller of a Twilio-serialized bot: what Twilio sends, numbered as Twilio numbers it.
class TwilioClient final : public Serializer {
 public:
  explicit TwilioClient(twilio::StartInfo start) : stream_(std::move(start)) {}
  SerializerKind kind() const noexcept override { return SerializerKind::twilio; }
  Side side() const noexcept override { return Side::client; }

  std::vector<WireMessage> open() override {
    // Pipecat's runner reads two messages before it picks the provider: connected, then start.
    return {{stream_.connected()}, {stream_.start()}};
  }
  std::vector<WireMessage> close() override { return {{stream_.stop()}}; }

  WireMessage serialize(const LineMessage& message, std::chrono::nanoseconds since) override {
    return std::visit(
        Overloaded{[&](const line::Audio& a) { return audio(a.samples, a.sample_rate, since); },
              [&](const line::Mark& m) { return WireMessage{stream_.mark_echo(m.name)}; },
              [&](const line::Dtmf& d) {
                try {
                  return WireMessage{stream_.dtmf(d.digit)};
                } catch (const twilio::ProtocolError& e) {
                  throw std::invalid_argument(e.what());
                }
              },
              [&](const line::Start&) { return WireMessage{stream_.start()}; },
              [&](const line::Stop&) { return WireMessage{stream_.stop()}; },
              [&](const auto&) -> WireMessage { cannot_send(kind(), side(), message); }},
        message);
  }

  WireMessage audio(std::span<const std::int16_t> samples, int rate,
                    std::chrono::nanoseconds since) override {
    return {stream_.media(mulaw_of(samples, rate, mulaw_), milliseconds(since))};
  }

  std::optional<LineMessage> deserialize(std::string_view data, bool binary) override {
    auto m = parse_text(data, binary, Side::bot);
    switch (m.event) {
      case twilio::Event::media:
        return decoded(m.payload);
      case twilio::Event::mark:
        return line::Mark{std::move(m.mark_name)};
      case twilio::Event::clear:
        return line::Interruption{"clear"};
      default:
        throw FrameError("the bot sent '" + m.event_name +
                         "' (only media, mark and clear go from a bot to Twilio)");
    }
  }

 protected:
  bool carries(Side from, std::size_t i) const noexcept override {
    return from == Side::client
               ? one_of<line::Audio, line::Mark, line::Dtmf, line::Start, line::Stop>(i)
               : one_of<line::Audio, line::Mark, line::Interruption>(i);
  }

 private:
  twilio::CallerStream stream_;
  std::vector<std::uint8_t> mulaw_;
};

// A bot behind Twilio: answers on the stream the caller's `start` named.
class TwilioBot final : public Serializer {
 public:
  SerializerKind kind() const noexcept override { return SerializerKind::twilio; }
  Side side() const noexcept override { return Side::bot; }
  std::vector<WireMessage> open() override { return {}; }
  std::vector<WireMessage> close() override { return {}; }

  WireMessage serialize(const LineMessage& message, std::chrono::nanoseconds since) override {
    return std::visit(
        Overloaded{[&](const line::Audio& a) { return audio(a.samples, a.sample_rate, since); },
              [&](const line::Mark& m) { return WireMessage{twilio::build_mark(stream_sid_, m.name)}; },
              [&](const line::Interruption&) {
                return WireMessage{twilio::build_clear(stream_sid_)};
              },
              [&](const auto&) -> WireMessage { cannot_send(kind(), side(), message); }},
        message);
  }

  WireMessage audio(std::span<const std::int16_t> samples, int rate,
                    std::chrono::nanoseconds) override {
    return {twilio::build_outbound_media(stream_sid_, mulaw_of(samples, rate, mulaw_))};
  }

  std::optional<LineMessage> deserialize(std::string_view data, bool binary) override {
    auto m = parse_text(data, binary, Side::client);
    switch (m.event) {
      case twilio::Event::connected:
        return std::nullopt;
      case twilio::Event::start:
        stream_sid_ = m.start.stream_sid;
        return line::Start{std::move(m.start)};
      case twilio::Event::media:
        return decoded(m.payload);
      case twilio::Event::dtmf:
        return line::Dtmf{m.digit.at(0)};
      case twilio::Event::mark:
        return line::Mark{std::move(m.mark_name)};
      case twilio::Event::stop:
        return line::Stop{};
      case twilio::Event::clear:
      case twilio::Event::unknown:
        break;
    }
    throw FrameError("unexpected event from the caller side: " + m.event_name);
  }

 protected:
  bool carries(Side from, std::size_t i) const noexcept override {
    return from == Side::bot
               ? one_of<line::Audio, line::Mark, line::Interruption>(i)
               : one_of<line::Audio, line::Mark, line::Dtmf, line::Start, line::Stop>(i);
  }

 private:
  std::string stream_sid_;
  std::vector<std::uint8_t> mulaw_;
};

// pipecat.Frame both ways: the same frames from either side.
class Protobuf final : public Serializer {
 public:
  explicit Protobuf(Side side) : side_(side) {}
  SerializerKind kind() const noexcept override { return SerializerKind::protobuf; }
  Side side() const noexcept override { return side_; }
  std::vector<WireMessage> open() override { return {}; }
  std::vector<WireMessage> close() override { return {}; }

  WireMessage serialize(const LineMessage& message, std::chrono::nanoseconds since) override {
    auto binary = [](Frame f) { return WireMessage{encode_frame(f), true}; };
    return std::visit(
        Overloaded{[&](const line::Audio& a) { return audio(a.samples, a.sample_rate, since); },
              [&](const line::Interruption&) { return binary(InterruptionFrame{}); },
              [&](const line::Text& t) { return binary(TextFrame{.text = t.text}); },
              [&](const line::Transcription& t) {
                return binary(TranscriptionFrame{
                    .text = t.text, .user_id = t.user_id, .timestamp = t.timestamp});
              },
              [&](const line::Message& m) { return binary(MessageFrame{.data = m.data}); },
              [&](const auto&) -> WireMessage { cannot_send(kind(), side(), message); }},
        message);
  }

  WireMessage audio(std::span<const std::int16_t> samples, int rate,
                    std::chrono::nanoseconds) override {
    return {encode_audio(samples, rate), true};
  }

  std::optional<LineMessage> deserialize(std::string_view data, bool binary) override {
    const auto from = side_ == Side::client ? Side::bot : Side::client;
    if (!binary) {
      throw FrameError("text frame from " + std::string(name_of(from)) +
                       " (the protobuf serializer sends binary frames only)");
    }
    auto frame = decode_frame(data);
    return std::visit(
        Overloaded{[](AudioFrame& a) -> LineMessage {
                const int rate = a.sample_rate;
                return line::Audio{.samples = mono_samples(std::move(a)), .sample_rate = rate};
              },
              [](TextFrame& t) -> LineMessage { return line::Text{std::move(t.text)}; },
              [](TranscriptionFrame& t) -> LineMessage {
                return line::Transcription{std::move(t.text), std::move(t.user_id),
                                           std::move(t.timestamp)};
              },
              [](MessageFrame& m) -> LineMessage { return line::Message{std::move(m.data)}; },
              [](InterruptionFrame&) -> LineMessage { return line::Interruption{"interruption"}; }},
        frame);
  }

 protected:
  bool carries(Side, std::size_t i) const noexcept override {
    return one_of<line::Audio, line::Interruption, line::Text, line::Transcription,
                  line::Message>(i);
  }

 private:
  Side side_;
};

}  // namespace

std::unique_ptr<Serializer> make_twilio_client(twilio::StartInfo start) {
  return std::make_unique<TwilioClient>(std::move(start));
}

std::unique_ptr<Serializer> make_twilio_bot() {
  return std::make_unique<TwilioBot>();
}

std::unique_ptr<Serializer> make_protobuf(Side side) {
  return std::make_unique<Protobuf>(side);
}

}  // namespace scenario::pipecat
