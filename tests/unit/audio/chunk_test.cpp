#include <gtest/gtest.h>

#include "scenario/audio/chunk.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/pcm_buffer.hpp"

namespace scenario::audio {
namespace {

TEST(AudioChunk, LittleEndianRoundTrip) {
  const std::vector<std::uint8_t> bytes = {0x01, 0x00, 0xFF, 0xFF, 0x00, 0x80, 0xFF, 0x7F};
  const auto chunk = AudioChunk::from_le_bytes(bytes);
  EXPECT_EQ(chunk.samples, (std::vector<std::int16_t>{1, -1, -32768, 32767}));
  EXPECT_EQ(chunk.to_le_bytes(), bytes);
}

TEST(AudioChunk, OddByteCountsAreRejectedWithASpecificError) {
  const std::vector<std::uint8_t> odd = {1, 2, 3};
  try {
    (void)AudioChunk::from_le_bytes(odd);
    FAIL();
  } catch (const OddByteLengthError& e) {
    EXPECT_NE(std::string(e.what()).find("odd byte count (3)"), std::string::npos) << e.what();
  }
}

TEST(AudioChunk, DurationIsExact) {
  AudioChunk chunk;
  chunk.samples.resize(24000 * 3 + 12);
  EXPECT_EQ(chunk.duration(), std::chrono::nanoseconds(3'000'500'000));
  EXPECT_DOUBLE_EQ(chunk.duration_seconds(), 3.0005);
  chunk.transcript = "hello";
  chunk.timestamp = std::chrono::milliseconds(250);
  EXPECT_EQ(chunk.sample_rate, 24000);
}

TEST(PcmBuffer, DownmixAndInterleave) {
  const std::vector<std::int16_t> left{100, 200, 300};
  const std::vector<std::int16_t> right{-100, 0};
  const auto stereo = interleave_stereo(left, right, 8000);
  EXPECT_EQ(stereo.samples, (std::vector<std::int16_t>{100, -100, 200, 0, 300, 0}));
  EXPECT_EQ(stereo.frames(), 3u);
  EXPECT_EQ(downmix_to_mono(stereo), (std::vector<std::int16_t>{0, 100, 150}));
  PcmBuffer extremes{8000, 2, {32767, 32767, -32768, -32768}};
  EXPECT_EQ(downmix_to_mono(extremes), (std::vector<std::int16_t>{32767, -32768}));
}

}  // namespace
}  // namespace scenario::audio
