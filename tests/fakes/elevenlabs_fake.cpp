#include "fakes/elevenlabs_fake.hpp"

#include <nlohmann/json.hpp>

#include "fakes/openai_fake.hpp"
#include "scenario/audio/wav.hpp"

namespace scenario::fakes {

using nlohmann::json;

namespace {
HttpResponse detail_error(int status, const std::string& code, const std::string& message) {
  return {.status = status,
          .body = json{{"detail", {{"status", code}, {"message", message}}}}.dump()};
}
}  // namespace

FakeElevenLabs::FakeElevenLabs(std::string api_key)
    : api_key_(std::move(api_key)), server_([this](const HttpRequest& r) { return handle(r); }) {}

HttpResponse FakeElevenLabs::handle(const HttpRequest& request) {
  if (request.header("xi-api-key") != api_key_)
    return detail_error(401, "invalid_api_key", "Invalid API key");
  const std::string path = request.path();
  if (path.rfind("/v1/text-to-speech/", 0) == 0) {
    if (request.target.find("output_format=pcm_24000") == std::string::npos) {
      return detail_error(400, "invalid_output_format",
                          "fake ElevenLabs serves output_format=pcm_24000 only");
    }
    const json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.contains("text"))
      return detail_error(422, "invalid_request", "text is required");
    return {.status = 200,
            .content_type = "audio/pcm",
            .body = fake_tts_pcm(body["text"].get<std::string>(), 24000)};
  }
  if (path == "/v1/speech-to-text") {
    const auto form = parse_multipart(request.header("content-type"), request.body);
    if (!form.values.count("file") || form.values.count("model_id") == 0) {
      return detail_error(422, "invalid_request", "file and model_id are required");
    }
    if (form.values.at("model_id") != "scribe_v1")
      return detail_error(400, "invalid_model", "unknown model_id");
    const std::string& file = form.values.at("file");
    const auto wav =
        audio::read_wav(std::span(reinterpret_cast<const std::uint8_t*>(file.data()), file.size()));
    char text[64];
    std::snprintf(text, sizeof text, "scribe heard %.2f s", wav.pcm.duration_seconds());
    return {.status = 200,
            .body = json{{"language_code", "en"},
                         {"language_probability", 0.98},
                         {"text", transcription_text.value_or(text)},
                         {"words", json::array()}}
                        .dump()};
  }
  return detail_error(404, "not_found", "Not Found");
}

}  // namespace scenario::fakes
