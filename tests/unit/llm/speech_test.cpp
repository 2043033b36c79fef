#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "fakes/elevenlabs_fake.hpp"
#include "fakes/openai_fake.hpp"
#include "llm_test_support.hpp"
#include "scenario/audio/analysis.hpp"
#include "scenario/audio/vad.hpp"
#include "scenario/speech.hpp"
#include "support/fixtures.hpp"
#include "support/tools.hpp"

namespace scenario {
namespace {

using nlohmann::json;

SpeechOptions no_cache() {
  return {.cache = std::make_shared<llm::CallCache>("unused", llm::CacheMode::off),
          .sleeper = std::make_shared<test::RecordingSleeper>()};
}

TEST(Espeak, SynthesizesReal24kHzSpeech) {
  const auto chunk = synthesize("Thank you for calling Acme support.", "espeak/en-us");
  EXPECT_EQ(chunk.sample_rate, 24000);
  EXPECT_EQ(chunk.transcript, "Thank you for calling Acme support.");
  EXPECT_GT(chunk.duration_seconds(), 1.2);
  EXPECT_LT(chunk.duration_seconds(), 4.0);
  EXPECT_GT(audio::rms_dbfs(chunk.samples), -30.0);
  const auto segments = audio::detect_speech(chunk.samples, 24000);
  ASSERT_FALSE(segments.empty()) << "the VAD hears speech in it";
  // Same text, same voice: the same samples within a process (offline runs repeat exactly).
  EXPECT_EQ(synthesize("Thank you for calling Acme support.", "espeak/en-us").samples,
            chunk.samples);
  // Faster speech is shorter; another voice sounds different.
  EXPECT_LT(synthesize("Thank you for calling Acme support.", "espeak/en-us", {.speed = 1.5})
                .duration_seconds(),
            chunk.duration_seconds());
  const auto other = synthesize("Thank you for calling Acme support.", "espeak/en-gb+f3");
  EXPECT_GT(other.duration_seconds(), 1.0);
  EXPECT_NE(other.samples, chunk.samples);
  EXPECT_NO_THROW(synthesize("hi", "espeak/en-gb"));
  EXPECT_THROW(synthesize("x", "espeak/no-such-voice"), std::invalid_argument);
}

TEST(Espeak, IsSafeToCallFromManyThreads) {
  std::vector<std::future<audio::AudioChunk>> futures;
  for (int i = 0; i < 8; ++i)
    futures.push_back(
        std::async(std::launch::async, [] { return synthesize("one two three", "espeak/en-us"); }));
  const auto first = futures[0].get();
  for (std::size_t i = 1; i < futures.size(); ++i)
    EXPECT_EQ(futures[i].get().samples, first.samples);
}

TEST(Tts, OpenAiSpeechEndpointGivesPcm24k) {
  fakes::FakeOpenAI fake;
  auto options = no_cache();
  options.endpoint = {.api_key = fake.api_key(), .base_url = fake.base_url()};
  options.instructions = "sound cheerful";
  const auto chunk = synthesize("hello there", "openai/alloy", options);
  EXPECT_EQ(chunk.samples.size(),
            11u * 24000u * 60u / 1000u);  // the fake speaks 60 ms per character
  const auto request = fake.requests_to("/v1/audio/speech").at(0);
  const json body = json::parse(request.body);
  EXPECT_EQ(body["voice"], "alloy");
  EXPECT_EQ(body["input"], "hello there");
  EXPECT_EQ(body["response_format"], "pcm");
  EXPECT_EQ(body["model"], "gpt-4o-mini-tts");
  EXPECT_EQ(body["instructions"], "sound cheerful");
}

TEST(Tts, ElevenLabsTextToSpeechGivesPcm24k) {
  fakes::FakeElevenLabs fake;
  auto options = no_cache();
  options.endpoint = {.api_key = fake.api_key(), .base_url = fake.base_url()};
  const auto chunk = synthesize("hi", "elevenlabs/21m00Tcm4TlvDq8ikWAM", options);
  EXPECT_EQ(chunk.samples.size(), 2u * 24000u * 60u / 1000u);
  const auto request = fake.server().requests().at(0);
  EXPECT_EQ(request.target, "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM?output_format=pcm_24000");
  EXPECT_EQ(json::parse(request.body)["model_id"], "eleven_flash_v2_5");
  options.endpoint.api_key = "wrong";
  try {
    (void)synthesize("hi", "elevenlabs/x", options);
    FAIL();
  } catch (const llm::ApiError& e) {
    EXPECT_EQ(e.status(), 401);
    EXPECT_NE(std::string(e.what()).find("Invalid API key"), std::string::npos) << e.what();
  }
}

TEST(Tts, RecordedSpeechIsReplayedFromTheCacheAsAudioFiles) {
  fakes::FakeOpenAI fake;
  const auto dir = test::scratch_dir("tts_cache");
  SpeechOptions options{.endpoint = {.api_key = fake.api_key(), .base_url = fake.base_url()},
                        .cache_key = "suite",
                        .cache = std::make_shared<llm::CallCache>(dir, llm::CacheMode::record)};
  const auto recorded = synthesize("cached words", "openai/nova", options);
  options.cache = std::make_shared<llm::CallCache>(dir, llm::CacheMode::replay);
  const auto replayed = synthesize("cached words", "openai/nova", options);
  EXPECT_EQ(replayed.samples, recorded.samples);
  EXPECT_EQ(fake.server().request_count(), 1u);
  int wavs = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir))
    wavs += f.path().extension() == ".wav" ? 1 : 0;
  EXPECT_EQ(wavs, 1);
  EXPECT_THROW(synthesize("never said", "openai/nova", options), llm::CacheMissError);
}

TEST(Tts, ProvidersAreRoutedByNameAndUsersCanRegisterTheirOwn) {
  register_tts_provider("silence",
                        [](std::string_view text, std::string_view voice, const SpeechOptions&) {
                          audio::AudioChunk c;
                          c.samples.assign(text.size() * (voice == "long" ? 2400 : 240), 0);
                          return c;
                        });
  EXPECT_EQ(synthesize("abc", "silence/short").samples.size(), 720u);
  EXPECT_EQ(synthesize("abc", "silence/long").samples.size(), 7200u);
  EXPECT_THROW(synthesize("x", "nosuch/voice"), std::invalid_argument);
  EXPECT_THROW(synthesize("x", "alloy"), std::invalid_argument);
}

TEST(Stt, OpenAiTranscriptionUploadsAWavAndReadsTheText) {
  fakes::FakeOpenAI fake;
  auto options = no_cache();
  options.endpoint = {.api_key = fake.api_key(), .base_url = fake.base_url()};
  options.language = "en";
  audio::AudioChunk chunk;
  chunk.samples = test::speech("please transfer me to billing", 24000);
  const std::string text = transcribe(chunk, "openai/gpt-4o-transcribe", options);
  char expected[64];
  std::snprintf(expected, sizeof expected, "heard %.2f s of audio", chunk.duration_seconds());
  EXPECT_EQ(text, expected);
  const auto request = fake.requests_to("/v1/audio/transcriptions").at(0);
  const auto form = fakes::parse_multipart(request.header("content-type"), request.body);
  EXPECT_EQ(form.values.at("model"), "gpt-4o-transcribe");
  EXPECT_EQ(form.values.at("language"), "en");
  EXPECT_EQ(form.filenames.at("file"), "audio.wav");
  EXPECT_EQ(form.content_types.at("file"), "audio/wav");
}

TEST(Stt, LongAudioIsSplitUnderTheUploadLimitAtQuietPoints) {
  fakes::FakeOpenAI fake;
  fake.max_upload_seconds = 10.0;  // the fake rejects anything longer, like the real size limit
  auto options = no_cache();
  options.endpoint = {.api_key = fake.api_key(), .base_url = fake.base_url()};
  options.max_upload_seconds = 10.0;
  audio::AudioChunk chunk;
  for (int i = 0; i < 8; ++i) {
    test::append(chunk.samples,
                 test::speech(test::speech_sentences()[static_cast<std::size_t>(i)], 24000));
    test::append(chunk.samples, test::silence(24000, 0.6));
  }
  ASSERT_GT(chunk.duration_seconds(), 25.0);
  const std::string text = transcribe(chunk, "openai/gpt-4o-transcribe", options);
  const auto uploads = fake.requests_to("/v1/audio/transcriptions");
  EXPECT_GE(uploads.size(), 3u);
  double total = 0;
  std::size_t pos = 0;
  int pieces = 0;
  while ((pos = text.find("heard ", pos)) != std::string::npos) {
    const double seconds = std::stod(text.substr(pos + 6));
    EXPECT_LE(seconds, 10.0);
    total += seconds;
    ++pieces;
    pos += 6;
  }
  EXPECT_EQ(pieces, static_cast<int>(uploads.size()));
  EXPECT_NEAR(total, chunk.duration_seconds(), 0.05) << "no audio lost or duplicated by the split";
}

TEST(Stt, AnyOpenAiCompatibleTranscriptionServerByBaseUrl) {
  fakes::FakeOpenAI fake;  // stands in for e.g. a self-hosted whisper server
  fake.transcription_text = "local whisper says hi";
  auto options = no_cache();
  options.endpoint = {.api_key = fake.api_key(), .base_url = fake.base_url()};
  audio::AudioChunk chunk;
  chunk.samples = test::speech("hi", 24000);
  EXPECT_EQ(transcribe(chunk, "whisper-server/whisper-large-v3", options), "local whisper says hi");
  const auto form = fakes::parse_multipart(fake.requests_to("/v1/audio/transcriptions").at(0).header("content-type"),
                                           fake.requests_to("/v1/audio/transcriptions").at(0).body);
  EXPECT_EQ(form.values.at("model"), "whisper-large-v3");
}

TEST(Stt, ElevenLabsScribe) {
  fakes::FakeElevenLabs fake;
  auto options = no_cache();
  options.endpoint = {.api_key = fake.api_key(), .base_url = fake.base_url()};
  audio::AudioChunk chunk;
  chunk.samples = test::speech("hello", 24000);
  EXPECT_EQ(transcribe(chunk, "elevenlabs/scribe_v1", options).rfind("scribe heard", 0), 0u);
  const auto form = fakes::parse_multipart(fake.server().requests().at(0).header("content-type"),
                                           fake.server().requests().at(0).body);
  EXPECT_EQ(form.values.at("model_id"), "scribe_v1");
}

TEST(Stt, SegmentsAreTranscribedConcurrentlyAndOneFailureStaysLocal) {
  fakes::FakeOpenAI fake;
  fake.max_upload_seconds = 3.0;
  auto options = no_cache();
  options.endpoint = {.api_key = fake.api_key(), .base_url = fake.base_url()};
  options.retry.max_attempts = 1;
  std::vector<audio::AudioChunk> segments(5);
  for (std::size_t i = 0; i < segments.size(); ++i)
    segments[i].samples = test::silence(24000, i == 2 ? 5.0 : 1.0 + 0.1 * static_cast<double>(i));
  const auto results = transcribe_segments(segments, "openai/gpt-4o-transcribe", options, 3);
  ASSERT_EQ(results.size(), 5u);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i == 2) {
      EXPECT_FALSE(results[i].text.has_value());
      ASSERT_TRUE(results[i].error.has_value());
      EXPECT_NE(results[i].error->find("413"), std::string::npos) << *results[i].error;
    } else {
      ASSERT_TRUE(results[i].text.has_value()) << i << ": " << results[i].error.value_or("");
      char expected[64];
      std::snprintf(expected, sizeof expected, "heard %.2f s of audio",
                    segments[i].duration_seconds());
      EXPECT_EQ(*results[i].text, expected);
    }
  }
}

}  // namespace
}  // namespace scenario
