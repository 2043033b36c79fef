#include <gtest/gtest.h>

#include <string>

#include "scenario/audio/analysis.hpp"
#include "scenario/audio/dtmf.hpp"
#include "scenario/audio/effects.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/audio/resampler.hpp"
#include "support/fixtures.hpp"

namespace scenario::audio {
namespace {

using namespace std::chrono_literals;

std::string digits_of(const std::vector<DtmfDigit>& found) {
  std::string s;
  for (const auto& d : found) s += d.digit;
  return s;
}

std::vector<std::int16_t> padded_tones(std::string_view digits, const DtmfToneOptions& options) {
  auto audio = test::silence(options.sample_rate, 0.2);
  test::append(audio, generate_dtmf(digits, options));
  test::append(audio, test::silence(options.sample_rate, 0.2));
  return audio;
}

constexpr std::string_view kAllKeys = "0123456789*#ABCD";

TEST(DtmfGenerator, ProducesTheTwoFrequenciesAtTheRequestedLevel) {
  DtmfToneOptions o;
  o.tone = 200ms;
  o.gap = 0ms;
  o.level_dbfs = -10.0;
  const auto tone = generate_dtmf("5", o);
  ASSERT_EQ(tone.size(), 1600u);
  EXPECT_EQ(dtmf_frequencies('5'), std::make_pair(770.0, 1336.0));
  // Two equal tones at −10 dBFS each: −7 dBFS together (ramps aside).
  EXPECT_NEAR(rms_dbfs(std::span<const std::int16_t>(tone).subspan(100, 1400)), -6.99, 0.1);
  EXPECT_THROW(generate_dtmf("12x", o), UnsupportedFormatError);
}

TEST(DtmfDetector, DetectsAll16KeysAt8kHzAnd24kHz) {
  for (const int rate : {8000, 24000}) {
    DtmfToneOptions o;
    o.sample_rate = rate;
    o.tone = 80ms;
    o.gap = 80ms;
    EXPECT_EQ(digits_of(detect_dtmf(padded_tones(kAllKeys, o), rate)), kAllKeys) << rate;
  }
}

TEST(DtmfDetector, ReportsStartAndEndWithin10ms) {
  DtmfToneOptions o;
  o.tone = 100ms;
  o.gap = 150ms;
  const auto audio = padded_tones("159", o);
  const auto found = detect_dtmf(audio, 8000);
  ASSERT_EQ(digits_of(found), "159");
  for (std::size_t i = 0; i < found.size(); ++i) {
    const std::int64_t start = 1600 + static_cast<std::int64_t>(i) * 2000;
    EXPECT_NEAR(found[i].start_sample, start, 80) << i;
    EXPECT_NEAR(found[i].end_sample, start + 800, 80) << i;
  }
}

TEST(DtmfDetector, AcceptsFrequencyDeviationUpTo1Point5Percent) {
  for (const double offset : {-0.015, -0.01, 0.0, 0.01, 0.015}) {
    DtmfToneOptions o;
    o.frequency_offset = offset;
    EXPECT_EQ(digits_of(detect_dtmf(padded_tones(kAllKeys, o), 8000)), kAllKeys)
        << "offset " << offset;
  }
}

TEST(DtmfDetector, RejectsFrequencyDeviationOf3Point5PercentOrMore) {
  for (const double offset : {-0.05, -0.035, 0.035, 0.05}) {
    DtmfToneOptions o;
    o.frequency_offset = offset;
    EXPECT_EQ(digits_of(detect_dtmf(padded_tones(kAllKeys, o), 8000)), "") << "offset " << offset;
  }
}

TEST(DtmfDetector, AcceptsTonesOf40msAndRejectsTonesOf20ms) {
  for (const int rate : {8000, 24000}) {
    DtmfToneOptions accepted;
    accepted.sample_rate = rate;
    accepted.tone = 40ms;
    accepted.gap = 40ms;
    EXPECT_EQ(digits_of(detect_dtmf(padded_tones(kAllKeys, accepted), rate)), kAllKeys) << rate;
    DtmfToneOptions rejected = accepted;
    rejected.tone = 20ms;
    EXPECT_EQ(digits_of(detect_dtmf(padded_tones(kAllKeys, rejected), rate)), "") << rate;
  }
}

TEST(DtmfDetector, AcceptsTwistFromMinus8ToPlus4dB) {
  for (const double twist : {-8.0, -4.0, 0.0, 2.0, 4.0}) {
    DtmfToneOptions o;
    o.twist_db = twist;
    o.level_dbfs = -14.0;
    EXPECT_EQ(digits_of(detect_dtmf(padded_tones(kAllKeys, o), 8000)), kAllKeys)
        << "twist " << twist;
  }
}

TEST(DtmfDetector, RejectsExcessiveTwist) {
  for (const double twist : {-16.0, 12.0}) {
    DtmfToneOptions o;
    o.twist_db = twist;
    o.level_dbfs = twist > 0 ? -24.0 : -8.0;
    EXPECT_EQ(digits_of(detect_dtmf(padded_tones(kAllKeys, o), 8000)), "") << "twist " << twist;
  }
}

TEST(DtmfDetector, WorksAt8kHzAfterAMulawRoundTrip) {
  DtmfToneOptions o;
  o.tone = 60ms;
  o.gap = 60ms;
  o.level_dbfs = -20.0;
  auto audio = padded_tones(kAllKeys, o);
  for (auto& s : audio) s = mulaw_decode(mulaw_encode(s));
  EXPECT_EQ(digits_of(detect_dtmf(audio, 8000)), kAllKeys);
}

TEST(DtmfDetector, WorksThroughATelephoneChannelWithNoise) {
  DtmfToneOptions o;
  o.sample_rate = 24000;
  o.tone = 100ms;
  o.gap = 100ms;
  auto audio = effects::telephone_channel(padded_tones("2580#", o), 24000);
  effects::NoiseOptions noise;
  noise.snr_db = 20.0;
  noise.seed = 3;
  audio = effects::add_noise(audio, 24000, noise);
  EXPECT_EQ(digits_of(detect_dtmf(audio, 24000)), "2580#");
}

TEST(DtmfDetector, StreamingInOddChunksMatchesOneShot) {
  DtmfToneOptions o;
  const auto audio = padded_tones("147*", o);
  const auto whole = detect_dtmf(audio, 8000);
  DtmfDetector detector(8000);
  std::vector<DtmfDigit> streamed;
  for (std::size_t pos = 0; pos < audio.size(); pos += 37) {
    const auto part = std::span<const std::int16_t>(audio).subspan(
        pos, std::min<std::size_t>(37, audio.size() - pos));
    for (const auto& d : detector.push(part)) streamed.push_back(d);
  }
  for (const auto& d : detector.finish()) streamed.push_back(d);
  ASSERT_EQ(streamed.size(), whole.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(streamed[i].digit, whole[i].digit);
    EXPECT_EQ(streamed[i].start_sample, whole[i].start_sample);
    EXPECT_EQ(streamed[i].end_sample, whole[i].end_sample);
  }
}

TEST(DtmfDetector, NoTalkOffOnAllTheTestSpeech) {
  // Talk-off: speech must never be taken for a key press. Every sentence of the corpus, at 8 kHz
  // (also after μ-law) and 24 kHz, in three voices.
  std::size_t seconds_checked = 0;
  for (const std::string voice : {"en-us", "en-gb", "en-us+f3"}) {
    for (const auto& sentence : test::speech_sentences()) {
      for (const int rate : {8000, 24000}) {
        auto s = test::speech(sentence, rate, voice);
        EXPECT_EQ(digits_of(detect_dtmf(s, rate)), "") << voice << " @" << rate << ": " << sentence;
        if (rate == 8000) {
          for (auto& x : s) x = mulaw_decode(mulaw_encode(x));
          EXPECT_EQ(digits_of(detect_dtmf(s, rate)), "") << voice << " mu-law: " << sentence;
        }
        seconds_checked += s.size() / static_cast<std::size_t>(rate);
      }
    }
  }
  EXPECT_GT(seconds_checked, 60u);
}

TEST(DtmfDetector, FindsDigitsMixedWithSpeech) {
  auto audio = test::speech(test::speech_sentences()[2], 8000);
  DtmfToneOptions o;
  test::append(audio, generate_dtmf("31", o));
  test::append(audio, test::speech(test::speech_sentences()[4], 8000));
  test::append(audio, generate_dtmf("#", o));
  EXPECT_EQ(digits_of(detect_dtmf(audio, 8000)), "31#");
}

}  // namespace
}  // namespace scenario::audio
