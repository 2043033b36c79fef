#include <gtest/gtest.h>

#include "scenario/scenario.hpp"
#include "test_agents.hpp"

namespace scenario {
namespace {

TEST(Console, SummaryOfAFailedRunShowsVerdictReasoningCriteriaAndLastTurns) {
  const auto r =
      run({.name = "refund policy",
           .description = "d",
           .agents = {std::make_shared<test::EchoAgent>(), std::make_shared<test::CountingJudge>()},
           .script = {user("my blender is broken"), agent(),
                      judge(std::vector<std::string>{"greets the caller",
                                                     "FAIL: explains the 30-day refund policy"})}});
  ASSERT_FALSE(r.success);
  const std::string plain = format_summary(r);
  EXPECT_NE(plain.find("Scenario 'refund policy' FAILED"), std::string::npos) << plain;
  EXPECT_NE(plain.find("reasoning: a criterion failed"), std::string::npos) << plain;
  EXPECT_NE(plain.find("✗ FAIL: explains the 30-day refund policy"), std::string::npos) << plain;
  EXPECT_NE(plain.find("✓ greets the caller"), std::string::npos) << plain;
  EXPECT_NE(plain.find("[User] my blender is broken"), std::string::npos) << plain;
  EXPECT_NE(plain.find("[Agent] echo: my blender is broken"), std::string::npos) << plain;
  EXPECT_EQ(plain.find('\033'), std::string::npos) << "no colour codes in plain style";
  const std::string coloured = format_summary(r, ConsoleStyle{.colour = true});
  EXPECT_NE(coloured.find("\033[1;31m"), std::string::npos);
}

TEST(Console, MessagesWithToolCallsAudioAndImagesAreSpelledOut) {
  Message m = assistant_message("checking");
  m.tool_calls.push_back({"c1", "lookup_order", R"({"id":"A-17"})"});
  EXPECT_EQ(format_message(m), R"([Agent] checking → lookup_order({"id":"A-17"}))");
  EXPECT_EQ(format_message(tool_result("c1", "shipped")), "[Tool] shipped (result of c1)");
  Message a{.role = Role::user, .content = std::nullopt};
  audio::AudioChunk chunk;
  chunk.samples.resize(36000);
  a.parts.push_back(ContentPart::audio_part(chunk));
  a.parts.push_back(ContentPart::image_part("https://x/y.png"));
  EXPECT_EQ(format_message(a), "[User] <audio 1.50 s> <image https://x/y.png>");
}

TEST(Console, VerboseRunsPrintALiveTranscript) {
  ::testing::internal::CaptureStdout();
  (void)run({.name = "talkative",
             .description = "d",
             .agents = {std::make_shared<test::EchoAgent>()},
             .script = {user("hello there"), agent(), succeed()},
             .verbose = true});
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("[User] hello there\n[Agent] echo: hello there\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Scenario 'talkative' PASSED"), std::string::npos) << out;
  ::testing::internal::CaptureStdout();
  (void)run({.name = "quiet",
             .description = "d",
             .agents = {std::make_shared<test::EchoAgent>()},
             .script = {user("hello there"), agent(), succeed()},
             .verbose = false});
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
}

}  // namespace
}  // namespace scenario
