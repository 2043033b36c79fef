// pipecat.Frame encoding and decoding (shared/protocols/pipecat.md §2), cross-checked against
// protoc itself: `protoc --encode` / `--decode` with the same schema give the same bytes / text.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "scenario/audio/wav.hpp"
#include "scenario/pipecat/frames.hpp"
#include "support/tools.hpp"

namespace scenario::pipecat {
namespace {

using test::run_checked;
using test::shell_quote;

// Tests run as parallel processes: each call gets its own directory.
std::filesystem::path protoc_dir() {
  static int calls = 0;
  return test::scratch_dir("protoc-" + std::to_string(::getpid()) + "-" + std::to_string(calls++));
}

// protoc turns protobuf text format into the wire bytes of a pipecat.Frame.
std::string protoc_encode(const std::string& text_format) {
  const auto dir = protoc_dir();
  const auto in = dir / "frame.txt";
  const auto out = dir / "frame.bin";
  test::write_bytes(in, std::vector<std::uint8_t>(text_format.begin(), text_format.end()));
  run_checked(std::string(SCENARIO_PROTOC) + " --encode=pipecat.Frame -I " +
              shell_quote(SCENARIO_PIPECAT_PROTO_DIR) + " frames.proto < " +
              shell_quote(in.string()) + " > " + shell_quote(out.string()));
  const auto bytes = test::read_bytes(out);
  return {bytes.begin(), bytes.end()};
}

// protoc's text-format reading of our bytes.
std::string protoc_decode(const std::string& bytes) {
  const auto dir = protoc_dir();
  const auto in = dir / "frame.bin";
  test::write_bytes(in, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
  return run_checked(std::string(SCENARIO_PROTOC) + " --decode=pipecat.Frame -I " +
                     shell_quote(SCENARIO_PIPECAT_PROTO_DIR) + " frames.proto < " +
                     shell_quote(in.string()));
}

std::string expect_frame_error(const std::string& bytes) {
  try {
    (void)decode_frame(bytes);
  } catch (const FrameError& e) {
    return e.what();
  }
  ADD_FAILURE() << "decoded without error";
  return {};
}

TEST(PipecatFrames, AudioBytesAreWhatProtocEncodes) {
  // Two samples, 1 and -2, little-endian: 01 00 fe ff.
  const auto ours = encode_audio(std::vector<std::int16_t>{1, -2}, 16000);
  EXPECT_EQ(ours, protoc_encode(
                      R"(audio { audio: "\001\000\376\377" sample_rate: 16000 num_channels: 1 })"));
  // Field 2 (audio), then audio=3, sample_rate=4 (varint 16000 = 80 7d), num_channels=5; the
  // zero id and empty name are omitted, as Pipecat's serializer omits them.
  EXPECT_EQ(ours, std::string("\x12\x0b\x1a\x04\x01\x00\xfe\xff\x20\x80\x7d\x28\x01", 13));
  const auto frame = std::get<AudioFrame>(decode_frame(ours));
  EXPECT_EQ(frame.samples, (std::vector<std::int16_t>{1, -2}));
  EXPECT_EQ(frame.sample_rate, 16000);
  EXPECT_EQ(frame.num_channels, 1);
  EXPECT_FALSE(frame.pts.has_value());
  EXPECT_FALSE(frame.had_wav_header);
}

TEST(PipecatFrames, EveryKindMatchesProtocBothWays) {
  const std::vector<std::pair<Frame, std::string>> cases = {
      {TextFrame{.text = "Thank you for calling", .id = 7, .name = "TextFrame#7"},
       R"(text { id: 7 name: "TextFrame#7" text: "Thank you for calling" })"},
      {TranscriptionFrame{
           .text = "billing please", .user_id = "caller", .timestamp = "2026-11-21T10:00:00Z"},
       R"(transcription { text: "billing please" user_id: "caller" timestamp: "2026-11-21T10:00:00Z" })"},
      {MessageFrame{.data = {{"label", "rtvi-ai"}, {"type", "bot-ready"}}},
       R"(message { data: "{\"label\":\"rtvi-ai\",\"type\":\"bot-ready\"}" })"},
      {InterruptionFrame{}, "interruption { }"},
      {AudioFrame{
           .samples = {100, -100, 200, -200}, .sample_rate = 24000, .num_channels = 2, .pts = 0},
       R"(audio { audio: "d\000\234\377\310\0008\377" sample_rate: 24000 num_channels: 2 pts: 0 })"},
  };
  for (const auto& [frame, text] : cases) {
    SCOPED_TRACE(text);
    const auto bytes = encode_frame(frame);
    EXPECT_EQ(bytes, protoc_encode(text));
    // protoc reads our bytes as the same frame kind.
    const auto decoded_text = protoc_decode(bytes);
    EXPECT_EQ(decoded_text.substr(0, kind_name(frame).size()), kind_name(frame)) << decoded_text;
    // And our decoder gives back what was encoded.
    const auto back = decode_frame(bytes);
    EXPECT_EQ(back.index(), frame.index());
    EXPECT_EQ(encode_frame(back), bytes);
  }
  // An interruption is the oneof set to an empty message: two bytes, not zero (an empty Frame
  // carries nothing and is refused).
  EXPECT_EQ(encode_frame(InterruptionFrame{}), std::string("\x2a\x00", 2));
  // pts is proto3 `optional`: present even when zero, absent when unset.
  EXPECT_EQ(std::get<AudioFrame>(decode_frame(encode_frame(cases[4].first))).pts,
            std::optional<std::uint64_t>(0));
}

TEST(PipecatFrames, ChunksWithAWavHeaderAreRead) {
  // add_wav_header=True: each audio chunk is a WAV file.
  audio::PcmBuffer pcm{.sample_rate = 24000, .channels = 1, .samples = {5, 6, 7, 8}};
  const auto wav = audio::write_wav(pcm);
  const std::string wav_text(wav.begin(), wav.end());
  const auto escaped = [&] {
    std::string s;
    for (const unsigned char c : wav_text) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      s += buf;
    }
    return s;
  }();
  const auto bytes =
      protoc_encode("audio { audio: \"" + escaped + "\" sample_rate: 24000 num_channels: 1 }");
  const auto frame = std::get<AudioFrame>(decode_frame(bytes));
  EXPECT_TRUE(frame.had_wav_header);
  EXPECT_EQ(frame.samples, pcm.samples);
  EXPECT_EQ(frame.sample_rate, 24000);
  // The header and the frame must agree.
  const auto liar =
      protoc_encode("audio { audio: \"" + escaped + "\" sample_rate: 16000 num_channels: 1 }");
  EXPECT_NE(expect_frame_error(liar).find("WAV header says 24000"), std::string::npos);
  // A broken header is named as such.
  const auto broken =
      protoc_encode("audio { audio: \"RIFF\\000\\000\\000\\000WAVEfmt \" sample_rate: 24000 }");
  EXPECT_NE(expect_frame_error(broken).find("broken WAV header"), std::string::npos);
}

TEST(PipecatFrames, BadFramesGetSpecificErrors) {
  EXPECT_NE(expect_frame_error("\xff\xff\xff").find("does not parse"), std::string::npos);
  EXPECT_NE(expect_frame_error("").find("empty pipecat.Frame"), std::string::npos);
  // A newer kind (oneof field 6) this library does not know.
  EXPECT_NE(expect_frame_error(std::string("\x32\x00", 2)).find("field 6"), std::string::npos);
  EXPECT_NE(
      expect_frame_error(
          protoc_encode(R"(audio { audio: "\001\002\003" sample_rate: 16000 num_channels: 1 })"))
          .find("odd-length PCM16 data (3 bytes)"),
      std::string::npos);
  EXPECT_NE(expect_frame_error(protoc_encode(R"(audio { audio: "\001\002" num_channels: 1 })"))
                .find("without sample_rate"),
            std::string::npos);
  EXPECT_NE(expect_frame_error(protoc_encode(R"(audio { audio: "\001\002" sample_rate: 16000 })"))
                .find("without num_channels"),
            std::string::npos);
  EXPECT_NE(
      expect_frame_error(
          protoc_encode(
              R"(audio { audio: "\001\002\003\004\005\006" sample_rate: 16000 num_channels: 2 })"))
          .find("not a whole number of 2-channel frames"),
      std::string::npos);
  EXPECT_NE(expect_frame_error(
                protoc_encode(R"(audio { audio: "\001\002" sample_rate: 16000 num_channels: 99 })"))
                .find("99 channels"),
            std::string::npos);
  // Rates the resampler cannot take are refused here, so no caller has to check again.
  EXPECT_NE(expect_frame_error(
                protoc_encode(R"(audio { audio: "\001\002" sample_rate: 1000 num_channels: 1 })"))
                .find("sample_rate 1000 (4000-384000 Hz"),
            std::string::npos);
  EXPECT_NE(expect_frame_error(protoc_encode(R"(message { data: "{not json" })")).find("not JSON"),
            std::string::npos);
  // Encoding refuses what a bot could not play.
  EXPECT_THROW(encode_audio(std::vector<std::int16_t>{1, 2, 3}, 16000, 2), std::invalid_argument);
  EXPECT_THROW(encode_audio(std::vector<std::int16_t>{1}, 0), std::invalid_argument);
  EXPECT_THROW(encode_audio(std::vector<std::int16_t>{1}, 1000), std::invalid_argument);
  // Several channels become one by averaging.
  EXPECT_EQ(mono_samples(AudioFrame{
                .samples = {100, 300, -50, -150}, .sample_rate = 16000, .num_channels = 2}),
            (std::vector<std::int16_t>{200, -100}));
}

}  // namespace
}  // namespace scenario::pipecat
