// The two serializers of a Pipecat bot's WebSocket, each side against the other: what one side
// serializes the other deserializes to the same message, each side sends exactly what its protocol
// lets it (shared/protocols/pipecat.md §1, §2), and anything else is a specific error.
#include <gtest/gtest.h>

#include "scenario/pipecat/serializer.hpp"

namespace scenario::pipecat {
namespace {

using namespace std::chrono_literals;

twilio::StartInfo start_info() {
  twilio::StartInfo s;
  s.stream_sid = "MZ0123456789abcdef0123456789abcdef";
  s.account_sid = "AC0123456789abcdef0123456789abcdef";
  s.call_sid = "CA0123456789abcdef0123456789abcdef";
  s.custom_parameters = {{"caller", "alice"}};
  return s;
}

std::vector<std::int16_t> ramp(std::size_t n) {
  std::vector<std::int16_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::int16_t>(i * 97 % 4000 - 2000);
  return v;
}

LineMessage through(Serializer& from, Serializer& to, const LineMessage& m) {
  const auto wire = from.serialize(m, 40ms);
  auto back = to.deserialize(wire.data, wire.binary);
  EXPECT_TRUE(back.has_value());
  return back.value_or(LineMessage{});
}

TEST(PipecatSerializer, TwilioCallerAndBotUnderstandEachOther) {
  auto caller = make_twilio_client(start_info());
  auto bot = make_twilio_bot();
  // The opening: connected (nothing for a call) and start (the stream SID the bot answers on).
  const auto opening = caller->open();
  ASSERT_EQ(opening.size(), 2u);
  EXPECT_FALSE(bot->deserialize(opening[0].data, opening[0].binary).has_value());
  const auto start = bot->deserialize(opening[1].data, opening[1].binary);
  ASSERT_TRUE(start && std::holds_alternative<line::Start>(*start));
  EXPECT_EQ(std::get<line::Start>(*start).info.custom_parameters.at("caller"), "alice");

  // Caller audio: 20 ms at 8 kHz as μ-law, within μ-law's step of the original.
  const auto pcm = ramp(160);
  auto heard = std::get<line::Audio>(through(*caller, *bot, line::Audio{pcm, 8000}));
  ASSERT_EQ(heard.samples.size(), 160u);
  EXPECT_EQ(heard.sample_rate, 8000);
  for (std::size_t i = 0; i < pcm.size(); ++i) EXPECT_NEAR(heard.samples[i], pcm[i], 64);
  EXPECT_EQ(std::get<line::Dtmf>(through(*caller, *bot, line::Dtmf{'#'})).digit, '#');
  EXPECT_EQ(std::get<line::Mark>(through(*caller, *bot, line::Mark{"menu:main"})).name,
            "menu:main");

  // The bot's side: audio, marks, and `clear` as an interruption.
  const auto reply = std::get<line::Audio>(through(*bot, *caller, line::Audio{pcm, 8000}));
  EXPECT_EQ(reply.samples.size(), 160u);
  EXPECT_EQ(std::get<line::Mark>(through(*bot, *caller, line::Mark{"prompt:greeting"})).name,
            "prompt:greeting");
  EXPECT_EQ(std::get<line::Interruption>(through(*bot, *caller, line::Interruption{})).by,
            "clear");
  // On the bot's outbound media the stream SID from `start`.
  EXPECT_NE(bot->audio(pcm, 8000, {}).data.find(start_info().stream_sid), std::string::npos);

  const auto goodbye = caller->close();
  ASSERT_EQ(goodbye.size(), 1u);
  const auto stop = bot->deserialize(goodbye[0].data, goodbye[0].binary);
  EXPECT_TRUE(stop && std::holds_alternative<line::Stop>(*stop));
}

TEST(PipecatSerializer, ProtobufCarriesTheSameFramesBothWays) {
  auto caller = make_protobuf(Side::client);
  auto bot = make_protobuf(Side::bot);
  EXPECT_TRUE(caller->open().empty());
  EXPECT_TRUE(caller->close().empty());
  const auto pcm = ramp(320);
  for (const auto& pair : {std::pair{caller.get(), bot.get()}, std::pair{bot.get(), caller.get()}}) {
    const auto audio = std::get<line::Audio>(through(*pair.first, *pair.second,
                                                     line::Audio{pcm, 16000}));
    EXPECT_EQ(audio.samples, pcm) << "PCM16 travels exactly";
    EXPECT_EQ(audio.sample_rate, 16000);
    EXPECT_EQ(std::get<line::Interruption>(through(*pair.first, *pair.second,
                                                   line::Interruption{}))
                  .by,
              "interruption");
    EXPECT_EQ(std::get<line::Text>(through(*pair.first, *pair.second, line::Text{"Hello"})).text,
              "Hello");
    const auto message = std::get<line::Message>(
        through(*pair.first, *pair.second, line::Message{{{"type", "menu"}, {"name", "main"}}}));
    EXPECT_EQ(message.data.at("name"), "main");
  }
}

TEST(PipecatSerializer, EachSideSendsWhatItsProtocolLetsIt) {
  auto caller = make_twilio_client(start_info());
  auto bot = make_twilio_bot();
  // Pipecat ignores a client `clear`: a Twilio caller cannot interrupt natively.
  EXPECT_FALSE(caller->sends<line::Interruption>());
  EXPECT_TRUE(caller->receives<line::Interruption>());
  EXPECT_TRUE(caller->sends<line::Dtmf>());
  EXPECT_FALSE(caller->sends<line::Text>());
  EXPECT_TRUE(bot->sends<line::Mark>());
  EXPECT_TRUE(bot->receives<line::Start>());
  EXPECT_FALSE(bot->sends<line::Dtmf>());
  auto proto = make_protobuf(Side::client);
  EXPECT_TRUE(proto->sends<line::Interruption>());
  EXPECT_FALSE(proto->sends<line::Dtmf>()) << "pipecat.Frame has no key presses";
  EXPECT_FALSE(proto->sends<line::Mark>());
  EXPECT_FALSE(proto->receives<line::Start>()) << "no start: a protobuf bot greets on open";

  EXPECT_THROW(caller->serialize(line::Interruption{}, {}), std::invalid_argument);
  EXPECT_THROW(proto->serialize(line::Dtmf{'1'}, {}), std::invalid_argument);
  EXPECT_THROW(caller->serialize(line::Dtmf{'x'}, {}), std::invalid_argument);
  EXPECT_THROW(caller->audio(ramp(320), 16000, {}), std::invalid_argument)
      << "Twilio audio is 8 kHz";
}

TEST(PipecatSerializer, WhatTheOtherSideMayNotSendIsASpecificError) {
  auto caller = make_twilio_client(start_info());
  auto bot = make_twilio_bot();
  auto proto = make_protobuf(Side::client);
  auto expect_error = [](Serializer& s, const std::string& data, bool binary,
                         const std::string& words) {
    try {
      s.deserialize(data, binary);
      ADD_FAILURE() << "accepted: " << data;
    } catch (const FrameError& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  // A bot sending what only a caller sends; a caller sending `clear`.
  expect_error(*caller, caller->open()[1].data, false, "only media, mark and clear");
  expect_error(*bot, R"({"event":"clear","streamSid":"MZ0123456789abcdef0123456789abcdef"})",
               false, "unexpected event from the caller side: clear");
  expect_error(*caller, "{}", true, "binary frame from the bot");
  expect_error(*proto, "{}", false, "text frame from the bot");
  expect_error(*caller, "not json", false, "");
  expect_error(*proto, std::string("\xff\xff\xff", 3), true, "");
}

}  // namespace
}  // namespace scenario::pipecat
