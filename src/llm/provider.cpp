#include "scenario/llm/provider.hpp"

#include <cstdlib>
#include <stdexcept>

namespace scenario::llm {
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::string strip_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

Endpoint resolve_endpoint(std::string_view model_string, const EndpointOverrides& overrides) {
  Endpoint e;
  const auto slash = model_string.find('/');
  if (slash == std::string_view::npos) {
    e.provider = "openai";
    e.model = std::string(model_string);
  } else {
    e.provider = std::string(model_string.substr(0, slash));
    e.model = std::string(model_string.substr(slash + 1));
  }
  if (e.model.empty())
    throw std::invalid_argument("model '" + std::string(model_string) + "' names no model");

  std::optional<std::string> base;
  std::optional<std::string> key;
  if (e.provider == "openai") {
    base = env("OPENAI_BASE_URL").value_or("https://api.openai.com/v1");
    key = env("OPENAI_API_KEY");
  } else if (e.provider == "azure") {
    base = env("AZURE_API_BASE");
    key = env("AZURE_API_KEY");
    e.auth_header = "api-key";
    e.auth_prefix = "";
    e.chat_path = "/openai/deployments/" + e.model + "/chat/completions";
    e.query = "?api-version=" + env("AZURE_API_VERSION").value_or("2024-10-21");
  } else if (e.provider == "gemini") {
    base =
        env("GEMINI_BASE_URL").value_or("https://generativelanguage.googleapis.com/v1beta/openai");
    key = env("GEMINI_API_KEY");
    if (!key) key = env("GOOGLE_API_KEY");
  } else if (e.provider == "groq") {
    base = env("GROQ_BASE_URL").value_or("https://api.groq.com/openai/v1");
    key = env("GROQ_API_KEY");
  } else if (e.provider == "elevenlabs") {
    base = env("ELEVENLABS_BASE_URL").value_or("https://api.elevenlabs.io");
    key = env("ELEVENLABS_API_KEY");
    e.auth_header = "xi-api-key";
    e.auth_prefix = "";
  } else if (e.provider == "ollama") {
    base = env("OLLAMA_BASE_URL").value_or("http://localhost:11434/v1");
  } else {
    base = env("SCENARIO_LLM_BASE_URL");
    key = env("SCENARIO_LLM_API_KEY");
  }
  if (overrides.base_url) base = overrides.base_url;
  if (overrides.api_key) key = overrides.api_key;
  if (!base) {
    throw std::invalid_argument("no base URL for provider '" + e.provider + "' (model '" +
                                std::string(model_string) +
                                "'): set it in the agent's options or " +
                                (e.provider == "azure" ? std::string("AZURE_API_BASE")
                                                       : std::string("SCENARIO_LLM_BASE_URL")));
  }
  e.base_url = strip_slash(*base);
  e.api_key = key;
  return e;
}

std::string redact(std::string text, const std::optional<std::string>& secret) {
  if (!secret || secret->size() < 4) return text;
  std::size_t pos = 0;
  while ((pos = text.find(*secret, pos)) != std::string::npos) {
    text.replace(pos, secret->size(), "[REDACTED]");
    pos += 10;
  }
  return text;
}

}  // namespace scenario::llm
