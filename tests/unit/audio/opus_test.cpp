#include <gtest/gtest.h>

#include "scenario/audio/analysis.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/opus.hpp"
#include "support/fixtures.hpp"

namespace scenario::audio {
namespace {

struct RoundTrip {
  double snr_db;
  double level_change_db;
  double bits_per_second;
};

RoundTrip round_trip(int rate, OpusApplication application) {
  const auto speech = test::speech(test::speech_sentences()[5], rate);
  OpusFrameEncoder enc(rate, 1, 48000, application);
  OpusFrameDecoder dec(rate, 1);
  const auto frame = static_cast<std::size_t>(enc.frame_samples());
  EXPECT_EQ(frame, static_cast<std::size_t>(rate / 50));
  std::vector<std::int16_t> decoded;
  std::size_t bytes = 0;
  for (std::size_t pos = 0; pos + frame <= speech.size(); pos += frame) {
    const auto packet = enc.encode(std::span(speech).subspan(pos, frame));
    bytes += packet.size();
    const auto pcm = dec.decode(packet);
    EXPECT_EQ(pcm.size(), frame);
    decoded.insert(decoded.end(), pcm.begin(), pcm.end());
  }
  // The decoder's output lags by the encoder's lookahead (checked against cross-correlation).
  const auto delay = static_cast<std::size_t>(enc.lookahead());
  EXPECT_NEAR(
      best_lag(std::span(speech).subspan(0, 20000), std::span(decoded).subspan(0, 20000), 2000),
      static_cast<std::int64_t>(delay), 3);
  const std::vector<std::int16_t> aligned(decoded.begin() + static_cast<std::ptrdiff_t>(delay),
                                          decoded.end());
  const auto original = std::span(speech).subspan(0, aligned.size());
  const double seconds = static_cast<double>(decoded.size()) / rate;
  return {snr_db(original, aligned), rms_dbfs(aligned) - rms_dbfs(original),
          static_cast<double>(bytes) * 8 / seconds};
}

TEST(Opus, AudioModeKeepsTheWaveformAt48kAnd24k) {
  for (const int rate : {48000, 24000}) {
    const auto r = round_trip(rate, OpusApplication::audio);
    EXPECT_GT(r.snr_db, 9.0) << rate;  // measured ~10.9 dB at 48 kbit/s
    EXPECT_LT(r.bits_per_second, 60000.0) << rate;
  }
}

TEST(Opus, VoipModeKeepsTheLevelOfSpeech) {
  // SILK codes speech perceptually, not sample for sample: the level survives, the waveform SNR
  // is low by design.
  for (const int rate : {48000, 24000}) {
    const auto r = round_trip(rate, OpusApplication::voip);
    EXPECT_NEAR(r.level_change_db, 0.0, 1.5) << rate;
    EXPECT_GT(r.snr_db, 4.0) << rate;
  }
}

TEST(Opus, StereoAndLossConcealment) {
  OpusFrameEncoder enc(48000, 2);
  OpusFrameDecoder dec(48000, 2);
  EXPECT_EQ(enc.frame_samples(), 1920);
  const std::vector<std::int16_t> frame(1920, 1000);
  EXPECT_EQ(dec.decode(enc.encode(frame)).size(), 1920u);
  EXPECT_EQ(dec.decode_lost().size(), 1920u);
}

TEST(Opus, BadInputIsRejected) {
  EXPECT_THROW(OpusFrameEncoder(44100, 1), UnsupportedFormatError);
  EXPECT_THROW(OpusFrameDecoder(48000, 3), UnsupportedFormatError);
  OpusFrameEncoder enc(24000, 1);
  EXPECT_THROW(enc.encode(std::vector<std::int16_t>(100)), UnsupportedFormatError);
  OpusFrameDecoder dec(24000, 1);
  EXPECT_THROW(dec.decode(std::vector<std::uint8_t>{}), OpusError);
  // A TOC byte announcing a code-3 packet with an impossible frame count.
  EXPECT_THROW(dec.decode(std::vector<std::uint8_t>{0x03, 0xFF}), OpusError);
}

}  // namespace
}  // namespace scenario::audio
