#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "scenario/gtest.hpp"
#include "scenario/scenario.hpp"
#include "test_agents.hpp"

namespace scenario {
namespace {

ScenarioResult failing_run() {
  return run(
      {.name = "must mention refunds",
       .description = "d",
       .agents = {std::make_shared<test::EchoAgent>()},
       .script = {user("my order is late"), agent(), fail("agent never mentioned refunds")}});
}

TEST(GtestIntegration, PassingResultPassesTheAssertion) {
  const auto r = run({.name = "ok",
                      .description = "d",
                      .agents = {std::make_shared<test::EchoAgent>()},
                      .script = {succeed()}});
  EXPECT_SCENARIO_SUCCESS(r);
  ASSERT_SCENARIO_SUCCESS(r);
}

TEST(GtestIntegration, FailingResultFailsWithVerdictReasoningAndTranscript) {
  const auto r = failing_run();
  EXPECT_NONFATAL_FAILURE(EXPECT_SCENARIO_SUCCESS(r), "Scenario 'must mention refunds' FAILED");
  EXPECT_NONFATAL_FAILURE(EXPECT_SCENARIO_SUCCESS(r), "reasoning: agent never mentioned refunds");
  EXPECT_NONFATAL_FAILURE(EXPECT_SCENARIO_SUCCESS(r), "[User] my order is late");
  EXPECT_NONFATAL_FAILURE(EXPECT_SCENARIO_SUCCESS(r), "[Agent] echo: my order is late");
}

TEST(GtestIntegration, FatalAssertionStopsTheTest) {
  EXPECT_FATAL_FAILURE(
      {
        const auto r = failing_run();
        ASSERT_SCENARIO_SUCCESS(r);
      },
      "agent never mentioned refunds");
}

TEST(GtestIntegration, ArtifactsDirectoryIsPerSuiteAndTest) {
  const auto root = std::filesystem::temp_directory_path() /
                    ("scenario-artifacts-test-" + std::to_string(::getpid()));
  ::setenv("SCENARIO_ARTIFACTS_DIR", root.c_str(), 1);
  const auto dir = testing::artifacts_dir();
  ::unsetenv("SCENARIO_ARTIFACTS_DIR");
  EXPECT_EQ(dir, root / "GtestIntegration" / "ArtifactsDirectoryIsPerSuiteAndTest");
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  std::filesystem::remove_all(root);
  // Without the variable: under the current (build) directory.
  EXPECT_EQ(artifacts_root(), std::filesystem::current_path() / "scenario-artifacts");
}

TEST(GtestIntegration, PathComponentsCannotEscapeTheArtifactsRoot) {
  EXPECT_EQ(safe_path_component("Suite/Param/0"), "Suite_Param_0");
  EXPECT_EQ(safe_path_component(".."), "_..");
  EXPECT_EQ(safe_path_component("."), "_.");
  EXPECT_EQ(safe_path_component(""), "_");
  EXPECT_EQ(safe_path_component("../../etc/passwd"), ".._.._etc_passwd");
  EXPECT_EQ(safe_path_component("refund test #1"), "refund_test__1");
  const auto dir = artifacts_dir_for("../up", "..");
  EXPECT_EQ(dir.parent_path().parent_path(), artifacts_root());
  std::filesystem::remove_all(artifacts_root() / ".._up");
}

}  // namespace
}  // namespace scenario
