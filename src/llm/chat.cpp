#include "scenario/llm/chat.hpp"

#include <ctime>
#include <random>

namespace scenario::llm {
namespace {

using nlohmann::json;

bool retryable(long status) {
  return status == 429 || status == 408 || status >= 500;
}

// The provider's own error text: OpenAI-style {"error": {"message": …}}, else the body.
std::string provider_message(const std::string& body) {
  try {
    const auto j = json::parse(body);
    if (j.contains("error")) {
      const auto& e = j["error"];
      if (e.is_object() && e.contains("message") && e["message"].is_string())
        return e["message"].get<std::string>();
      if (e.is_string()) return e.get<std::string>();
    }
    if (j.contains("detail"))
      return j["detail"].is_string() ? j["detail"].get<std::string>() : j["detail"].dump();
  } catch (const std::exception&) {
  }
  return body.size() > 300 ? body.substr(0, 300) + "…" : body;
}

double jitter_random() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

http::Response send_with_retries(http::Client& client, const http::Request& request,
                                 const RetryPolicy& policy, Sleeper& sleeper,
                                 const std::string& what,
                                 const std::optional<std::string>& secret) {
  for (int attempt = 0;; ++attempt) {
    const bool last = attempt + 1 >= policy.max_attempts;
    std::chrono::milliseconds delay{0};
    try {
      http::Response response = client.send(request);
      if (response.status >= 200 && response.status < 300) return response;
      const std::string message = redact(provider_message(response.body), secret);
      if (!retryable(response.status) || last) {
        throw ApiError(what + " failed with HTTP " + std::to_string(response.status) + ": " +
                           message +
                           (retryable(response.status)
                                ? " (after " + std::to_string(attempt + 1) + " attempts)"
                                : ""),
                       response.status, message);
      }
      delay = backoff_delay(policy, attempt, jitter_random());
      if (auto after = response.header("Retry-After")) {
        if (auto parsed = parse_retry_after(*after, std::time(nullptr))) {
          if (*parsed > policy.max_retry_after) {
            throw ApiError(what + " failed with HTTP " + std::to_string(response.status) + ": " +
                               message + " (Retry-After " + *after + " is longer than the " +
                               std::to_string(policy.max_retry_after.count()) + " ms we wait)",
                           response.status, message);
          }
          delay = *parsed;
        }
      }
    } catch (const http::TransportError& e) {
      if (last) {
        throw http::TransportError(redact(std::string(e.what()), secret) + " (after " +
                                       std::to_string(attempt + 1) + " attempts)",
                                   e.timed_out());
      }
      delay = backoff_delay(policy, attempt, jitter_random());
    }
    sleeper.sleep_for(delay);
  }
}

ChatClient::ChatClient(ChatOptions options, std::shared_ptr<http::Client> http,
                       std::shared_ptr<CallCache> cache, std::shared_ptr<Sleeper> sleeper)
    : options_(std::move(options)),
      endpoint_(resolve_endpoint(options_.model, options_.endpoint)),
      http_(http ? std::move(http) : http::make_curl_client()),
      cache_(cache ? std::move(cache) : CallCache::from_environment()),
      sleeper_(sleeper ? std::move(sleeper) : real_sleeper()) {}

json ChatClient::request_body(const ChatRequest& request) const {
  json body = {{"model", endpoint_.model}, {"messages", json::array()}};
  for (const auto& m : request.messages) body["messages"].push_back(m.to_json());
  if (!request.tools.empty()) {
    body["tools"] = json::array();
    for (const auto& t : request.tools) {
      body["tools"].push_back(
          {{"type", "function"},
           {"function",
            {{"name", t.name}, {"description", t.description}, {"parameters", t.parameters}}}});
    }
  }
  if (request.tool_choice) {
    const auto& c = *request.tool_choice;
    if (c == "auto" || c == "none" || c == "required") {
      body["tool_choice"] = c;
    } else {
      body["tool_choice"] = {{"type", "function"}, {"function", {{"name", c}}}};
    }
  }
  if (request.json_mode) body["response_format"] = {{"type", "json_object"}};
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.max_tokens) body["max_tokens"] = *request.max_tokens;
  return body;
}

json ChatClient::call_with_retries(const json& body) {
  http::Request request;
  request.method = "POST";
  request.url = endpoint_.url(endpoint_.chat_path);
  request.headers = {{"Content-Type", "application/json"}};
  if (endpoint_.api_key)
    request.headers.emplace_back(endpoint_.auth_header, endpoint_.auth_prefix + *endpoint_.api_key);
  request.body = body.dump();
  request.timeout = options_.timeout;
  const auto response = send_with_retries(
      *http_, request, options_.retry, *sleeper_,
      endpoint_.provider + " chat completion (" + endpoint_.model + ")", endpoint_.api_key);
  try {
    return json::parse(response.body);
  } catch (const json::parse_error&) {
    throw MalformedResponseError(endpoint_.provider + " chat completion returned HTTP " +
                                 std::to_string(response.status) +
                                 " with a body that is not JSON: " +
                                 redact(response.body.substr(0, 200), endpoint_.api_key));
  }
}

ChatResponse ChatClient::complete(const ChatRequest& request,
                                  const std::optional<std::string>& cache_key) {
  const json body = request_body(request);
  const json key = {{"cache_key", cache_key.value_or("")},
                    {"provider", endpoint_.provider},
                    {"model", endpoint_.model},
                    {"request", body}};
  std::string preview;
  if (!request.messages.empty()) preview = request.messages.back().text().substr(0, 60);
  bool called = false;
  const json raw = cache_->through(key,
                                   "chat completion for " + endpoint_.provider + "/" +
                                       endpoint_.model + " ending with \"" + preview + "\"",
                                   [&] {
                                     called = true;
                                     return call_with_retries(body);
                                   });
  ChatResponse out;
  out.from_cache = !called;
  try {
    const auto& choice = raw.at("choices").at(0);
    out.message = Message::from_json(choice.at("message"));
    out.finish_reason = choice.value("finish_reason", "");
    if (raw.contains("usage")) out.usage = raw["usage"];
  } catch (const std::exception& e) {
    throw MalformedResponseError(endpoint_.provider +
                                 " chat completion has no usable choices[0].message: " + e.what());
  }
  return out;
}

}  // namespace scenario::llm
