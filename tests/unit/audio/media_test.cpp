#include <gtest/gtest.h>

#include <cmath>

#include "scenario/audio/analysis.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/media.hpp"
#include "scenario/audio/wav.hpp"
#include "support/fixtures.hpp"
#include "support/tools.hpp"

namespace scenario::audio {
namespace {

using test::read_bytes;
using test::run_checked;
using test::scratch_dir;
using test::shell_quote;

PcmBuffer speech_buffer(int rate, int channels) {
  const auto s = test::speech(test::speech_sentences()[1], rate);
  if (channels == 1) return PcmBuffer{rate, 1, s};
  std::vector<std::int16_t> other(s.rbegin(), s.rend());  // a different right channel
  return interleave_stereo(s, other, rate);
}

// SNR after aligning the decoded signal with the original (lossy codecs add encoder delay).
double aligned_snr(const std::vector<std::int16_t>& ref, const std::vector<std::int16_t>& test) {
  const std::int64_t lag =
      best_lag(std::span(ref).subspan(0, std::min<std::size_t>(ref.size(), 48000)),
               std::span(test).subspan(0, std::min<std::size_t>(test.size(), 48000)), 3000);
  std::vector<std::int16_t> shifted;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const auto j = static_cast<std::int64_t>(i) + lag;
    shifted.push_back(j >= 0 && j < static_cast<std::int64_t>(test.size())
                          ? test[static_cast<std::size_t>(j)]
                          : 0);
  }
  return snr_db(ref, shifted);
}

TEST(Media, WavAndFlacRoundTripsAreExactMonoAndStereo) {
  for (const int channels : {1, 2}) {
    const auto pcm = speech_buffer(24000, channels);
    for (const auto container : {Container::wav, Container::flac}) {
      const auto bytes = encode_media(pcm, container);
      const auto back = decode_media(bytes);
      EXPECT_EQ(back.sample_rate, 24000);
      EXPECT_EQ(back.channels, channels);
      EXPECT_EQ(back.samples, pcm.samples)
          << "container " << static_cast<int>(container) << " channels " << channels;
    }
  }
}

// A lossy round trip at 64 kbit/s: same rate back, SNR after delay alignment at least
// `min_snr`, duration kept within `duration_slack` (codec padding).
void expect_lossy_round_trip(Container container, int rate, double min_snr, double duration_slack,
                             const char* label) {
  const auto pcm = speech_buffer(rate, 1);
  const auto back = decode_media(encode_media(pcm, container, {.bit_rate = 64000}));
  EXPECT_EQ(back.sample_rate, rate) << label;
  const double snr = aligned_snr(pcm.samples, back.samples);
  std::cout << "[          ] " << label << " 64 kbit/s round trip: " << snr << " dB SNR\n";
  EXPECT_GE(snr, min_snr) << label;
  EXPECT_NEAR(back.duration_seconds(), pcm.duration_seconds(), duration_slack) << label;
}

TEST(Media, Mp3At64kbpsKeepsSpeechAbove18dBSnrAfterDelayAlignment) {
  expect_lossy_round_trip(Container::mp3, 24000, 18.0, 0.15, "mp3");
}

TEST(Media, OggOpusAt64kbpsKeepsSpeechAbove22dBSnrAfterDelayAlignment) {
  expect_lossy_round_trip(Container::ogg_opus, 48000, 22.0, 0.05, "ogg/opus");
}

TEST(Media, OpusGetsAResampledInputWhenTheRateIsNotAnOpusRate) {
  const auto pcm = speech_buffer(22050, 1);
  const auto back = decode_media(encode_media(pcm, Container::ogg_opus));
  EXPECT_EQ(back.sample_rate, 48000);
  EXPECT_NEAR(back.duration_seconds(), pcm.duration_seconds(), 0.05);
}

TEST(Media, DecodesFilesMadeByFfmpegAndSoxInEveryContainer) {
  const auto dir = scratch_dir("media_decode");
  const auto ref = speech_buffer(16000, 1);
  write_wav_file(dir / "ref.wav", ref);
  const auto src = shell_quote((dir / "ref.wav").string());
  run_checked("sox -D " + src + " " + shell_quote((dir / "sox.flac").string()));
  for (const std::string ext : {"mp3", "ogg", "m4a", "flac"}) {
    const std::string codec = ext == "ogg" ? "-c:a libopus" : (ext == "m4a" ? "-c:a aac" : "");
    run_checked("ffmpeg -nostdin -loglevel error -y -i " + src + " " + codec + " " +
                shell_quote((dir / ("ffmpeg." + ext)).string()));
  }
  EXPECT_EQ(decode_media_file(dir / "sox.flac").samples, ref.samples);
  EXPECT_EQ(decode_media_file(dir / "ffmpeg.flac").samples, ref.samples);
  for (const std::string ext : {"mp3", "ogg", "m4a"}) {
    const AudioChunk chunk = load_canonical(dir / ("ffmpeg." + ext));
    EXPECT_NEAR(chunk.duration_seconds(), ref.duration_seconds(), 0.1) << ext;
    EXPECT_GT(rms_dbfs(chunk.samples), -40.0) << ext;
  }
}

TEST(Media, LoadCanonicalMixesToMonoAndResamplesTo24k) {
  const auto dir = scratch_dir("media_canonical");
  PcmBuffer stereo = speech_buffer(44100, 2);
  write_wav_file(dir / "x.wav", stereo);
  const auto chunk = load_canonical(dir / "x.wav");
  EXPECT_NEAR(chunk.duration_seconds(), stereo.duration_seconds(), 1.0 / 24000);
  EXPECT_EQ(chunk.samples.size(),
            static_cast<std::size_t>(std::lround(stereo.frames() * 24000.0 / 44100.0)));
}

TEST(Media, UrlsAndProtocolsAreRefusedBeforeOpening) {
  for (const std::string bad :
       {"http://example.com/a.wav", "https://x/y.mp3", "concat:a.wav|b.wav", "file:/etc/passwd",
        "pipe:0", "tcp://127.0.0.1:9/x", "data:audio/wav;base64,AAAA"}) {
    EXPECT_THROW((void)decode_media_file(bad), UnsafeInputError) << bad;
  }
}

TEST(Media, APlainPathWithAColonWorksWhenWrittenAsRelative) {
  const auto dir = scratch_dir("media_colon");
  write_wav_file(dir / "a:b.wav", speech_buffer(8000, 1));
  EXPECT_EQ(decode_media_file(dir / "a:b.wav").sample_rate, 8000);
}

TEST(Media, GarbageAndMissingFilesGiveMediaErrors) {
  const std::vector<std::uint8_t> garbage(4096, 0x5A);
  EXPECT_THROW((void)decode_media(garbage), MediaError);
  EXPECT_THROW((void)decode_media(std::vector<std::uint8_t>{}), MediaError);
  EXPECT_THROW((void)decode_media_file("/nonexistent/file.wav"), MediaError);
  // A playlist that would make libavformat open other inputs is not an accepted format.
  const std::string m3u = "#EXTM3U\n#EXTINF:1,\nhttp://127.0.0.1:9/x.wav\n";
  EXPECT_THROW((void)decode_media(std::vector<std::uint8_t>(m3u.begin(), m3u.end())), MediaError);
}

TEST(Media, EncoderRejectsWhatItCannotWrite) {
  PcmBuffer six{24000, 6, std::vector<std::int16_t>(600, 0)};
  EXPECT_THROW((void)encode_media(six, Container::mp3), UnsupportedFormatError);
  EXPECT_THROW((void)container_from_extension("x.aiff"), UnsupportedFormatError);
  EXPECT_EQ(container_from_extension("X.OGG"), Container::ogg_opus);
}

}  // namespace
}  // namespace scenario::audio
