#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "scenario/twilio/media_streams.hpp"

namespace scenario::twilio {
namespace {

TEST(MediaStreams, BuildsTheDocumentedCallerMessagesWithStringNumbers) {
  std::mt19937_64 random(7);
  StartInfo info;
  info.account_sid = make_sid("AC", random);
  info.call_sid = make_sid("CA", random);
  info.stream_sid = make_sid("MZ", random);
  info.custom_parameters = {{"caller", "+15550001111"}};
  EXPECT_TRUE(is_sid(info.stream_sid, "MZ"));
  EXPECT_FALSE(is_sid(info.stream_sid, "CA"));
  CallerStream stream(info);
  EXPECT_EQ(stream.connected(), R"({"event":"connected","protocol":"Call","version":"1.0.0"})");
  const auto start = nlohmann::json::parse(stream.start());
  EXPECT_EQ(start["sequenceNumber"], "1");
  EXPECT_EQ(start["start"]["customParameters"]["caller"], "+15550001111");
  EXPECT_EQ(start["start"]["mediaFormat"]["encoding"], "audio/x-mulaw");
  EXPECT_EQ(start["start"]["mediaFormat"]["sampleRate"], 8000);
  EXPECT_EQ(start["streamSid"], info.stream_sid);
  const std::vector<std::uint8_t> silence(160, kMulawSilence);
  const auto media = nlohmann::json::parse(stream.media(silence, 20));
  EXPECT_EQ(media["sequenceNumber"], "2");
  EXPECT_EQ(media["media"]["track"], "inbound");
  EXPECT_EQ(media["media"]["chunk"], "1");
  EXPECT_EQ(media["media"]["timestamp"], "20");
  const auto dtmf = nlohmann::json::parse(stream.dtmf('5'));
  EXPECT_EQ(dtmf["dtmf"]["track"], "inbound_track") << "dtmf uses inbound_track, media inbound";
  EXPECT_EQ(dtmf["sequenceNumber"], "3");
  EXPECT_THROW(stream.dtmf('A'), ProtocolError);
  const auto stop = nlohmann::json::parse(stream.stop());
  EXPECT_EQ(stop["stop"]["callSid"], info.call_sid);
}

TEST(MediaStreams, ParsesWhatItBuildsBothWays) {
  const std::vector<std::uint8_t> bytes{0x00, 0x7f, 0xff, 0x10};
  const auto in = parse(build_inbound_media("MZx", 9, 4, 60, bytes));
  EXPECT_EQ(in.event, Event::media);
  EXPECT_EQ(in.payload, bytes);
  EXPECT_EQ(in.sequence_number, 9u);
  EXPECT_EQ(in.chunk, 4u);
  EXPECT_EQ(in.timestamp_ms, 60u);
  const auto out = parse(build_outbound_media("MZx", bytes));
  EXPECT_EQ(out.payload, bytes);
  EXPECT_FALSE(out.sequence_number.has_value());
  EXPECT_EQ(parse(build_mark("MZx", "utt-1")).mark_name, "utt-1");
  EXPECT_EQ(parse(build_clear("MZx")).event, Event::clear);
  const auto start = parse(R"({"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1",
    "streamSid":"MZ1","callSid":"CA1","tracks":["inbound"],"customParameters":{"a":"b"},
    "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"MZ1"})");
  EXPECT_EQ(start.start.call_sid, "CA1");
  EXPECT_EQ(start.start.custom_parameters.at("a"), "b");
  EXPECT_EQ(parse(R"({"event":"somethingNew"})").event, Event::unknown);
}

TEST(MediaStreams, MalformedMessagesGetSpecificErrors) {
  const auto error_of = [](const std::string& text) {
    try {
      parse(text);
    } catch (const ProtocolError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("{not json").find("not JSON"), std::string::npos);
  EXPECT_NE(error_of("[1]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({"streamSid":"x"})").find("missing \"event\""), std::string::npos);
  EXPECT_NE(error_of(R"({"event":"media","media":{"payload":"!!!"}})").find("bad base64"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"event":"media","sequenceNumber":3,"media":{"payload":""}})")
                .find("must be a string of digits"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"event":"dtmf","dtmf":{"digit":"12"}})").find("digit must be"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"event":"mark","mark":{}})").find("missing \"name\""), std::string::npos);
  EXPECT_NE(error_of(R"({"event":"start","start":{"streamSid":"MZ"}})").find("callSid"),
            std::string::npos);
  // Wrongly typed optional fields (found by fuzz_twilio_message: nlohmann's value() threw
  // type_error, which escaped as a non-ProtocolError).
  const std::string start_prefix =
      R"({"event":"start","start":{"streamSid":"MZ0","callSid":"CA0","mediaFormat":)";
  EXPECT_NE(
      error_of(start_prefix + R"({"channels":"audio/x-mulaw"}}})").find("\"channels\" must be"),
      std::string::npos);
  EXPECT_NE(error_of(start_prefix + R"({"sampleRate":-8000}}})").find("\"sampleRate\" must be"),
            std::string::npos);
  EXPECT_NE(error_of(start_prefix + R"({"encoding":7}}})").find("\"encoding\" must be a string"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"event":"connected","protocol":1})").find("\"protocol\" must be"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"event":"stop","stop":{"callSid":[]}})").find("\"callSid\" must be"),
            std::string::npos);
}

}  // namespace
}  // namespace scenario::twilio

namespace scenario::twilio {
namespace {

TEST(MediaStreams, MediaFastPathAgreesWithTheJsonParser) {
  const std::vector<std::string> frames{
      build_inbound_media("MZ1", 7, 3, 40, std::vector<std::uint8_t>{1, 2, 3, 0xFF}),
      build_outbound_media("MZ1", std::vector<std::uint8_t>{9, 8, 7}),
      // Python's json.dumps spacing (Pipecat), keys in another order.
      R"({"event": "media", "streamSid": "MZ1", "media": {"payload": "AQID", "track": "outbound"}})",
      // Not for the fast path (unknown key, escape, number): the JSON parser decides.
      R"({"event":"media","extra":1,"media":{"payload":"AQID"}})",
      R"({"event":"media","streamSid":"M\u005a1","media":{"payload":"AQID"}})"};
  for (const auto& text : frames) {
    const auto fast = parse(text);
    const auto dom = parse_json(text);
    EXPECT_EQ(fast.event, Event::media) << text;
    EXPECT_EQ(fast.payload, dom.payload) << text;
    EXPECT_EQ(fast.stream_sid, dom.stream_sid) << text;
    EXPECT_EQ(fast.sequence_number, dom.sequence_number) << text;
    EXPECT_EQ(fast.chunk, dom.chunk) << text;
    EXPECT_EQ(fast.timestamp_ms, dom.timestamp_ms) << text;
    EXPECT_EQ(fast.track, dom.track) << text;
  }
  EXPECT_EQ(parse(frames[4]).stream_sid, "MZ1");
  EXPECT_THROW(parse(R"({"event":"media","media":{"payload":"A!"}})"), ProtocolError);
  EXPECT_THROW(parse(R"({"event":"media","sequenceNumber":"x","media":{"payload":""}})"),
               ProtocolError);
}

}  // namespace
}  // namespace scenario::twilio
