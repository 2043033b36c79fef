#include <gtest/gtest.h>

#include "fakes/openai_fake.hpp"
#include "llm_test_support.hpp"
#include "scenario/llm/chat.hpp"

namespace scenario::llm {
namespace {

using fakes::FakeOpenAI;
using nlohmann::json;
using namespace std::chrono_literals;

struct Fixture {
  FakeOpenAI fake;
  std::shared_ptr<test::RecordingSleeper> sleeper = std::make_shared<test::RecordingSleeper>();
  std::shared_ptr<CallCache> no_cache = std::make_shared<CallCache>("unused", CacheMode::off);

  ChatClient client(std::optional<std::string> key = std::nullopt, RetryPolicy retry = {},
                    std::chrono::milliseconds timeout = 10s) {
    return ChatClient(
        {.model = "openai/gpt-4.1-mini",
         .endpoint = {.api_key = key.value_or(fake.api_key()), .base_url = fake.base_url()},
         .timeout = timeout,
         .retry = retry},
        nullptr, no_cache, sleeper);
  }
};

TEST(ChatClient, SendsAChatCompletionAndReadsTheReply) {
  Fixture f;
  f.fake.push_text("Sure, I can help.");
  ChatRequest request{.messages = {system_message("be brief"), user_message("hi")},
                      .temperature = 0.3,
                      .max_tokens = 50};
  const auto r = f.client().complete(request);
  EXPECT_EQ(r.message.role, Role::assistant);
  EXPECT_EQ(r.message.text(), "Sure, I can help.");
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.usage["total_tokens"], 49);
  const auto requests = f.fake.requests_to("/v1/chat/completions");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].header("authorization"), "Bearer " + f.fake.api_key());
  EXPECT_EQ(requests[0].header("content-type"), "application/json");
  const json body = json::parse(requests[0].body);
  EXPECT_EQ(body["model"], "gpt-4.1-mini");
  EXPECT_EQ(body["messages"][0], (json{{"role", "system"}, {"content", "be brief"}}));
  EXPECT_EQ(body["temperature"], 0.3);
  EXPECT_EQ(body["max_tokens"], 50);
  EXPECT_FALSE(body.contains("tools"));
}

TEST(ChatClient, ToolsToolChoiceAndJsonMode) {
  Fixture f;
  f.fake.push_tool_call("lookup_order", {{"order_id", "A-17"}});
  ChatRequest request{
      .messages = {user_message("where is A-17?")},
      .tools = {{"lookup_order",
                 "Find an order",
                 {{"type", "object"}, {"properties", {{"order_id", {{"type", "string"}}}}}}}},
      .tool_choice = "lookup_order",
      .json_mode = true};
  const auto r = f.client().complete(request);
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  EXPECT_EQ(r.message.tool_calls[0].name, "lookup_order");
  EXPECT_EQ(r.message.tool_calls[0].parsed_arguments()["order_id"], "A-17");
  EXPECT_EQ(r.finish_reason, "tool_calls");
  const json body = f.fake.chat_requests().at(0);
  EXPECT_EQ(body["tools"][0]["type"], "function");
  EXPECT_EQ(body["tools"][0]["function"]["name"], "lookup_order");
  EXPECT_EQ(body["tool_choice"],
            (json{{"type", "function"}, {"function", {{"name", "lookup_order"}}}}));
  EXPECT_EQ(body["response_format"], (json{{"type", "json_object"}}));
  request.tool_choice = "required";
  EXPECT_EQ(f.client().request_body(request)["tool_choice"], "required");
}

TEST(ChatClient, A4xxFailsAtOnceWithTheProvidersMessageAndNoKey) {
  Fixture f;
  const std::string wrong_key = "sk-wrong-key-that-must-not-leak-42";
  try {
    (void)f.client(wrong_key).complete({.messages = {user_message("hi")}});
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 401);
    EXPECT_NE(std::string(e.what()).find("Incorrect API key provided"), std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find(wrong_key), std::string::npos) << e.what();
  }
  EXPECT_EQ(f.fake.server().request_count(), 1u) << "a 401 is not retried";
  EXPECT_TRUE(f.sleeper->delays().empty());
}

TEST(ChatClient, A429IsRetriedAfterTheRetryAfterDelay) {
  Fixture f;
  f.fake.push_error(429, "Rate limit reached for gpt-4.1-mini", "requests", "rate_limit_exceeded",
                    {{"retry-after", "3"}});
  f.fake.push_text("finally");
  EXPECT_EQ(f.client().complete({.messages = {user_message("hi")}}).message.text(), "finally");
  EXPECT_EQ(f.sleeper->delays(), (std::vector<std::chrono::milliseconds>{3000ms}));
  EXPECT_EQ(f.fake.server().request_count(), 2u);
}

TEST(ChatClient, ServerErrorsAreRetriedWithExponentialBackoff) {
  Fixture f;
  f.fake.push_error(500, "The server had an error while processing your request.", "server_error",
                    "");
  f.fake.push_error(502, "Bad gateway", "server_error", "");
  f.fake.push_text("ok");
  RetryPolicy policy{.max_attempts = 4,
                     .initial_backoff = 100ms,
                     .multiplier = 2.0,
                     .max_backoff = 10s,
                     .jitter = 0.2};
  EXPECT_EQ(
      f.client(std::nullopt, policy).complete({.messages = {user_message("hi")}}).message.text(),
      "ok");
  const auto delays = f.sleeper->delays();
  ASSERT_EQ(delays.size(), 2u);
  EXPECT_GE(delays[0].count(), 80);
  EXPECT_LE(delays[0].count(), 120);
  EXPECT_GE(delays[1].count(), 160);
  EXPECT_LE(delays[1].count(), 240);
}

TEST(ChatClient, PersistentServerErrorsGiveUpAfterMaxAttempts) {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.fake.push_error(503, "overloaded", "server_error", "");
  try {
    (void)f.client(std::nullopt, {.max_attempts = 3, .initial_backoff = 10ms})
        .complete({.messages = {user_message("hi")}});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 503);
    EXPECT_NE(std::string(e.what()).find("after 3 attempts"), std::string::npos) << e.what();
    EXPECT_EQ(e.provider_message(), "overloaded");
  }
  EXPECT_EQ(f.fake.server().request_count(), 3u);
}

TEST(ChatClient, ARetryAfterLongerThanWeWaitEndsTheRetries) {
  Fixture f;
  f.fake.push_error(429, "quota", "insufficient_quota", "insufficient_quota",
                    {{"retry-after", "3600"}});
  EXPECT_THROW((void)f.client().complete({.messages = {user_message("hi")}}), ApiError);
  EXPECT_TRUE(f.sleeper->delays().empty());
}

TEST(ChatClient, ConnectionErrorsAreRetriedThenReported) {
  auto sleeper = std::make_shared<test::RecordingSleeper>();
  unsigned short closed_port = 0;
  {
    fakes::HttpServer s([](const fakes::HttpRequest&) { return fakes::HttpResponse{}; });
    closed_port = s.port();
  }  // the port is free again: nothing listens
  ChatClient client(
      {.model = "openai/x",
       .endpoint = {.api_key = "k-secret-123",
                    .base_url = "http://127.0.0.1:" + std::to_string(closed_port) + "/v1"},
       .retry = {.max_attempts = 3, .initial_backoff = 5ms}},
      nullptr, std::make_shared<CallCache>("unused", CacheMode::off), sleeper);
  try {
    (void)client.complete({.messages = {user_message("hi")}});
    FAIL();
  } catch (const http::TransportError& e) {
    EXPECT_NE(std::string(e.what()).find("after 3 attempts"), std::string::npos) << e.what();
    EXPECT_FALSE(e.timed_out());
  }
  EXPECT_EQ(sleeper->delays().size(), 2u);
}

TEST(ChatClient, ASlowServerHitsTheTimeout) {
  Fixture f;
  f.fake.push_raw({.status = 200, .body = "{}", .delay = 1500ms});
  try {
    (void)f.client(std::nullopt, {.max_attempts = 1}, 300ms)
        .complete({.messages = {user_message("hi")}});
    FAIL();
  } catch (const http::TransportError& e) {
    EXPECT_TRUE(e.timed_out()) << e.what();
  }
}

TEST(ChatClient, MalformedRepliesAreReportedAsSuch) {
  Fixture f;
  f.fake.push_raw({.status = 200, .body = "<html>gateway</html>"});
  EXPECT_THROW((void)f.client().complete({.messages = {user_message("hi")}}),
               MalformedResponseError);
  f.fake.push_raw({.status = 200, .body = R"({"choices": []})"});
  EXPECT_THROW((void)f.client().complete({.messages = {user_message("hi")}}),
               MalformedResponseError);
}

}  // namespace
}  // namespace scenario::llm
