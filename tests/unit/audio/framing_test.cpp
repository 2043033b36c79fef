#include <gtest/gtest.h>

#include "scenario/audio/errors.hpp"
#include "scenario/audio/framing.hpp"

namespace scenario::audio {
namespace {

using namespace std::chrono_literals;

TEST(Framing, FrameSizesForCommonTransports) {
  EXPECT_EQ(frame_size_bytes({Encoding::mulaw, 8000, 1}, 20ms), 160u);
  EXPECT_EQ(frame_size_bytes({Encoding::pcm16, 16000, 1}, 20ms), 640u);
  EXPECT_EQ(frame_size_bytes({Encoding::pcm16, 24000, 1}, 20ms), 960u);
  EXPECT_EQ(frame_size_bytes({Encoding::pcm16, 48000, 2}, 10ms), 1920u);
  EXPECT_EQ(frame_size_bytes({Encoding::alaw, 8000, 1}, 30ms), 240u);
  EXPECT_THROW(frame_size_bytes({Encoding::pcm16, 11025, 1}, 20ms), UnsupportedFormatError);
  EXPECT_THROW(frame_size_bytes({Encoding::pcm16, 8000, 1}, 0ms), UnsupportedFormatError);
}

TEST(Framing, RemainderIsCarriedAcrossPushes) {
  Framer framer({Encoding::mulaw, 8000, 1});
  std::vector<std::uint8_t> stream(1000);
  for (std::size_t i = 0; i < stream.size(); ++i) stream[i] = static_cast<std::uint8_t>(i * 7);
  std::vector<std::vector<std::uint8_t>> frames;
  // Pushes of 1, 2, 3 … bytes.
  std::size_t pos = 0;
  for (std::size_t n = 1; pos < stream.size(); ++n) {
    const std::size_t take = std::min(n, stream.size() - pos);
    for (auto& f : framer.push(std::span(stream).subspan(pos, take)))
      frames.push_back(std::move(f));
    pos += take;
  }
  ASSERT_EQ(frames.size(), 6u);  // 6 × 160 = 960, 40 left over
  EXPECT_EQ(framer.pending_bytes(), 40u);
  std::vector<std::uint8_t> joined;
  for (const auto& f : frames) {
    ASSERT_EQ(f.size(), 160u);
    joined.insert(joined.end(), f.begin(), f.end());
  }
  EXPECT_TRUE(std::equal(joined.begin(), joined.end(), stream.begin()));
}

TEST(Framing, FlushPoliciesAreExplicit) {
  const std::vector<std::uint8_t> tail = {1, 2, 3};
  for (const auto& [encoding, silence] :
       {std::pair{Encoding::mulaw, 0xFF}, std::pair{Encoding::alaw, 0xD5}}) {
    Framer f({encoding, 8000, 1});
    (void)f.push(tail);
    const auto padded = f.flush(PadPolicy::pad_with_silence);
    ASSERT_TRUE(padded.has_value());
    ASSERT_EQ(padded->size(), 160u);
    EXPECT_EQ((*padded)[2], 3);
    EXPECT_EQ((*padded)[3], silence);
    EXPECT_EQ(padded->back(), silence);
    EXPECT_EQ(f.pending_bytes(), 0u);
  }
  Framer pcm({Encoding::pcm16, 8000, 1});
  (void)pcm.push(tail);
  EXPECT_EQ(pcm.flush(PadPolicy::pad_with_silence)->back(), 0);
  (void)pcm.push(tail);
  EXPECT_FALSE(pcm.flush(PadPolicy::drop).has_value());
  (void)pcm.push(tail);
  EXPECT_EQ(pcm.flush(PadPolicy::emit_short)->size(), 3u);
  EXPECT_FALSE(pcm.flush(PadPolicy::pad_with_silence).has_value());  // nothing pending
}

TEST(Framing, EncodingNames) {
  EXPECT_EQ(parse_encoding("ulaw"), Encoding::mulaw);
  EXPECT_EQ(parse_encoding("g711_alaw"), Encoding::alaw);
  EXPECT_EQ(to_string(Encoding::pcm16), "pcm16");
  EXPECT_THROW(parse_encoding("mp3"), UnsupportedFormatError);
}

}  // namespace
}  // namespace scenario::audio
