#include <gtest/gtest.h>

#include <future>

#include "scenario/scenario.hpp"
#include "test_agents.hpp"

namespace scenario {
namespace {

// A scenario whose outcome depends on its number: some pass, some fail at a checkpoint, some
// throw in the agent, some hit max_turns — all with per-run agents.
RunSpec numbered_spec(int n) {
  class Counter : public AgentAdapter {
   public:
    explicit Counter(int n) : n_(n) {}
    AgentReply call(const AgentInput& input) override {
      if (n_ % 7 == 3) throw std::runtime_error("bot " + std::to_string(n_) + " crashed");
      return "reply " + std::to_string(n_) + " to " + input.last_new_user_message_str();
    }

   private:
    int n_;
  };
  RunSpec spec{.name = "run-" + std::to_string(n), .description = "numbered"};
  spec.agents = {std::make_shared<Counter>(n), std::make_shared<test::CountingJudge>(),
                 std::make_shared<test::LinesUser>(
                     std::vector<std::string>{"line a of " + std::to_string(n), "line b"})};
  spec.max_turns = 2 + n % 3;
  if (n % 5 == 0) {
    spec.script = {user(), agent(), judge(std::vector<std::string>{"FAIL on purpose"}), succeed()};
  } else if (n % 2 == 0) {
    spec.script = {user(), agent(), proceed(2), succeed("run " + std::to_string(n))};
  }  // odd: no script, proceeds to max_turns where the judge decides
  return spec;
}

std::string fingerprint(const ScenarioResult& r) {
  std::string s = std::to_string(r.success) + "|" + r.reasoning + "|";
  for (const auto& m : r.messages) s += m.to_json().dump() + ";";
  for (const auto& c : r.failed_criteria) s += "F:" + c;
  for (const auto& c : r.passed_criteria) s += "P:" + c;
  return s;
}

TEST(Concurrency, HundredConcurrentRunsGiveTheSameResultsAsOneByOne) {
  constexpr int kRuns = 100;
  std::vector<std::string> sequential;
  for (int n = 0; n < kRuns; ++n) sequential.push_back(fingerprint(run(numbered_spec(n))));
  std::vector<std::future<ScenarioResult>> futures;
  for (int n = 0; n < kRuns; ++n) futures.push_back(run_async(numbered_spec(n)));
  int passed = 0;
  int failed = 0;
  for (int n = 0; n < kRuns; ++n) {
    const auto r = futures[static_cast<std::size_t>(n)].get();
    EXPECT_EQ(fingerprint(r), sequential[static_cast<std::size_t>(n)]) << "run " << n;
    EXPECT_EQ(r.name, "run-" + std::to_string(n));
    (r.success ? passed : failed)++;
  }
  // The mix is real: both outcomes occur.
  EXPECT_GT(passed, 20);
  EXPECT_GT(failed, 20);
}

TEST(Concurrency, OneSharedThreadSafeAgentServesManyRuns) {
  auto shared = std::make_shared<test::EchoAgent>();  // EchoAgent locks its own record
  std::vector<std::future<ScenarioResult>> futures;
  for (int n = 0; n < 50; ++n) {
    futures.push_back(run_async({.name = "shared",
                                 .description = "d",
                                 .agents = {shared},
                                 .script = {user("n" + std::to_string(n)), agent(), succeed()}}));
  }
  for (int n = 0; n < 50; ++n) {
    const auto r = futures[static_cast<std::size_t>(n)].get();
    ASSERT_EQ(r.messages.size(), 2u);
    EXPECT_EQ(r.messages[1].text(), "echo: n" + std::to_string(n));
  }
  EXPECT_EQ(shared->inputs.size(), 50u);
}

}  // namespace
}  // namespace scenario
