#include <gtest/gtest.h>

#include <cstdlib>

#include "scenario/llm/provider.hpp"
#include "scenario/llm/retry.hpp"

namespace scenario::llm {
namespace {

class ProviderRouting : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : {"OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_API_BASE", "AZURE_API_KEY",
                          "AZURE_API_VERSION", "GEMINI_API_KEY", "GOOGLE_API_KEY", "GROQ_API_KEY",
                          "OLLAMA_BASE_URL", "SCENARIO_LLM_BASE_URL", "SCENARIO_LLM_API_KEY",
                          "ELEVENLABS_API_KEY"}) {
      ::unsetenv(v);
    }
  }
};

TEST_F(ProviderRouting, EachProviderGetsItsEndpointKeyAndAuthStyle) {
  ::setenv("OPENAI_API_KEY", "sk-openai", 1);
  auto e = resolve_endpoint("openai/gpt-4.1-mini");
  EXPECT_EQ(e.url(e.chat_path), "https://api.openai.com/v1/chat/completions");
  EXPECT_EQ(e.model, "gpt-4.1-mini");
  EXPECT_EQ(e.api_key, "sk-openai");
  EXPECT_EQ(e.auth_header, "Authorization");
  EXPECT_EQ(resolve_endpoint("gpt-4o").provider, "openai");

  ::setenv("AZURE_API_BASE", "https://acme.openai.azure.com/", 1);
  ::setenv("AZURE_API_KEY", "az-key", 1);
  e = resolve_endpoint("azure/my-deployment");
  EXPECT_EQ(e.url(e.chat_path),
            "https://acme.openai.azure.com/openai/deployments/my-deployment/chat/"
            "completions?api-version=2024-10-21");
  EXPECT_EQ(e.auth_header, "api-key");
  EXPECT_EQ(e.auth_prefix, "");

  ::setenv("GOOGLE_API_KEY", "g-key", 1);
  e = resolve_endpoint("gemini/gemini-2.5-flash");
  EXPECT_EQ(e.url(e.chat_path),
            "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions");
  EXPECT_EQ(e.api_key, "g-key");

  ::setenv("GROQ_API_KEY", "gq", 1);
  EXPECT_EQ(resolve_endpoint("groq/llama-3.3-70b").base_url, "https://api.groq.com/openai/v1");
  e = resolve_endpoint("ollama/llama3.2");
  EXPECT_EQ(e.base_url, "http://localhost:11434/v1");
  EXPECT_FALSE(e.api_key.has_value());

  ::setenv("ELEVENLABS_API_KEY", "el", 1);
  e = resolve_endpoint("elevenlabs/scribe_v1");
  EXPECT_EQ(e.auth_header, "xi-api-key");
  EXPECT_EQ(e.base_url, "https://api.elevenlabs.io");
}

TEST_F(ProviderRouting, BaseUrlsAreOverridableGloballyAndPerAgent) {
  ::setenv("OPENAI_BASE_URL", "http://127.0.0.1:9999/v1/", 1);
  EXPECT_EQ(resolve_endpoint("openai/gpt-4o").base_url, "http://127.0.0.1:9999/v1");
  EXPECT_EQ(resolve_endpoint("openai/gpt-4o", {.api_key = "k", .base_url = "http://localhost:1/v1"})
                .base_url,
            "http://localhost:1/v1");
  EXPECT_EQ(resolve_endpoint("openai/gpt-4o", {.api_key = "per-agent"}).api_key, "per-agent");
  // Any OpenAI-compatible server: needs a base URL.
  EXPECT_THROW(resolve_endpoint("vllm/qwen2.5"), std::invalid_argument);
  EXPECT_THROW(resolve_endpoint("azure/x"), std::invalid_argument);
  ::setenv("SCENARIO_LLM_BASE_URL", "http://10.0.0.5:8000/v1", 1);
  EXPECT_EQ(resolve_endpoint("vllm/qwen2.5").url("/chat/completions"),
            "http://10.0.0.5:8000/v1/chat/completions");
  EXPECT_THROW(resolve_endpoint("openai/"), std::invalid_argument);
}

TEST(Redact, ReplacesEveryOccurrenceOfTheSecret) {
  EXPECT_EQ(redact("key sk-abc123 and sk-abc123 again", std::string("sk-abc123")),
            "key [REDACTED] and [REDACTED] again");
  EXPECT_EQ(redact("nothing here", std::string("sk-abc123")), "nothing here");
  EXPECT_EQ(redact("a b c", std::string("a")), "a b c");  // too short to redact safely
  EXPECT_EQ(redact("x", std::nullopt), "x");
}

TEST(Retry, BackoffGrowsExponentiallyWithBoundedJitter) {
  RetryPolicy p{.max_attempts = 5,
                .initial_backoff = std::chrono::milliseconds(100),
                .multiplier = 2.0,
                .max_backoff = std::chrono::milliseconds(1000),
                .jitter = 0.2};
  EXPECT_EQ(backoff_delay(p, 0, 0.5).count(), 100);
  EXPECT_EQ(backoff_delay(p, 1, 0.5).count(), 200);
  EXPECT_EQ(backoff_delay(p, 2, 0.5).count(), 400);
  EXPECT_EQ(backoff_delay(p, 5, 0.5).count(), 1000);      // capped
  EXPECT_EQ(backoff_delay(p, 1, 0.0).count(), 160);       // −20 %
  EXPECT_EQ(backoff_delay(p, 1, 0.999999).count(), 240);  // +20 %
}

TEST(Retry, RetryAfterInSecondsDecimalsAndHttpDates) {
  EXPECT_EQ(parse_retry_after("7", 0), std::chrono::milliseconds(7000));
  EXPECT_EQ(parse_retry_after(" 0.25", 0), std::chrono::milliseconds(250));
  // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480.
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470),
            std::chrono::milliseconds(10000));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490),
            std::chrono::milliseconds(0));
  EXPECT_FALSE(parse_retry_after("soon", 0).has_value());
  EXPECT_FALSE(parse_retry_after("", 0).has_value());
}

}  // namespace
}  // namespace scenario::llm
