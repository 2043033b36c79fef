#include "fakes/openai_fake.hpp"

#include <cmath>
#include <numbers>

#include "scenario/audio/wav.hpp"

namespace scenario::fakes {

using nlohmann::json;

std::string openai_error_body(const std::string& message, const std::string& type,
                              const std::string& code) {
  return json{{"error",
               {{"message", message},
                {"type", type},
                {"param", nullptr},
                {"code", code.empty() ? json(nullptr) : json(code)}}}}
      .dump();
}

std::string fake_tts_pcm(const std::string& text, int rate) {
  const auto n = static_cast<std::size_t>(text.size()) * static_cast<std::size_t>(rate) * 60 / 1000;
  std::string out(n * 2, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    const auto v =
        static_cast<std::int16_t>(std::lround(6000 * std::sin(2 * std::numbers::pi * 200 * t) +
                                              3000 * std::sin(2 * std::numbers::pi * 600 * t)));
    out[2 * i] = static_cast<char>(v & 0xFF);
    out[2 * i + 1] = static_cast<char>((v >> 8) & 0xFF);
  }
  return out;
}

FakeOpenAI::FakeOpenAI(std::string api_key)
    : api_key_(std::move(api_key)), server_([this](const HttpRequest& r) { return handle(r); }) {}

void FakeOpenAI::push_raw(HttpResponse response) {
  const std::lock_guard lock(mutex_);
  chat_queue_.push_back(std::move(response));
}

void FakeOpenAI::push_text(const std::string& content) {
  push_raw({.status = 200,
            .body = json{{"message",
                          {{"role", "assistant"}, {"content", content}, {"refusal", nullptr}}},
                         {"finish_reason", "stop"}}
                        .dump()});
}

void FakeOpenAI::push_tool_call(const std::string& function, const json& arguments,
                                const std::string& content) {
  const json message = {
      {"role", "assistant"},
      {"content", content.empty() ? json(nullptr) : json(content)},
      {"refusal", nullptr},
      {"tool_calls",
       json::array({{{"id", "call_" + function + "_1"},
                     {"type", "function"},
                     {"function", {{"name", function}, {"arguments", arguments.dump()}}}}})}};
  push_raw(
      {.status = 200, .body = json{{"message", message}, {"finish_reason", "tool_calls"}}.dump()});
}

void FakeOpenAI::push_error(int status, const std::string& message, const std::string& type,
                            const std::string& code,
                            std::vector<std::pair<std::string, std::string>> headers) {
  push_raw({.status = status,
            .body = openai_error_body(message, type, code),
            .headers = std::move(headers)});
}

std::vector<json> FakeOpenAI::chat_requests() const {
  std::vector<json> out;
  for (const auto& r : requests_to("/v1/chat/completions"))
    out.push_back(json::parse(r.body, nullptr, false));
  return out;
}

std::vector<HttpRequest> FakeOpenAI::requests_to(const std::string& path) const {
  std::vector<HttpRequest> out;
  for (const auto& r : server_.requests()) {
    if (r.path() == path) out.push_back(r);
  }
  return out;
}

HttpResponse FakeOpenAI::handle(const HttpRequest& request) {
  if (request.header("authorization") != "Bearer " + api_key_) {
    // OpenAI masks all but a few characters of the wrong key it quotes back.
    std::string given = request.header("authorization");
    given = given.size() > 7 ? given.substr(7) : given;
    const std::string masked =
        given.size() > 8 ? given.substr(0, 3) + "***" + given.substr(given.size() - 4) : "***";
    return {.status = 401,
            .body = openai_error_body(
                "Incorrect API key provided: " + masked +
                    ". You can find your API key at https://platform.openai.com/account/api-keys.",
                "invalid_request_error", "invalid_api_key")};
  }
  if (request.method != "POST")
    return {.status = 405,
            .body = openai_error_body("Method not allowed", "invalid_request_error", "")};
  if (request.path() == "/v1/chat/completions") return chat(request);
  if (request.path() == "/v1/audio/speech") return speech(request);
  if (request.path() == "/v1/audio/transcriptions") return transcription(request);
  return {.status = 404,
          .body = openai_error_body("Invalid URL (POST " + request.path() + ")",
                                    "invalid_request_error", "")};
}

HttpResponse FakeOpenAI::chat(const HttpRequest& request) {
  const json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded()) {
    return {.status = 400,
            .body = openai_error_body("We could not parse the JSON body of your request.",
                                      "invalid_request_error", "")};
  }
  if (!body.contains("model") || !body.contains("messages")) {
    return {.status = 400,
            .body = openai_error_body("you must provide a model parameter", "invalid_request_error",
                                      "")};
  }
  HttpResponse next;
  {
    const std::lock_guard lock(mutex_);
    if (chat_queue_.empty()) {
      return {.status = 500,
              .body = openai_error_body("fake OpenAI: no scripted chat response left",
                                        "server_error", "")};
    }
    next = std::move(chat_queue_.front());
    chat_queue_.pop_front();
    ++completion_counter_;
  }
  if (next.status != 200) return next;
  // A scripted choice: wrap it into a full chat.completion object for the requested model.
  const json choice = json::parse(next.body, nullptr, false);
  if (choice.is_discarded() || !choice.contains("message"))
    return next;  // raw (possibly malformed) body as given
  json completion = {
      {"id", "chatcmpl-fake" + std::to_string(completion_counter_)},
      {"object", "chat.completion"},
      {"created", 1763700000},
      {"model", body["model"]},
      {"choices", json::array({{{"index", 0},
                                {"message", choice["message"]},
                                {"logprobs", nullptr},
                                {"finish_reason", choice["finish_reason"]}}})},
      {"usage", {{"prompt_tokens", 42}, {"completion_tokens", 7}, {"total_tokens", 49}}},
      {"system_fingerprint", "fp_fake"}};
  next.body = completion.dump();
  return next;
}

HttpResponse FakeOpenAI::speech(const HttpRequest& request) {
  const json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.contains("input") || !body.contains("voice") ||
      !body.contains("model")) {
    return {.status = 400,
            .body = openai_error_body("input, voice and model are required",
                                      "invalid_request_error", "")};
  }
  if (body.value("response_format", "mp3") != "pcm") {
    return {.status = 400,
            .body = openai_error_body("fake OpenAI only serves response_format pcm",
                                      "invalid_request_error", "")};
  }
  return {.status = 200,
          .content_type = "audio/pcm",
          .body = fake_tts_pcm(body["input"].get<std::string>(), 24000)};
}

HttpResponse FakeOpenAI::transcription(const HttpRequest& request) {
  const auto form = parse_multipart(request.header("content-type"), request.body);
  if (!form.values.count("file") || !form.values.count("model")) {
    return {.status = 400,
            .body = openai_error_body("file and model are required", "invalid_request_error", "")};
  }
  double seconds = 0;
  try {
    const std::string& file = form.values.at("file");
    const auto wav =
        audio::read_wav(std::span(reinterpret_cast<const std::uint8_t*>(file.data()), file.size()));
    seconds = wav.pcm.duration_seconds();
  } catch (const std::exception& e) {
    return {.status = 400,
            .body = openai_error_body(std::string("Invalid file format: ") + e.what(),
                                      "invalid_request_error", "")};
  }
  if (seconds > max_upload_seconds) {
    return {.status = 413,
            .body = openai_error_body("Maximum content size limit exceeded",
                                      "invalid_request_error", "")};
  }
  char text[64];
  std::snprintf(text, sizeof text, "heard %.2f s of audio", seconds);
  return {.status = 200, .body = json{{"text", transcription_text.value_or(text)}}.dump()};
}

}  // namespace scenario::fakes
