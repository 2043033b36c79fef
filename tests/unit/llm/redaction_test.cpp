#include <gtest/gtest.h>

#include "fakes/openai_fake.hpp"
#include "llm_test_support.hpp"
#include "scenario/scenario.hpp"
#include "support/tools.hpp"

namespace scenario {
namespace {

// The key must not appear in errors, results, console output or cache files, even when the
// provider echoes it back in an error body.
TEST(Redaction, ApiKeysNeverReachErrorsResultsLogsOrCacheFiles) {
  const std::string secret = "sk-live-very-secret-key-9f8e7d6c5b4a";
  fakes::FakeOpenAI fake(secret);
  // A provider that quotes the full key back (some OpenAI-compatible servers do).
  for (int i = 0; i < 3; ++i) {
    fake.push_raw({.status = 400,
                   .body = fakes::openai_error_body("bad request for key " + secret,
                                                    "invalid_request_error", "")});
  }
  const auto dir = test::scratch_dir("redaction_cache");
  ModelOptions model{.model = "openai/gpt-4.1-mini",
                     .endpoint = {.api_key = secret, .base_url = fake.base_url()},
                     .cache = std::make_shared<llm::CallCache>(dir, llm::CacheMode::record),
                     .sleeper = std::make_shared<test::RecordingSleeper>()};
  class Bot : public AgentAdapter {
   public:
    AgentReply call(const AgentInput&) override { return "hi"; }
  };
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const auto r =
      run({.name = "redaction",
           .description = "d",
           .agents = {std::make_shared<Bot>(), judge_agent({.criteria = {"c"}, .llm = model})},
           .script = {user("hello"), agent(), judge()},
           .verbose = true});
  const std::string out =
      ::testing::internal::GetCapturedStdout() + ::testing::internal::GetCapturedStderr();
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.reasoning.find("HTTP 400"), std::string::npos) << r.reasoning;
  EXPECT_NE(r.reasoning.find("[REDACTED]"), std::string::npos) << r.reasoning;
  EXPECT_EQ(r.reasoning.find(secret), std::string::npos) << r.reasoning;
  EXPECT_EQ(out.find(secret), std::string::npos) << out;
  EXPECT_NE(out.find("FAILED"), std::string::npos);
  for (const auto& m : r.messages) EXPECT_EQ(m.to_json().dump().find(secret), std::string::npos);
  if (std::filesystem::exists(dir)) {
    for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
      const auto bytes = test::read_bytes(f.path());
      EXPECT_EQ(std::string(bytes.begin(), bytes.end()).find(secret), std::string::npos)
          << f.path();
    }
  }
  // And the key did reach the server, in the header where it belongs.
  EXPECT_EQ(fake.requests_to("/v1/chat/completions").at(0).header("authorization"),
            "Bearer " + secret);
}

}  // namespace
}  // namespace scenario
