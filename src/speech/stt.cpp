#include <algorithm>
#include <future>
#include <numeric>

#include "remote_call.hpp"
#include "scenario/audio/analysis.hpp"
#include "scenario/audio/wav.hpp"
#include "scenario/llm/cache.hpp"
#include "scenario/speech.hpp"

namespace scenario {
namespace {

using nlohmann::json;

std::string audio_hash(const audio::AudioChunk& chunk) {
  // Hash the samples through the cache's hashing (hex of the bytes is too long for a key).
  const auto bytes = chunk.to_le_bytes();
  return llm::CallCache::hash_of(
      json::binary(std::vector<std::uint8_t>(bytes.begin(), bytes.end())));
}

std::string transcribe_one(const audio::AudioChunk& chunk, const std::string& provider,
                           const llm::Endpoint& endpoint, const SpeechOptions& options) {
  auto cache = options.cache ? options.cache : llm::CallCache::from_environment();
  const json key = {
      {"cache_key", options.cache_key.value_or("")},
      {"provider", provider},
      {"model", endpoint.model},
      {"request",
       {{"audio_sha256", audio_hash(chunk)}, {"language", options.language.value_or("")}}}};
  const json result = cache->through(
      key, provider + " transcription of " + std::to_string(chunk.duration_seconds()) + " s", [&] {
        const auto wav =
            audio::write_wav(audio::PcmBuffer{audio::AudioChunk::sample_rate, 1, chunk.samples});
        http::Request request;
        request.form.push_back({.name = "file",
                                .value = std::string(wav.begin(), wav.end()),
                                .filename = "audio.wav",
                                .content_type = "audio/wav"});
        if (provider == "elevenlabs") {
          request.url = endpoint.base_url + "/v1/speech-to-text";
          request.form.push_back({.name = "model_id", .value = endpoint.model});
          if (options.language)
            request.form.push_back({.name = "language_code", .value = *options.language});
        } else {
          request.url = endpoint.url("/audio/transcriptions");
          request.form.push_back({.name = "model", .value = endpoint.model});
          request.form.push_back({.name = "response_format", .value = "json"});
          if (options.language)
            request.form.push_back({.name = "language", .value = *options.language});
        }
        const auto response = detail::send_speech_request(endpoint, std::move(request), options,
                                                          provider + " transcription");
        json body = json::parse(response.body, nullptr, false);
        if (body.is_discarded() || !body.contains("text") || !body["text"].is_string()) {
          throw llm::MalformedResponseError(
              provider + " transcription answered without a \"text\" string: " +
              llm::redact(response.body.substr(0, 200), endpoint.api_key));
        }
        return json{{"text", body["text"]}};
      });
  return result.at("text").get<std::string>();
}

// Cut points no more than `limit` samples apart, each at the quietest 100 ms in the last quarter
// before the limit, so words are not cut in half.
std::vector<std::size_t> split_points(const std::vector<std::int16_t>& s, std::size_t limit) {
  std::vector<std::size_t> cuts;
  const std::size_t window = audio::AudioChunk::sample_rate / 10;
  std::size_t start = 0;
  while (s.size() - start > limit) {
    std::size_t best = start + limit;
    double quietest = 1e300;
    for (std::size_t pos = start + limit * 3 / 4; pos + window <= start + limit;
         pos += window / 2) {
      const double level = audio::rms(std::span(s).subspan(pos, window));
      if (level < quietest) {
        quietest = level;
        best = pos + window / 2;
      }
    }
    cuts.push_back(best);
    start = best;
  }
  return cuts;
}

}  // namespace

std::string transcribe(const audio::AudioChunk& chunk, std::string_view model,
                       const SpeechOptions& options) {
  const auto endpoint = llm::resolve_endpoint(model, options.endpoint);
  const std::string provider = endpoint.provider;
  const auto limit =
      static_cast<std::size_t>(options.max_upload_seconds * audio::AudioChunk::sample_rate);
  if (chunk.samples.size() <= limit) return transcribe_one(chunk, provider, endpoint, options);
  std::string text;
  std::size_t from = 0;
  auto cuts = split_points(chunk.samples, limit);
  cuts.push_back(chunk.samples.size());
  for (const std::size_t to : cuts) {
    audio::AudioChunk part;
    part.samples.assign(chunk.samples.begin() + static_cast<std::ptrdiff_t>(from),
                        chunk.samples.begin() + static_cast<std::ptrdiff_t>(to));
    const std::string piece = transcribe_one(part, provider, endpoint, options);
    if (!piece.empty()) text += (text.empty() ? "" : " ") + piece;
    from = to;
  }
  return text;
}

std::vector<SegmentTranscript> transcribe_segments(const std::vector<audio::AudioChunk>& segments,
                                                   std::string_view model,
                                                   const SpeechOptions& options, int concurrency) {
  std::vector<SegmentTranscript> out(segments.size());
  const std::string model_name(model);
  std::size_t next = 0;
  while (next < segments.size()) {
    std::vector<std::pair<std::size_t, std::future<std::string>>> batch;
    for (int i = 0; i < std::max(1, concurrency) && next < segments.size(); ++i, ++next) {
      batch.emplace_back(next, std::async(std::launch::async, [&, index = next] {
                           return transcribe(segments[index], model_name, options);
                         }));
    }
    for (auto& [index, future] : batch) {
      try {
        out[index].text = future.get();
      } catch (const std::exception& e) {
        out[index].error = e.what();
      }
    }
  }
  return out;
}

}  // namespace scenario
