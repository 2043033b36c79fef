// Caller audio to exact 20 ms wire frames: the first frame of an utterance is not short, the
// resampler's tail is not dropped nor carried into the next utterance, and the audio on the wire
// is the whole utterance resampled in one go, delayed by exactly the framer's declared delay.
#include <gtest/gtest.h>

#include "scenario/audio/resampler.hpp"
#include "scenario/voice/uplink_framer.hpp"
#include "support/fixtures.hpp"

namespace scenario {
namespace {

std::vector<std::int16_t> utterance(const std::string& text) {
  auto samples = test::speech(text, 24000);
  samples.resize((samples.size() + 479) / 480 * 480, 0);  // whole frames, as the session sends
  return samples;
}

void expect_exact_frames(int wire_rate) {
  UplinkFramer framer(wire_rate);
  const std::size_t frame = static_cast<std::size_t>(wire_rate / 50);
  EXPECT_GT(framer.delay().count(), 0) << "a resampler needs look-ahead";
  EXPECT_LT(framer.delay(), std::chrono::milliseconds(20));
  for (const std::string text : {"Billing, please", "one more thing"}) {
    const auto canonical = utterance(text);
    std::vector<std::int16_t> wire;
    for (std::size_t at = 0; at < canonical.size(); at += 480) {
      const auto out = framer.frame(std::span(canonical).subspan(at, 480));
      ASSERT_EQ(out.size(), frame) << "every frame is exactly 20 ms, the first one too";
      wire.insert(wire.end(), out.begin(), out.end());
    }
    const auto tail = framer.finish();
    ASSERT_EQ(tail.size(), frame) << "the filter's tail is one more whole frame";
    wire.insert(wire.end(), tail.begin(), tail.end());
    EXPECT_TRUE(framer.finish().empty()) << "nothing left for the next utterance";

    // The same audio as resampling the whole utterance at once, delayed by the declared delay.
    const auto whole = audio::resample(canonical, 24000, wire_rate);
    const auto delay = static_cast<std::size_t>(framer.delay().count() * wire_rate / 1'000'000'000);
    std::vector<std::int16_t> expected(delay, 0);
    expected.insert(expected.end(), whole.begin(), whole.end());
    expected.resize(wire.size(), 0);
    EXPECT_EQ(wire, expected) << text << " at " << wire_rate << " Hz";
  }
}

TEST(UplinkFramer, EveryFrameIsExactly20msAndNothingIsLostOrCarriedOver) {
  expect_exact_frames(8000);
  expect_exact_frames(16000);
}

TEST(UplinkFramer, AtTheCanonicalRateFramesPassThroughWithNoDelay) {
  UplinkFramer framer(24000);
  EXPECT_EQ(framer.delay().count(), 0);
  const auto speech = utterance("hi");
  const auto out = framer.frame(std::span(speech).subspan(0, 480));
  EXPECT_TRUE(std::equal(out.begin(), out.end(), speech.begin()));
  EXPECT_TRUE(framer.finish().empty());
}

}  // namespace
}  // namespace scenario
