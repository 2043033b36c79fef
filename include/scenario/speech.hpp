#pragma once
// Text to speech and speech to text, by "provider/voice" and "provider/model" names. Every remote
// call goes through the record/replay cache.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/audio/chunk.hpp"
#include "scenario/llm/chat.hpp"

namespace scenario {

/// An audio effect on canonical audio (e.g. a lambda around scenario::audio::effects).
using AudioEffect = std::function<std::vector<std::int16_t>(std::span<const std::int16_t> samples,
                                                            int sample_rate)>;
audio::AudioChunk apply_effects(audio::AudioChunk chunk, const std::vector<AudioEffect>& effects);

struct SpeechOptions {
  llm::EndpointOverrides endpoint{};
  std::optional<std::string> model{};         ///< TTS/STT model (provider default otherwise)
  std::optional<std::string> instructions{};  ///< voice style for TTS models that take one
  double speed = 1.0;
  std::optional<std::string> language{};  ///< STT hint ("en")
  std::optional<std::string> cache_key{};
  /// Longest audio per transcription request; longer audio is split (see transcribe()).
  double max_upload_seconds = 480.0;
  llm::RetryPolicy retry{};
  std::chrono::milliseconds timeout{120000};
  std::shared_ptr<http::Client> http{};
  std::shared_ptr<llm::CallCache> cache{};
  std::shared_ptr<llm::Sleeper> sleeper{};
};

/// Speaks `text` with `voice` = "provider/voice": openai/<voice> (audio/speech, PCM 24 kHz),
/// elevenlabs/<voice_id> (text-to-speech, pcm_24000), espeak/<voice> (local libespeak-ng, the
/// offline default), or a registered provider. Canonical audio out.
audio::AudioChunk synthesize(std::string_view text, std::string_view voice,
                             const SpeechOptions& options = {});

using TtsProvider = std::function<audio::AudioChunk(
    std::string_view text, std::string_view voice_name, const SpeechOptions&)>;
/// Adds or replaces a TTS provider ("mytts/voice-a" → provider "mytts").
void register_tts_provider(const std::string& provider, TtsProvider provider_fn);

/// Transcribes canonical audio with `model` = "provider/model": openai/gpt-4o-transcribe (and any
/// OpenAI-compatible server by base URL), elevenlabs/scribe_v1. Audio longer than the upload limit
/// longer than options.max_upload_seconds (default 480 s: OpenAI's 25 MB limit is ~540 s of 24 kHz
/// 16-bit WAV) is split at the quietest point near each limit and the texts joined.
std::string transcribe(const audio::AudioChunk& audio, std::string_view model,
                       const SpeechOptions& options = {});

struct SegmentTranscript {
  std::optional<std::string> text;
  std::optional<std::string> error;  ///< why this segment failed (the others are unaffected)
};
/// Transcribes segments concurrently (`concurrency` at a time); one failure does not fail the
/// others.
std::vector<SegmentTranscript> transcribe_segments(const std::vector<audio::AudioChunk>& segments,
                                                   std::string_view model,
                                                   const SpeechOptions& options = {},
                                                   int concurrency = 4);

}  // namespace scenario
