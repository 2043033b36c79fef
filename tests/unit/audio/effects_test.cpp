#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "scenario/audio/analysis.hpp"
#include "scenario/audio/effects.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/resampler.hpp"
#include "support/fixtures.hpp"

namespace scenario::audio::effects {
namespace {

std::vector<std::int16_t> voice() {
  return test::speech(test::speech_sentences()[0], 24000);
}

double measured_snr(const std::vector<std::int16_t>& clean,
                    const std::vector<std::int16_t>& noisy) {
  return snr_db(clean, noisy);
}

TEST(Effects, NoiseIsAddedAtTheRequestedSnrForEveryKind) {
  // On a signal without silence (a tone) the active RMS is the RMS, so SNR is exact.
  const auto tone = test::sine(440.0, 24000, 3.0, 8000.0);
  const auto speech = voice();
  for (const auto kind : {NoiseKind::white, NoiseKind::pink, NoiseKind::babble, NoiseKind::file}) {
    NoiseOptions o;
    o.kind = kind;
    o.snr_db = 15.0;
    o.seed = 11;
    if (kind == NoiseKind::file) o.source = test::sine(97.0, 24000, 0.7, 3000.0);
    if (kind == NoiseKind::babble) o.source = speech;
    const auto noisy = add_noise(tone, 24000, o);
    EXPECT_NEAR(measured_snr(tone, noisy), 15.0, 0.5) << static_cast<int>(kind);
  }
}

TEST(Effects, SameSeedSameBytesDifferentSeedDifferentBytes) {
  const auto s = voice();
  for (const auto kind : {NoiseKind::white, NoiseKind::pink, NoiseKind::babble}) {
    NoiseOptions a{kind, 10.0, 42, {}};
    NoiseOptions b{kind, 10.0, 43, {}};
    EXPECT_EQ(add_noise(s, 24000, a), add_noise(s, 24000, a));
    EXPECT_NE(add_noise(s, 24000, a), add_noise(s, 24000, b));
  }
  EXPECT_EQ(packet_loss(s, 24000, 0.3, 5), packet_loss(s, 24000, 0.3, 5));
  EXPECT_NE(packet_loss(s, 24000, 0.3, 5), packet_loss(s, 24000, 0.3, 6));
  EXPECT_EQ(add_static(s, 24000, 20.0, -20.0, 9), add_static(s, 24000, 20.0, -20.0, 9));
}

TEST(Effects, PinkNoiseHasMoreLowThanHighEnergy) {
  NoiseOptions o{NoiseKind::pink, -30.0, 1, {}};  // noise 1000x the tone's power
  const auto tone = test::sine(1000.0, 24000, 4.0, 100.0);
  auto noisy = add_noise(tone, 24000, o);
  // Energy below ~1.9 kHz, kept by going down to 4 kHz: white noise has 1/6 of its power there,
  // 1/f noise (Voss, lowest row ~0.4 Hz) about 4/5.
  const auto low = resample(noisy, 24000, 4000);
  const double low_share = rms(low) * rms(low) / (rms(noisy) * rms(noisy));
  EXPECT_GT(low_share, 0.6);
  NoiseOptions w{NoiseKind::white, -30.0, 1, {}};
  const auto white = add_noise(tone, 24000, w);
  const auto white_low = resample(white, 24000, 4000);
  EXPECT_LT(rms(white_low) * rms(white_low) / (rms(white) * rms(white)), 0.25);
}

TEST(Effects, TelephoneChannelRemovesWhatIsOutsideTheBand) {
  const auto in_band = test::sine(1000.0, 24000, 1.0, 10000.0);
  const auto low = test::sine(100.0, 24000, 1.0, 10000.0);
  const auto high = test::sine(6000.0, 24000, 1.0, 10000.0);
  auto mid = [](const std::vector<std::int16_t>& v) {
    return std::span<const std::int16_t>(v).subspan(2400, v.size() - 4800);
  };
  const auto a = telephone_channel(in_band, 24000);
  const auto b = telephone_channel(low, 24000);
  const auto c = telephone_channel(high, 24000);
  EXPECT_EQ(a.size(), in_band.size());
  EXPECT_NEAR(rms_dbfs(mid(a)), rms_dbfs(mid(in_band)), 1.0);
  EXPECT_LT(rms_dbfs(mid(b)), rms_dbfs(mid(low)) - 25.0);
  EXPECT_LT(rms_dbfs(mid(c)), rms_dbfs(mid(high)) - 40.0);
  // The channel is narrowband μ-law: only μ-law levels survive at 8 kHz, so the output differs
  // from the input (and is deterministic).
  EXPECT_NE(a, in_band);
  EXPECT_EQ(a, telephone_channel(in_band, 24000));
}

TEST(Effects, PacketLossZeroesWholeFramesAtRoughlyTheRate) {
  const auto tone = test::sine(440.0, 24000, 10.0, 8000.0);
  const auto lossy = packet_loss(tone, 24000, 0.2, 77);
  int lost = 0;
  for (std::size_t f = 0; f < 500; ++f) {
    const auto frame = std::span<const std::int16_t>(lossy).subspan(f * 480, 480);
    const bool zero = std::all_of(frame.begin(), frame.end(), [](auto x) { return x == 0; });
    lost += zero ? 1 : 0;
    if (!zero) {
      EXPECT_TRUE(std::equal(frame.begin(), frame.end(),
                             tone.begin() + static_cast<std::ptrdiff_t>(f * 480)));
    }
  }
  EXPECT_NEAR(lost, 100, 30);
  EXPECT_THROW(packet_loss(tone, 24000, 1.5, 1), UnsupportedFormatError);
}

TEST(Effects, GainClipEchoAndSpeedDoWhatTheySay) {
  const auto tone = test::sine(500.0, 24000, 1.0, 8000.0);
  EXPECT_NEAR(rms_dbfs(gain(tone, -6.0)), rms_dbfs(tone) - 6.0, 0.05);
  EXPECT_NEAR(peak_dbfs(gain(tone, 30.0)), 0.0, 0.01);  // saturates, never wraps
  EXPECT_NEAR(peak_dbfs(clip(tone, -20.0)), -20.0, 0.01);
  const auto impulse = [] {
    std::vector<std::int16_t> v(24000, 0);
    v[100] = 10000;
    return v;
  }();
  const auto echoed = echo(impulse, 24000, 50.0, 0.5);
  EXPECT_EQ(echoed[100], 10000);
  EXPECT_EQ(echoed[100 + 1200], 5000);
  const auto fast = speed(tone, 24000, 1.25);
  EXPECT_NEAR(static_cast<double>(fast.size()), tone.size() / 1.25, 2.0);
  const auto slow = speed(tone, 24000, 0.8);
  EXPECT_NEAR(static_cast<double>(slow.size()), tone.size() / 0.8, 2.0);
  EXPECT_THROW(speed(tone, 24000, 3.0), UnsupportedFormatError);
  EXPECT_THROW(echo(tone, 24000, 10.0, 1.0), UnsupportedFormatError);
}

TEST(Effects, StaticAddsClicksAtTheRequestedLevel) {
  const auto quiet = test::silence(24000, 5.0);
  const auto crackle = add_static(quiet, 24000, 10.0, -12.0, 3);
  int clicks = 0;
  for (std::size_t i = 1; i < crackle.size(); ++i) {
    if (crackle[i - 1] == 0 && crackle[i] != 0) ++clicks;
  }
  EXPECT_NEAR(clicks, 50, 20);
  EXPECT_LE(peak_dbfs(crackle), -11.9);
}

}  // namespace
}  // namespace scenario::audio::effects
