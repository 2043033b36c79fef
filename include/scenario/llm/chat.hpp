#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/http.hpp"
#include "scenario/llm/cache.hpp"
#include "scenario/llm/provider.hpp"
#include "scenario/llm/retry.hpp"
#include "scenario/message.hpp"

namespace scenario::llm {

/// The provider answered with an error status (after retries, for retryable ones). Carries the
/// status and the provider's own message; never the API key.
class ApiError : public std::runtime_error {
 public:
  ApiError(const std::string& what, long status, std::string provider_message)
      : std::runtime_error(what), status_(status), provider_message_(std::move(provider_message)) {}
  long status() const noexcept { return status_; }
  const std::string& provider_message() const noexcept { return provider_message_; }

 private:
  long status_;
  std::string provider_message_;
};

/// The provider answered 200 with something that is not a chat completion.
class MalformedResponseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Tool {
  std::string name;
  std::string description;
  nlohmann::json parameters = nlohmann::json::object();  ///< JSON Schema
};

struct ChatRequest {
  std::vector<Message> messages;
  std::vector<Tool> tools{};
  /// "auto", "none", "required", or the name of one tool to force.
  std::optional<std::string> tool_choice{};
  bool json_mode = false;
  std::optional<double> temperature{};
  std::optional<int> max_tokens{};
};

struct ChatResponse {
  Message message;
  std::string finish_reason;
  nlohmann::json usage = nlohmann::json::object();
  bool from_cache = false;
};

struct ChatOptions {
  std::string model = "openai/gpt-4.1-mini";  ///< "provider/model"
  EndpointOverrides endpoint{};
  std::chrono::milliseconds timeout{60000};
  RetryPolicy retry{};
};

/// Chat Completions over HTTP (libcurl), with retries, provider routing and the record/replay
/// cache. The same code talks to the real services and to the loopback fakes in tests.
class ChatClient {
 public:
  explicit ChatClient(ChatOptions options, std::shared_ptr<http::Client> http = nullptr,
                      std::shared_ptr<CallCache> cache = nullptr,
                      std::shared_ptr<Sleeper> sleeper = nullptr);

  /// `cache_key` is the scenario's cache key (part of the cache entry's key).
  ChatResponse complete(const ChatRequest& request,
                        const std::optional<std::string>& cache_key = std::nullopt);

  const Endpoint& endpoint() const noexcept { return endpoint_; }
  /// The JSON body that would be sent (for tests and debugging; has no secrets).
  nlohmann::json request_body(const ChatRequest& request) const;

 private:
  nlohmann::json call_with_retries(const nlohmann::json& body);

  ChatOptions options_;
  Endpoint endpoint_;
  std::shared_ptr<http::Client> http_;
  std::shared_ptr<CallCache> cache_;
  std::shared_ptr<Sleeper> sleeper_;
};

/// Sends `request` with the retry policy: 429 (Retry-After honoured), 5xx and transport errors are
/// retried; other 4xx throw ApiError at once. Shared by chat, speech and transcription calls.
http::Response send_with_retries(http::Client& client, const http::Request& request,
                                 const RetryPolicy& policy, Sleeper& sleeper,
                                 const std::string& what, const std::optional<std::string>& secret);

}  // namespace scenario::llm
