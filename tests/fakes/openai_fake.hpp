#pragma once
// Fake OpenAI REST API on loopback: Chat Completions, audio/speech and audio/transcriptions,
// with OpenAI's response and error shapes (auth failures, 429 + Retry-After, 5xx, malformed and
// slow replies scripted per test).

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "fakes/http_server.hpp"

namespace scenario::fakes {

class FakeOpenAI {
 public:
  explicit FakeOpenAI(std::string api_key = "sk-fake-0123456789abcdef");

  std::string base_url() const { return server_.base_url() + "/v1"; }
  const std::string& api_key() const { return api_key_; }
  HttpServer& server() { return server_; }

  /// Queue the next /chat/completions answers (first in, first out).
  void push_text(const std::string& content);
  void push_tool_call(const std::string& function, const nlohmann::json& arguments,
                      const std::string& content = "");
  void push_error(int status, const std::string& message, const std::string& type,
                  const std::string& code,
                  std::vector<std::pair<std::string, std::string>> headers = {});
  void push_raw(HttpResponse response);

  /// Bodies of the chat requests received, parsed.
  std::vector<nlohmann::json> chat_requests() const;
  std::vector<HttpRequest> requests_to(const std::string& path) const;

  /// What /audio/transcriptions answers; by default "heard <seconds> s of audio".
  std::optional<std::string> transcription_text;
  /// Make /audio/transcriptions fail for uploads longer than this many seconds (HTTP 400, like the
  /// real 25 MB limit).
  double max_upload_seconds = 1e9;

 private:
  HttpResponse handle(const HttpRequest& request);
  HttpResponse chat(const HttpRequest& request);
  HttpResponse speech(const HttpRequest& request);
  HttpResponse transcription(const HttpRequest& request);

  std::string api_key_;
  mutable std::mutex mutex_;
  std::deque<HttpResponse> chat_queue_;
  int completion_counter_ = 0;
  HttpServer server_;  // last: starts serving once the fields above exist
};

/// OpenAI's JSON error body.
std::string openai_error_body(const std::string& message, const std::string& type,
                              const std::string& code);

/// Deterministic "speech" for fake TTS: a 200 Hz + 600 Hz tone, 60 ms per character of text,
/// PCM16 at `rate`.
std::string fake_tts_pcm(const std::string& text, int rate);

}  // namespace scenario::fakes
