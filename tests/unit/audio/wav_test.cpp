#include <gtest/gtest.h>

#include <cstring>

#include "scenario/audio/chunk.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/audio/wav.hpp"
#include "support/fixtures.hpp"
#include "support/tools.hpp"

namespace scenario::audio {
namespace {

using test::read_bytes;
using test::run_checked;
using test::scratch_dir;
using test::shell_quote;

// A stereo test signal: different tones left and right.
PcmBuffer stereo_reference(int rate) {
  const auto left = test::sine(440.0, rate, 0.25, 12000.0);
  const auto right = test::sine(1000.0, rate, 0.25, -9000.0);
  return interleave_stereo(left, right, rate);
}

struct SoxCase {
  const char* name;
  const char* sox_args;  // encoding arguments for the output file
  WavSampleFormat format;
  int max_error;  // allowed difference from the 16-bit original after the format's quantisation
  bool extensible;
};

class WavFromSox : public ::testing::TestWithParam<SoxCase> {};

TEST_P(WavFromSox, ReadsWhatSoxWrites) {
  const auto& c = GetParam();
  const auto dir = scratch_dir(std::string("wav_sox_") + c.name);
  const auto ref = stereo_reference(16000);
  write_wav_file(dir / "ref.wav", ref);
  // -D: no dither, so the file holds exactly the quantised reference.
  run_checked("sox -D " + shell_quote((dir / "ref.wav").string()) + " " + c.sox_args + " " +
              shell_quote((dir / "out.wav").string()));
  const WavFile wav = read_wav_file(dir / "out.wav");
  EXPECT_EQ(wav.info.format, c.format);
  EXPECT_EQ(wav.info.extensible, c.extensible);
  EXPECT_EQ(wav.info.channels, 2);
  EXPECT_EQ(wav.info.sample_rate, 16000);
  ASSERT_EQ(wav.pcm.samples.size(), ref.samples.size());
  int worst = 0;
  for (std::size_t i = 0; i < ref.samples.size(); ++i)
    worst = std::max(worst, std::abs(ref.samples[i] - wav.pcm.samples[i]));
  EXPECT_LE(worst, c.max_error);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, WavFromSox,
    ::testing::Values(SoxCase{"pcm8", "-e unsigned -b 8", WavSampleFormat::pcm8, 128, false},
                      SoxCase{"pcm16", "-e signed -b 16", WavSampleFormat::pcm16, 0, false},
                      SoxCase{"pcm24", "-e signed -b 24", WavSampleFormat::pcm24, 0, true},
                      SoxCase{"pcm32", "-e signed -b 32", WavSampleFormat::pcm32, 0, true},
                      SoxCase{"float32", "-e floating-point -b 32", WavSampleFormat::float32, 0,
                              false},
                      SoxCase{"mulaw", "-e u-law", WavSampleFormat::mulaw, 512, false},
                      SoxCase{"alaw", "-e a-law", WavSampleFormat::alaw, 512, false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Wav, WriterRoundTripsEveryFormatThroughOurReaderAndSox) {
  const auto ref = stereo_reference(8000);
  for (const auto format : {WavSampleFormat::pcm8, WavSampleFormat::pcm16, WavSampleFormat::pcm24,
                            WavSampleFormat::pcm32, WavSampleFormat::float32,
                            WavSampleFormat::mulaw, WavSampleFormat::alaw}) {
    const auto dir = scratch_dir(std::string("wav_write_") + std::string(to_string(format)));
    write_wav_file(dir / "x.wav", ref, format);
    const auto back = read_wav_file(dir / "x.wav");
    EXPECT_EQ(back.info.format, format);
    ASSERT_EQ(back.pcm.samples.size(), ref.samples.size());
    // sox agrees on what the file holds.
    const auto sox_info = run_checked("sox --i " + shell_quote((dir / "x.wav").string()));
    EXPECT_NE(sox_info.find("Channels       : 2"), std::string::npos) << sox_info;
    EXPECT_NE(sox_info.find("Sample Rate    : 8000"), std::string::npos) << sox_info;
    run_checked("sox -D " + shell_quote((dir / "x.wav").string()) + " -t raw -e signed -b 16 " +
                shell_quote((dir / "x.raw").string()));
    EXPECT_EQ(pcm16_from_le_bytes(read_bytes(dir / "x.raw")), back.pcm.samples)
        << to_string(format);
  }
}

std::vector<std::uint8_t> minimal_wav() {
  PcmBuffer pcm;
  pcm.sample_rate = 8000;
  pcm.channels = 1;
  pcm.samples = {1, -2, 3, -4, 5};
  return write_wav(pcm);
}

void put32(std::vector<std::uint8_t>& v, std::size_t at, std::uint32_t x) {
  for (int i = 0; i < 4; ++i)
    v[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(x >> (8 * i));
}

TEST(Wav, SkipsUnknownChunksIncludingOddSizedOnesWithPadding) {
  auto wav = minimal_wav();
  // Insert a 3-byte LIST chunk (+1 pad byte) between "WAVE" and "fmt ".
  const std::vector<std::uint8_t> list = {'L', 'I', 'S', 'T', 3, 0, 0, 0, 'a', 'b', 'c', 0};
  wav.insert(wav.begin() + 12, list.begin(), list.end());
  const auto parsed = read_wav(wav);
  EXPECT_EQ(parsed.pcm.samples, (std::vector<std::int16_t>{1, -2, 3, -4, 5}));
}

TEST(Wav, OddLengthDataIsPaddedOnWrite) {
  PcmBuffer pcm;
  pcm.sample_rate = 8000;
  pcm.samples = {1000, -1000, 77};
  const auto bytes = write_wav(pcm, WavSampleFormat::mulaw);
  EXPECT_EQ(bytes.size() % 2, 0u);
  EXPECT_EQ(read_wav(bytes).pcm.samples.size(), 3u);
}

TEST(Wav, StreamedFilesWithUnknownDataSizeAreRead) {
  auto wav = minimal_wav();
  put32(wav, 40, 0xFFFFFFFFu);  // data size "unknown"
  put32(wav, 4, 0xFFFFFFFFu);
  EXPECT_EQ(read_wav(wav).pcm.samples.size(), 5u);
}

TEST(Wav, LyingAndTruncatedHeadersGiveClearErrors) {
  const auto good = minimal_wav();
  auto expect_error = [](std::vector<std::uint8_t> bytes, const std::string& needle) {
    try {
      (void)read_wav(bytes);
      ADD_FAILURE() << "expected WavFormatError mentioning '" << needle << "'";
    } catch (const WavFormatError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error({}, "too short");
  expect_error({good.begin(), good.begin() + 20},
               "'fmt ' chunk of 16 bytes at offset 12 is truncated");
  expect_error({good.begin(), good.begin() + 12}, "no 'fmt ' chunk");
  auto not_riff = good;
  not_riff[0] = 'X';
  expect_error(not_riff, "not a RIFF/WAVE");
  auto data_lies = good;
  put32(data_lies, 40, 1000);
  expect_error(data_lies, "claims 1000 bytes");
  auto fmt_truncated = good;
  put32(fmt_truncated, 16, 1000);
  expect_error(fmt_truncated, "'fmt ' chunk of 1000 bytes at offset 12 is truncated");
  auto bad_bits = good;
  bad_bits[34] = 12;
  expect_error(bad_bits, "12 bits");
  auto bad_align = good;
  bad_align[32] = 3;
  expect_error(bad_align, "block align");
  auto no_channels = good;
  no_channels[22] = 0;
  expect_error(no_channels, "channel count 0");
  auto bad_tag = good;
  bad_tag[20] = 0x55;
  expect_error(bad_tag, "format tag 0x0055");
  auto no_data = std::vector<std::uint8_t>(good.begin(), good.begin() + 36);
  expect_error(no_data, "no 'data' chunk");
}

TEST(Wav, ReadingAMissingFileSaysWhich) {
  try {
    (void)read_wav_file("/nonexistent/x.wav");
    FAIL();
  } catch (const WavFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.wav"), std::string::npos);
  }
}

}  // namespace
}  // namespace scenario::audio
