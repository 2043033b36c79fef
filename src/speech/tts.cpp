#include <map>
#include <mutex>

#include "espeak_tts.hpp"
#include "remote_call.hpp"
#include "scenario/audio/chunk.hpp"
#include "scenario/audio/resampler.hpp"
#include "scenario/speech.hpp"

namespace scenario {
namespace {

using nlohmann::json;

std::pair<std::string, std::string> split_name(std::string_view name, const char* what) {
  const auto slash = name.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == name.size()) {
    throw std::invalid_argument(std::string(what) + " '" + std::string(name) +
                                "' must be \"provider/name\" (e.g. espeak/en-us)");
  }
  return {std::string(name.substr(0, slash)), std::string(name.substr(slash + 1))};
}

audio::AudioChunk pcm24k_from_body(const std::string& body, const std::string& what) {
  if (body.size() % 2 != 0) {
    throw llm::MalformedResponseError(what + " returned " + std::to_string(body.size()) +
                                      " bytes of PCM: an odd count");
  }
  return audio::AudioChunk::from_le_bytes(
      std::span(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()));
}

audio::AudioChunk remote_tts(const std::string& provider, const std::string& voice,
                             std::string_view text, const SpeechOptions& options) {
  const auto endpoint = llm::resolve_endpoint(
      provider + "/" +
          options.model.value_or(provider == "openai" ? "gpt-4o-mini-tts" : "eleven_flash_v2_5"),
      options.endpoint);
  auto cache = options.cache ? options.cache : llm::CallCache::from_environment();
  const json key = {{"cache_key", options.cache_key.value_or("")},
                    {"provider", provider},
                    {"model", endpoint.model},
                    {"request",
                     {{"voice", voice},
                      {"text", text},
                      {"instructions", options.instructions.value_or("")},
                      {"speed", options.speed}}}};
  return cache->through_audio(
      key, provider + " speech for \"" + std::string(text.substr(0, 60)) + "\"", [&] {
        http::Request request;
        if (provider == "openai") {
          json body = {{"model", endpoint.model},
                       {"voice", voice},
                       {"input", text},
                       {"response_format", "pcm"}};
          if (options.instructions) body["instructions"] = *options.instructions;
          if (options.speed != 1.0) body["speed"] = options.speed;
          request.url = endpoint.url("/audio/speech");
          request.body = body.dump();
        } else {
          json body = {{"text", text}, {"model_id", endpoint.model}};
          if (options.speed != 1.0) body["voice_settings"] = {{"speed", options.speed}};
          request.url =
              endpoint.base_url + "/v1/text-to-speech/" + voice + "?output_format=pcm_24000";
          request.body = body.dump();
        }
        request.headers = {{"Content-Type", "application/json"}};
        const auto response = detail::send_speech_request(endpoint, std::move(request), options,
                                                          provider + " text-to-speech");
        return pcm24k_from_body(response.body, provider + " text-to-speech");
      });
}

std::mutex registry_mutex;
std::map<std::string, TtsProvider>& registry() {
  static std::map<std::string, TtsProvider> providers = {
      {"espeak",
       [](std::string_view text, std::string_view voice, const SpeechOptions& o) {
         return detail::espeak_synthesize(text, voice, o.speed);
       }},
      {"openai",
       [](std::string_view text, std::string_view voice, const SpeechOptions& o) {
         return remote_tts("openai", std::string(voice), text, o);
       }},
      {"elevenlabs",
       [](std::string_view text, std::string_view voice, const SpeechOptions& o) {
         return remote_tts("elevenlabs", std::string(voice), text, o);
       }},
  };
  return providers;
}

}  // namespace

audio::AudioChunk apply_effects(audio::AudioChunk chunk, const std::vector<AudioEffect>& effects) {
  for (const auto& effect : effects)
    chunk.samples = effect(chunk.samples, audio::AudioChunk::sample_rate);
  return chunk;
}

void register_tts_provider(const std::string& provider, TtsProvider provider_fn) {
  const std::lock_guard lock(registry_mutex);
  registry()[provider] = std::move(provider_fn);
}

audio::AudioChunk synthesize(std::string_view text, std::string_view voice,
                             const SpeechOptions& options) {
  const auto [provider, name] = split_name(voice, "voice");
  TtsProvider fn;
  {
    const std::lock_guard lock(registry_mutex);
    const auto it = registry().find(provider);
    if (it == registry().end()) {
      throw std::invalid_argument(
          "no text-to-speech provider '" + provider + "' (voice '" + std::string(voice) +
          "'); built in: openai, elevenlabs, espeak; or register_tts_provider()");
    }
    fn = it->second;
  }
  audio::AudioChunk chunk = fn(text, name, options);
  chunk.transcript = std::string(text);
  return chunk;
}

}  // namespace scenario
