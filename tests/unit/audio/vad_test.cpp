#include <gtest/gtest.h>

#include <cmath>

#include "scenario/audio/analysis.hpp"
#include "scenario/audio/chunk.hpp"
#include "scenario/audio/effects.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/vad.hpp"
#include "support/fixtures.hpp"
#include "support/tools.hpp"

#include <unistd.h>

namespace scenario::audio {
namespace {

using test::append;
using test::silence;
using test::speech;

struct Placed {
  std::int64_t start;
  std::int64_t end;
};

// Utterances placed between silences at known offsets (the ground truth).
std::vector<std::int16_t> conversation(int rate, std::vector<Placed>& truth) {
  std::vector<std::int16_t> audio = silence(rate, 0.7);
  // Single phrases: no pause inside them as long as the hangover (espeak pauses ~310 ms between
  // sentences, and that *is* a gap a VAD should report).
  const char* phrases[] = {
      "My blender arrived broken and I would like a refund, please",
      "Please press one for billing, two for technical support, or stay on the line",
      "The quick brown fox jumps over the lazy dog near the riverbank", "Thank you for calling"};
  const double gaps[] = {1.1, 0.9, 1.5, 1.0};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto s = speech(phrases[i], rate);
    const auto start = static_cast<std::int64_t>(audio.size());
    append(audio, s);
    truth.push_back({start, static_cast<std::int64_t>(audio.size())});
    append(audio, silence(rate, gaps[i]));
  }
  return audio;
}

void expect_boundaries(const std::vector<SpeechSegment>& found, const std::vector<Placed>& truth,
                       int rate, const std::string& label) {
  ASSERT_EQ(found.size(), truth.size()) << label;
  const std::int64_t tolerance = 30 * rate / 1000;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    EXPECT_NEAR(found[i].start_sample, truth[i].start, tolerance)
        << label << " utterance " << i << " start off by "
        << (found[i].start_sample - truth[i].start) * 1000.0 / rate << " ms";
    EXPECT_NEAR(found[i].end_sample, truth[i].end, tolerance)
        << label << " utterance " << i << " end off by "
        << (found[i].end_sample - truth[i].end) * 1000.0 / rate << " ms";
  }
}

class VadAggressiveness : public ::testing::TestWithParam<int> {};

TEST_P(VadAggressiveness, FindsEspeakUtterancesWithin30msAt24kHz) {
  std::vector<Placed> truth;
  const auto audio = conversation(24000, truth);
  VadOptions options;
  options.aggressiveness = GetParam();
  expect_boundaries(detect_speech(audio, 24000, options), truth, 24000, "24 kHz");
}

TEST_P(VadAggressiveness, FindsEspeakUtterancesWithin30msAt8kHz) {
  std::vector<Placed> truth;
  const auto audio = conversation(8000, truth);
  VadOptions options;
  options.aggressiveness = GetParam();
  expect_boundaries(detect_speech(audio, 8000, options), truth, 8000, "8 kHz");
}

TEST_P(VadAggressiveness, ReportsNothingIn10sOfDigitalSilence) {
  VadOptions options;
  options.aggressiveness = GetParam();
  EXPECT_TRUE(detect_speech(silence(24000, 10.0), 24000, options).empty());
}

// 10 s of sox white noise at `rate`, scaled to −50 dBFS RMS.
std::vector<std::int16_t> sox_noise_minus_50_dbfs(int rate) {
  const auto dir = test::scratch_dir("vad_noise_" + std::to_string(::getpid()));
  const auto raw = dir / ("noise" + std::to_string(rate) + ".raw");
  test::run_checked("sox -D -R -n -r " + std::to_string(rate) + " -e signed -b 16 -c 1 " +
                    test::shell_quote(raw.string()) + " synth 10 whitenoise gain -n -47");
  auto samples = pcm16_from_le_bytes(test::read_bytes(raw));
  // sox normalised the peak to −47 dBFS; bring the RMS to exactly −50 dBFS.
  const double scale = dbfs_to_amplitude(-50.0) / rms(samples);
  for (auto& s : samples) s = static_cast<std::int16_t>(std::lround(s * scale));
  return samples;
}

TEST_P(VadAggressiveness, ReportsNothingIn10sOfMinus50dBFSWhiteNoise) {
  // 24 kHz goes through the resampler to the detector; 8 kHz (telephone) is fed to it directly.
  for (const int rate : {24000, 8000}) {
    const auto noise = sox_noise_minus_50_dbfs(rate);
    ASSERT_EQ(noise.size(), static_cast<std::size_t>(rate) * 10);
    ASSERT_NEAR(rms_dbfs(noise), -50.0, 0.1);
    VadOptions options;
    options.aggressiveness = GetParam();
    EXPECT_TRUE(detect_speech(noise, rate, options).empty()) << rate << " Hz";
  }
}

INSTANTIATE_TEST_SUITE_P(AllSettings, VadAggressiveness, ::testing::Values(0, 1, 2, 3));

TEST(Vad, StreamingInSmallChunksGivesTheSameEventsAsOneBuffer) {
  // Chunks of 20 ms (whole detector frames), then 7 ms and 13 ms in turn (frames split across
  // chunks), at a resampled rate and at the telephone rate the detector takes directly.
  for (const int rate : {24000, 8000}) {
    std::vector<Placed> truth;
    const auto audio = conversation(rate, truth);
    const auto whole = detect_speech(audio, rate);
    ASSERT_FALSE(whole.empty());
    VoiceActivityDetector vad(rate);
    std::vector<VadEvent> events;
    std::size_t chunk_index = 0;
    for (std::size_t pos = 0; pos < audio.size(); ++chunk_index) {
      const auto ms = pos < audio.size() / 2 ? 20 : (chunk_index % 2 == 0 ? 7 : 13);
      const auto n =
          std::min<std::size_t>(static_cast<std::size_t>(rate / 1000 * ms), audio.size() - pos);
      for (const auto& e : vad.push(std::span<const std::int16_t>(audio).subspan(pos, n)))
        events.push_back(e);
      pos += n;
    }
    for (const auto& e : vad.finish()) events.push_back(e);
    ASSERT_EQ(events.size(), 2 * whole.size()) << rate << " Hz";
    for (std::size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(events[2 * i].kind, VadEvent::Kind::speech_start);
      EXPECT_EQ(events[2 * i].sample, whole[i].start_sample) << rate << " Hz";
      EXPECT_EQ(events[2 * i + 1].kind, VadEvent::Kind::speech_end);
      EXPECT_EQ(events[2 * i + 1].sample, whole[i].end_sample) << rate << " Hz";
    }
  }
}

// The recorder finds speech as the call goes on, in the irregular pieces it moves to disk; the
// segments must be those of one pass over the whole recording.
TEST(Vad, ASegmenterFedInIrregularPiecesFindsTheSegmentsOfTheWholeSignal) {
  for (const int rate : {24000, 8000}) {
    std::vector<Placed> truth;
    const auto audio = conversation(rate, truth);
    const auto whole = detect_speech(audio, rate);
    ASSERT_EQ(whole.size(), truth.size()) << rate << " Hz";
    SpeechSegmenter segmenter(rate);
    const std::span<const std::int16_t> all(audio);
    std::size_t pos = 0;
    // Pieces of 1 to 3000 samples, from a fixed pseudo-random sequence.
    for (std::uint64_t r = 1; pos < audio.size(); r = (r * 1103515245 + 12345) % 2147483648) {
      const auto n = std::min<std::size_t>(1 + r % 3000, audio.size() - pos);
      segmenter.push(all.subspan(pos, n));
      pos += n;
    }
    const auto found = segmenter.finish();
    ASSERT_EQ(found.size(), whole.size()) << rate << " Hz";
    for (std::size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(found[i].start_sample, whole[i].start_sample) << rate << " Hz, segment " << i;
      EXPECT_EQ(found[i].end_sample, whole[i].end_sample) << rate << " Hz, segment " << i;
    }
    EXPECT_EQ(segmenter.segments().size(), whole.size());
  }
}

TEST(Vad, ASegmenterShowsAnOpenSegmentBeforeItsEnd) {
  const int rate = 24000;
  std::vector<Placed> truth;
  const auto audio = conversation(rate, truth);
  SpeechSegmenter segmenter(rate);
  // Up to the middle of the first utterance: it has started and not ended.
  const auto middle = static_cast<std::size_t>((truth[0].start + truth[0].end) / 2);
  segmenter.push(std::span<const std::int16_t>(audio).first(middle));
  ASSERT_EQ(segmenter.segments().size(), 1u);
  EXPECT_EQ(segmenter.segments()[0].end_sample, segmenter.segments()[0].start_sample);
  EXPECT_NEAR(static_cast<double>(segmenter.segments()[0].start_sample),
              static_cast<double>(truth[0].start), rate * 0.03);
}

// A detector reused for the next agent turn must not carry anything over: not its positions, its
// open segment, nor the WebRTC detector's smoothing. Reset mid-utterance (the
// hardest case), then it must match a new detector on the next stream exactly.
TEST(Vad, AResetDetectorGivesTheSameEventsAsANewOne) {
  for (const int rate : {24000, 8000}) {
    std::vector<Placed> truth;
    const auto audio = conversation(rate, truth);
    const auto fresh = detect_speech(audio, rate);
    ASSERT_EQ(fresh.size(), truth.size());
    VoiceActivityDetector vad(rate);
    const auto midway = static_cast<std::size_t>(truth[1].start + rate / 2);
    vad.push(std::span<const std::int16_t>(audio).first(midway));
    ASSERT_TRUE(vad.in_speech());
    vad.reset();
    EXPECT_FALSE(vad.in_speech());
    std::vector<VadEvent> events = vad.push(audio);
    for (const auto& e : vad.finish()) events.push_back(e);
    ASSERT_EQ(events.size(), 2 * fresh.size()) << rate << " Hz";
    for (std::size_t i = 0; i < fresh.size(); ++i) {
      EXPECT_EQ(events[2 * i].sample, fresh[i].start_sample) << rate << " Hz, utterance " << i;
      EXPECT_EQ(events[2 * i + 1].sample, fresh[i].end_sample) << rate << " Hz, utterance " << i;
    }
  }
}

TEST(Vad, SpeechEndIsReportedOnlyAfterTheHangover) {
  const auto s = speech(test::speech_sentences()[0], 24000);
  std::vector<std::int16_t> audio = silence(24000, 0.5);
  append(audio, s);
  const auto speech_end = static_cast<std::int64_t>(audio.size());
  VadOptions options;
  options.hangover = std::chrono::milliseconds(500);
  VoiceActivityDetector vad(24000, options);
  bool ended = false;
  append(audio, silence(24000, 2.0));
  std::int64_t fed = 0;
  for (std::size_t pos = 0; pos < audio.size() && !ended; pos += 240) {
    for (const auto& e : vad.push(std::span<const std::int16_t>(audio).subspan(pos, 240))) {
      if (e.kind == VadEvent::Kind::speech_end) {
        ended = true;
        EXPECT_NEAR(e.sample, speech_end, 720);
      }
    }
    fed = static_cast<std::int64_t>(pos + 240);
  }
  ASSERT_TRUE(ended);
  // Decided no earlier than hangover after the end of sound (and not much later).
  EXPECT_GE(fed - speech_end, 12000 - 720);
  EXPECT_LE(fed - speech_end, 12000 + 4800);
}

TEST(Vad, SpeechUnder20dBSnrNoiseIsStillFound) {
  std::vector<Placed> truth;
  const auto clean = conversation(24000, truth);
  effects::NoiseOptions noise;
  noise.kind = effects::NoiseKind::white;
  noise.snr_db = 20.0;
  noise.seed = 7;
  const auto noisy = effects::add_noise(clean, 24000, noise);
  const auto found = detect_speech(noisy, 24000);
  ASSERT_EQ(found.size(), truth.size());
  for (std::size_t i = 0; i < truth.size(); ++i) {
    // Quiet consonants at the edges drown in noise; boundaries move by tens of ms, not more.
    EXPECT_NEAR(found[i].start_sample, truth[i].start, 2400) << i;
    EXPECT_NEAR(found[i].end_sample, truth[i].end, 4800) << i;
  }
}

TEST(Vad, RejectsBadOptions) {
  VadOptions options;
  options.aggressiveness = 4;
  EXPECT_THROW(VoiceActivityDetector(24000, options), UnsupportedFormatError);
  EXPECT_THROW(VoiceActivityDetector(100), UnsupportedFormatError);
}

}  // namespace
}  // namespace scenario::audio
