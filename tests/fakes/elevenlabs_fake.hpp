#pragma once
// Fake ElevenLabs REST API on loopback: text-to-speech (pcm_24000) and speech-to-text (scribe_v1),
// with the xi-api-key header and ElevenLabs' error body ({"detail": {"status", "message"}}).

#include <optional>
#include <string>

#include "fakes/http_server.hpp"

namespace scenario::fakes {

class FakeElevenLabs {
 public:
  explicit FakeElevenLabs(std::string api_key = "el-fake-key-0123456789");
  std::string base_url() const { return server_.base_url(); }
  const std::string& api_key() const { return api_key_; }
  HttpServer& server() { return server_; }
  std::optional<std::string> transcription_text;

 private:
  HttpResponse handle(const HttpRequest& request);
  std::string api_key_;
  HttpServer server_;
};

}  // namespace scenario::fakes
