#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "scenario/audio/chunk.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/g711.hpp"
#include "support/tools.hpp"

namespace scenario::audio {
namespace {

using test::read_bytes;
using test::run_checked;
using test::scratch_dir;
using test::shell_quote;
using test::write_bytes;

std::vector<std::uint8_t> all_codes() {
  std::vector<std::uint8_t> codes(256);
  for (int i = 0; i < 256; ++i) codes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  return codes;
}

std::vector<std::int16_t> all_inputs() {
  std::vector<std::int16_t> v;
  for (int x = -32768; x <= 32767; ++x) v.push_back(static_cast<std::int16_t>(x));
  return v;
}

// Decodes all 256 codes with an external tool; `law` is "mulaw" or "alaw".
std::vector<std::int16_t> decode_with(const std::string& tool, const std::string& law) {
  const auto dir = scratch_dir("g711_" + tool + "_" + law);
  write_bytes(dir / "codes.raw", all_codes());
  const auto in = shell_quote((dir / "codes.raw").string());
  const auto out = shell_quote((dir / "pcm.raw").string());
  if (tool == "sox") {
    run_checked("sox -D -t raw -r 8000 -c 1 -e " + std::string(law == "mulaw" ? "u-law" : "a-law") +
                " -b 8 " + in + " -t raw -e signed -b 16 " + out);
  } else {
    run_checked("ffmpeg -nostdin -loglevel error -y -f " + law + " -ar 8000 -ac 1 -i " + in +
                " -f s16le " + out);
  }
  return pcm16_from_le_bytes(read_bytes(dir / "pcm.raw"));
}

std::vector<std::uint8_t> encode_with_ffmpeg(const std::string& law,
                                             const std::vector<std::int16_t>& input) {
  const auto dir = scratch_dir("g711_ffmpeg_encode_" + law);
  write_bytes(dir / "in.raw", pcm16_to_le_bytes(input));
  run_checked("ffmpeg -nostdin -loglevel error -y -f s16le -ar 8000 -ac 1 -i " +
              shell_quote((dir / "in.raw").string()) + " -c:a pcm_" + law + " -f " + law + " " +
              shell_quote((dir / "out.raw").string()));
  return read_bytes(dir / "out.raw");
}

TEST(G711, MulawDecodingIsBitExactWithSoxAndFfmpegOnAll256Codes) {
  const auto sox = decode_with("sox", "mulaw");
  const auto ffmpeg = decode_with("ffmpeg", "mulaw");
  ASSERT_EQ(sox.size(), 256u);
  ASSERT_EQ(ffmpeg.size(), 256u);
  for (int c = 0; c < 256; ++c) {
    EXPECT_EQ(mulaw_decode(static_cast<std::uint8_t>(c)), sox[static_cast<std::size_t>(c)])
        << "code " << c;
    EXPECT_EQ(mulaw_decode(static_cast<std::uint8_t>(c)), ffmpeg[static_cast<std::size_t>(c)])
        << "code " << c;
  }
}

TEST(G711, AlawDecodingIsBitExactWithSoxAndFfmpegOnAll256Codes) {
  const auto sox = decode_with("sox", "alaw");
  const auto ffmpeg = decode_with("ffmpeg", "alaw");
  for (int c = 0; c < 256; ++c) {
    EXPECT_EQ(alaw_decode(static_cast<std::uint8_t>(c)), sox[static_cast<std::size_t>(c)])
        << "code " << c;
    EXPECT_EQ(alaw_decode(static_cast<std::uint8_t>(c)), ffmpeg[static_cast<std::size_t>(c)])
        << "code " << c;
  }
}

TEST(G711, KnownTableValues) {
  EXPECT_EQ(mulaw_decode(0x00), -32124);
  EXPECT_EQ(mulaw_decode(0x80), 32124);
  EXPECT_EQ(mulaw_decode(0xFF), 0);
  EXPECT_EQ(mulaw_decode(0x7F), 0);
  EXPECT_EQ(alaw_decode(0xD5), 8);
  EXPECT_EQ(alaw_decode(0x55), -8);
  EXPECT_EQ(alaw_decode(0xAA), 32256);
  EXPECT_EQ(alaw_decode(0x2A), -32256);
  EXPECT_EQ(mulaw_encode(0), 0xFF);
  EXPECT_EQ(alaw_encode(0), 0xD5);
}

// Largest distance between a decoded level and its neighbours: the local quantization step.
int step_at(const std::vector<int>& levels, int value) {
  const auto it = std::lower_bound(levels.begin(), levels.end(), value);
  int step = 0;
  if (it != levels.end() && it + 1 != levels.end()) step = std::max(step, *(it + 1) - *it);
  if (it != levels.begin()) step = std::max(step, *it - *(it - 1));
  return step;
}

std::vector<int> sorted_levels(std::int16_t (*decode)(std::uint8_t)) {
  std::vector<int> levels;
  for (int c = 0; c < 256; ++c) levels.push_back(decode(static_cast<std::uint8_t>(c)));
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  return levels;
}

void check_encoder(std::int16_t (*decode)(std::uint8_t), std::uint8_t (*encode)(std::int16_t),
                   int top) {
  const auto levels = sorted_levels(decode);
  for (int x = -32768; x <= 32767; ++x) {
    const int decoded = decode(encode(static_cast<std::int16_t>(x)));
    const int clamped = std::clamp(x, -top, top);
    // Nearest level: never more than half a step away (within the codec's range).
    ASSERT_LE(2 * std::abs(decoded - clamped), step_at(levels, decoded)) << "input " << x;
  }
}

TEST(G711, MulawEncoderPicksTheNearestLevelForAll65536Inputs) {
  check_encoder(mulaw_decode, mulaw_encode, 32124);
}
TEST(G711, AlawEncoderPicksTheNearestLevelForAll65536Inputs) {
  check_encoder(alaw_decode, alaw_encode, 32256);
}

TEST(G711, EncodeOfDecodeIsIdentityForEveryCode) {
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<std::uint8_t>(c);
    if (code == 0x7F) {
      // μ-law "negative zero" decodes to 0 like 0xFF; 0 encodes as 0xFF.
      EXPECT_EQ(mulaw_encode(mulaw_decode(code)), 0xFF);
    } else {
      EXPECT_EQ(mulaw_encode(mulaw_decode(code)), code) << "mu-law code " << c;
    }
    EXPECT_EQ(alaw_encode(alaw_decode(code)), code) << "A-law code " << c;
  }
}

// ffmpeg quantises its input to 14 bits (μ-law) / 13 bits (A-law) before looking up its table,
// so where it differs from us it must be by one code, next to a decision boundary.
void cross_check_with_ffmpeg(const std::string& law, std::int16_t (*decode)(std::uint8_t),
                             std::uint8_t (*encode)(std::int16_t), int truncation) {
  const auto inputs = all_inputs();
  const auto theirs = encode_with_ffmpeg(law, inputs);
  ASSERT_EQ(theirs.size(), inputs.size());
  int differences = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::uint8_t ours = encode(inputs[i]);
    if (ours == theirs[i]) continue;
    ++differences;
    const int a = decode(ours);
    const int b = decode(theirs[i]);
    const double boundary = (a + b) / 2.0;
    ASSERT_LE(std::abs(inputs[i] - boundary), truncation)
        << law << " input " << inputs[i] << ": ours decodes to " << a << ", ffmpeg's to " << b;
  }
  std::cout << "[          ] " << law << ": " << differences
            << " of 65536 inputs differ from ffmpeg, all at decision boundaries\n";
  EXPECT_LT(differences, 65536 / 20);
}

TEST(G711, MulawEncoderAgreesWithFfmpegExceptAtDecisionBoundaries) {
  cross_check_with_ffmpeg("mulaw", mulaw_decode, mulaw_encode, 4);
}

TEST(G711, AlawEncoderAgreesWithFfmpegExceptAtDecisionBoundaries) {
  cross_check_with_ffmpeg("alaw", alaw_decode, alaw_encode, 8);
}

TEST(G711, BulkFormsMatchScalarForms) {
  const auto inputs = all_inputs();
  const auto mu = encode_samples(Encoding::mulaw, inputs);
  const auto a = encode_samples(Encoding::alaw, inputs);
  for (std::size_t i = 0; i < inputs.size(); i += 97) {
    EXPECT_EQ(mu[i], mulaw_encode(inputs[i]));
    EXPECT_EQ(a[i], alaw_encode(inputs[i]));
  }
  const auto back = decode_samples(Encoding::mulaw, mu);
  EXPECT_EQ(back[100], mulaw_decode(mu[100]));
  const std::vector<std::uint8_t> odd(3, 0);
  EXPECT_THROW(decode_samples(Encoding::pcm16, odd), OddByteLengthError);
}

}  // namespace
}  // namespace scenario::audio
