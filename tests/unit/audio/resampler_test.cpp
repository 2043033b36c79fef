#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "scenario/audio/analysis.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/resampler.hpp"
#include "support/fixtures.hpp"

namespace scenario::audio {
namespace {

using test::sine;

// Middle part of a signal, away from the filter's start/end transients.
std::span<const std::int16_t> middle(const std::vector<std::int16_t>& v, std::size_t margin) {
  return std::span<const std::int16_t>(v).subspan(margin, v.size() - 2 * margin);
}

TEST(Resampler, RoundTrip24kTo8kTo24kKeepsA1kHzSineAbove70dBSnr) {
  const auto input = sine(1000.0, 24000, 2.0, 16000.0);
  const auto narrow = resample(input, 24000, 8000);
  const auto back = resample(narrow, 8000, 24000);
  ASSERT_EQ(narrow.size(), input.size() / 3);
  ASSERT_EQ(back.size(), input.size());
  const double snr = snr_db(middle(input, 2400), middle(back, 2400));
  EXPECT_GE(snr, 70.0) << "round-trip SNR " << snr << " dB";
}

TEST(Resampler, OutputIsTimeAlignedWithInput) {
  const auto input = sine(440.0, 24000, 1.0, 12000.0);
  const auto out = resample(input, 24000, 8000);
  const auto reference = sine(440.0, 8000, 1.0, 12000.0);
  EXPECT_EQ(best_lag(middle(reference, 800), middle(out, 800), 20), 0);
}

TEST(Resampler, A5kHzToneIsRejectedByAtLeast60dBWhenGoingTo8k) {
  // 5 kHz is above the 4 kHz Nyquist limit of 8 kHz audio: it must not alias down to 3 kHz.
  const auto input = sine(5000.0, 24000, 2.0, 16000.0);
  const auto out = resample(input, 24000, 8000);
  const double in_level = rms_dbfs(middle(input, 2400));
  const double out_level = rms_dbfs(middle(out, 800));
  EXPECT_LE(out_level, in_level - 60.0)
      << "input " << in_level << " dBFS, output " << out_level << " dBFS";
}

TEST(Resampler, ChunkedStreamingEqualsOneShotAndTotalLengthIsExact) {
  const auto input = sine(1000.0, 24000, 1.0, 10000.0);
  for (const int out_rate : {8000, 16000, 22050, 44100, 48000}) {
    const auto whole = resample(input, 24000, out_rate);
    Resampler r(24000, out_rate);
    std::vector<std::int16_t> streamed;
    // Odd chunk sizes, including 1-sample chunks.
    std::size_t pos = 0;
    std::size_t step = 1;
    while (pos < input.size()) {
      const std::size_t n = std::min(step, input.size() - pos);
      r.process(std::span<const std::int16_t>(input).subspan(pos, n), streamed);
      pos += n;
      step = step * 7 % 523 + 1;
    }
    r.flush(streamed);
    ASSERT_EQ(static_cast<std::int64_t>(streamed.size()),
              resampled_length(static_cast<std::int64_t>(input.size()), 24000, out_rate))
        << out_rate;
    EXPECT_EQ(streamed, whole) << "chunking changed the output at " << out_rate << " Hz";
  }
}

TEST(Resampler, ChunkBoundariesAddNoDiscontinuity) {
  // 20 ms chunks, as a telephony adapter sends them: the largest sample-to-sample step in the
  // output must stay what a smooth 1 kHz sine at 8 kHz can produce.
  const auto input = sine(1000.0, 24000, 1.0, 16000.0);
  Resampler r(24000, 8000);
  std::vector<std::int16_t> out;
  for (std::size_t pos = 0; pos < input.size(); pos += 480) {
    r.process(std::span<const std::int16_t>(input).subspan(pos, 480), out);
  }
  r.flush(out);
  int max_step = 0;
  for (std::size_t i = 801; i + 800 < out.size(); ++i)
    max_step = std::max(max_step, std::abs(out[i] - out[i - 1]));
  const double ideal = 16000.0 * 2.0 * std::sin(std::numbers::pi * 1000.0 / 8000.0);
  EXPECT_LE(max_step, ideal * 1.01);
}

TEST(Resampler, ExactLengthForEverySupportedPairAndAwkwardCounts) {
  for (const int other : {8000, 16000, 22050, 24000, 44100, 48000}) {
    for (const std::size_t n : {1UL, 2UL, 3UL, 160UL, 479UL, 24001UL}) {
      const std::vector<std::int16_t> in(n, 100);
      EXPECT_EQ(static_cast<std::int64_t>(resample(in, 24000, other).size()),
                resampled_length(static_cast<std::int64_t>(n), 24000, other))
          << other << " " << n;
      EXPECT_EQ(static_cast<std::int64_t>(resample(in, other, 24000).size()),
                resampled_length(static_cast<std::int64_t>(n), other, 24000))
          << other << " " << n;
    }
  }
}

TEST(Resampler, CanBeReusedAfterFlush) {
  const auto input = sine(1000.0, 24000, 0.5);
  Resampler r(24000, 8000);
  auto first = r.process(input);
  r.flush(first);
  auto second = r.process(input);
  r.flush(second);
  EXPECT_EQ(first, second);
}

TEST(Resampler, StereoKeepsChannelsApart) {
  const auto left = sine(500.0, 48000, 0.5, 8000.0);
  std::vector<std::int16_t> stereo;
  for (const auto s : left) {
    stereo.push_back(s);
    stereo.push_back(0);
  }
  const auto out = resample(stereo, 48000, 24000, 2);
  ASSERT_EQ(out.size(), stereo.size() / 2);
  for (std::size_t i = 1; i < out.size(); i += 2) ASSERT_EQ(out[i], 0) << i;
}

TEST(Resampler, RejectsUnsupportedRatesAndRaggedInterleaving) {
  EXPECT_THROW(Resampler(0, 8000), UnsupportedFormatError);
  EXPECT_THROW(Resampler(24000, 1000000), UnsupportedFormatError);
  Resampler stereo(24000, 8000, 2);
  const std::vector<std::int16_t> three(3, 0);
  EXPECT_THROW(stereo.process(three), UnsupportedFormatError);
}

}  // namespace
}  // namespace scenario::audio
