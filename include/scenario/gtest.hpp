#pragma once

// GoogleTest integration. Include in test files (links against GTest in the test executable; the
// scenario libraries themselves do not depend on GoogleTest).
//
//   EXPECT_SCENARIO_SUCCESS(result);   // on failure prints verdict, reasoning, criteria,
//   transcript ASSERT_SCENARIO_SUCCESS(result); auto dir = scenario::testing::artifacts_dir();   //
//   <root>/<Suite>/<Test>, created
//
// Register tests with ctest like any GoogleTest suite, with a label to select scenario runs:
//   gtest_discover_tests(my_scenarios PROPERTIES LABELS "scenario")
//   ctest -L scenario

#include <gtest/gtest.h>

#include <filesystem>

#include "scenario/artifacts.hpp"
#include "scenario/console.hpp"
#include "scenario/result.hpp"

namespace scenario::testing {

inline ::testing::AssertionResult ScenarioSucceeded(const char* expression,
                                                    const ScenarioResult& result) {
  if (result.success) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << expression << " failed\n"
         << format_summary(result, ConsoleStyle{}, result.messages.size());
}

/// The current test's artifacts directory: <artifacts_root>/<Suite>/<Test> (names made safe).
inline std::filesystem::path artifacts_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return artifacts_dir_for("no-test", "no-test");
  return artifacts_dir_for(info->test_suite_name(), info->name());
}

}  // namespace scenario::testing

#define EXPECT_SCENARIO_SUCCESS(result) \
  EXPECT_PRED_FORMAT1(::scenario::testing::ScenarioSucceeded, result)
#define ASSERT_SCENARIO_SUCCESS(result) \
  ASSERT_PRED_FORMAT1(::scenario::testing::ScenarioSucceeded, result)
