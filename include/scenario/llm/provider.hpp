#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scenario::llm {

/// Where and how to reach a model. Built from a "provider/model" string.
struct Endpoint {
  std::string provider;  ///< openai, azure, gemini, groq, ollama, or "custom" (any
                         ///< OpenAI-compatible server)
  std::string model;     ///< the model name the provider expects
  std::string base_url;  ///< e.g. https://api.openai.com/v1 (no trailing slash)
  std::optional<std::string> api_key{};
  std::string auth_header = "Authorization";
  std::string auth_prefix = "Bearer ";
  std::string chat_path = "/chat/completions";
  std::string query{};  ///< e.g. "?api-version=…" (Azure)

  std::string url(std::string_view path) const { return base_url + std::string(path) + query; }
};

struct EndpointOverrides {
  std::optional<std::string> api_key{};
  std::optional<std::string> base_url{};
};

/// Resolves "provider/model" (no provider: openai):
///   openai/…  https://api.openai.com/v1, key OPENAI_API_KEY, base OPENAI_BASE_URL
///   azure/…   AZURE_API_BASE (required), key AZURE_API_KEY ("api-key" header), AZURE_API_VERSION
///   gemini/…  Google's OpenAI-compatible endpoint, key GEMINI_API_KEY (or GOOGLE_API_KEY), base
///   GEMINI_BASE_URL groq/…    https://api.groq.com/openai/v1, key GROQ_API_KEY, base GROQ_BASE_URL
///   ollama/…  http://localhost:11434/v1, no key, base OLLAMA_BASE_URL
///   elevenlabs/… https://api.elevenlabs.io, key ELEVENLABS_API_KEY ("xi-api-key" header), base
///   ELEVENLABS_BASE_URL anything else: an OpenAI-compatible server; needs a base URL (override or
///   SCENARIO_LLM_BASE_URL), key SCENARIO_LLM_API_KEY if any.
/// Overrides (per agent) win over the environment (global). std::invalid_argument when a required
/// base URL is missing.
Endpoint resolve_endpoint(std::string_view model, const EndpointOverrides& overrides = {});

/// Replaces every occurrence of `secret` in `text` by "[REDACTED]" (secrets shorter than 4
/// characters are left alone: they would match too much).
std::string redact(std::string text, const std::optional<std::string>& secret);

}  // namespace scenario::llm
