#include <gtest/gtest.h>

#include <cmath>

#include "scenario/audio/analysis.hpp"
#include "support/fixtures.hpp"
#include "support/tools.hpp"

namespace scenario::audio {
namespace {

TEST(Analysis, LevelsOfKnownSignals) {
  EXPECT_NEAR(rms_dbfs(test::sine(1000.0, 48000, 1.0, 32767.0)), -3.01, 0.01);
  EXPECT_NEAR(peak_dbfs(test::sine(1000.0, 48000, 1.0, 16384.0)), -6.02, 0.01);
  EXPECT_TRUE(std::isinf(rms_dbfs(test::silence(8000, 1.0))));
  EXPECT_NEAR(dbfs_to_amplitude(-6.0206), 16384.0, 1.0);
}

TEST(Analysis, LevelAgreesWithSox) {
  const auto s = test::speech(test::speech_sentences()[0], 16000);
  const auto dir = test::scratch_dir("analysis_sox");
  test::write_bytes(dir / "s.raw", std::vector<std::uint8_t>(
                                       reinterpret_cast<const std::uint8_t*>(s.data()),
                                       reinterpret_cast<const std::uint8_t*>(s.data() + s.size())));
  const auto stats = test::run_checked("sox -t raw -r 16000 -e signed -b 16 -c 1 " +
                                       test::shell_quote((dir / "s.raw").string()) + " -n stats");
  const auto at = stats.find("RMS lev dB");
  ASSERT_NE(at, std::string::npos) << stats;
  const double sox_rms = std::stod(stats.substr(at + 10));
  EXPECT_NEAR(rms_dbfs(s), sox_rms, 0.05) << stats;
}

TEST(Analysis, SnrOfKnownNoise) {
  const auto ref = test::sine(440.0, 8000, 1.0, 10000.0);
  auto noisy = ref;
  for (std::size_t i = 0; i < noisy.size(); ++i)
    noisy[i] = static_cast<std::int16_t>(noisy[i] + ((i % 2) ? 100 : -100));
  // signal power 5e7, noise power 1e4: 36.99 dB
  EXPECT_NEAR(snr_db(ref, noisy), 10.0 * std::log10(5e7 / 1e4), 0.05);
  EXPECT_TRUE(std::isinf(snr_db(ref, ref)));
}

TEST(Analysis, OnsetAndOffsetAreSampleAccurate) {
  auto audio = test::silence(24000, 0.5);
  test::append(audio, test::sine(300.0, 24000, 0.25, 5000.0));
  test::append(audio, test::silence(24000, 0.5));
  // The sine starts at sample 12000 with value 0; its first sample above −45 dBFS (184) comes
  // a little later. Sample-accurate: the exact first such sample.
  std::int64_t expected = -1;
  for (std::size_t i = 12000; i < audio.size(); ++i) {
    if (std::abs(audio[i]) >= dbfs_to_amplitude(-45.0)) {
      expected = static_cast<std::int64_t>(i);
      break;
    }
  }
  EXPECT_EQ(find_onset(audio), expected);
  const auto offset = find_offset(audio);
  ASSERT_TRUE(offset.has_value());
  EXPECT_NEAR(*offset, 18000, 10);
  EXPECT_FALSE(find_onset(test::silence(24000, 1.0)).has_value());
}

TEST(Analysis, BestLagFindsAKnownShift) {
  const auto s = test::speech(test::speech_sentences()[3], 8000);
  std::vector<std::int16_t> shifted(137, 0);
  test::append(shifted, s);
  EXPECT_EQ(best_lag(s, shifted, 400), 137);
}

}  // namespace
}  // namespace scenario::audio
