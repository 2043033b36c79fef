#include <gtest/gtest.h>

#include <cstdlib>

#include "scenario/scenario.hpp"
#include "test_agents.hpp"

namespace scenario {
namespace {

using namespace std::chrono_literals;
using test::CountingJudge;
using test::EchoAgent;
using test::LinesUser;

std::vector<std::string> texts(const std::vector<Message>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(std::string(to_string(m.role)) + ":" + m.text());
  return out;
}

TEST(Executor, ScriptedUserAndAgentStepsBuildTheConversation) {
  auto bot = std::make_shared<EchoAgent>();
  const auto r = run({.name = "echo",
                      .description = "user greets",
                      .agents = {bot},
                      .script = {user("hello"), agent(), user("bye"), agent(), succeed("done")}});
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.reasoning, "done");
  EXPECT_EQ(texts(r.messages), (std::vector<std::string>{"user:hello", "assistant:echo: hello",
                                                         "user:bye", "assistant:echo: bye"}));
  // The agent sees only what is new since it last replied.
  ASSERT_EQ(bot->inputs.size(), 2u);
  EXPECT_EQ(bot->inputs[1].new_messages.size(), 1u);
  EXPECT_EQ(bot->inputs[1].messages.size(), 3u);
  EXPECT_EQ(bot->inputs[0].thread_id, bot->inputs[1].thread_id);
}

TEST(Executor, UserWithoutContentAsksTheUserSimulator) {
  auto bot = std::make_shared<EchoAgent>();
  const auto r = run(
      {.name = "sim",
       .description = "d",
       .agents = {bot, std::make_shared<LinesUser>(std::vector<std::string>{"first", "second"})},
       .script = {user(), agent(), user(), agent(), succeed()}});
  EXPECT_EQ(texts(r.messages), (std::vector<std::string>{"user:first", "assistant:echo: first",
                                                         "user:second", "assistant:echo: second"}));
  EXPECT_EQ(r.reasoning, "Scenario marked as successful with scenario::succeed()");
}

TEST(Executor, WithoutAScriptItProceedsUserAgentJudgeUntilAVerdict) {
  auto judge_agent = std::make_shared<CountingJudge>(3);
  const auto r =
      run({.name = "auto",
           .description = "d",
           .agents = {std::make_shared<EchoAgent>(),
                      std::make_shared<LinesUser>(std::vector<std::string>{"hi"}), judge_agent}});
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.reasoning, "enough replies");
  EXPECT_EQ(r.messages.size(), 6u);  // three user/agent exchanges, then the judge concluded
  EXPECT_EQ(judge_agent->calls, 3);
  EXPECT_EQ(r.passed_criteria, (std::vector<std::string>{"replies"}));
}

TEST(Executor, MaxTurnsAsksTheJudgeForAFinalVerdict) {
  auto judge_agent = std::make_shared<CountingJudge>();  // never concludes on its own
  const auto r =
      run({.name = "limit",
           .description = "d",
           .agents = {std::make_shared<EchoAgent>(),
                      std::make_shared<LinesUser>(std::vector<std::string>{"hi"}), judge_agent},
           .max_turns = 3});
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.messages.size(), 6u);  // turns 0, 1, 2
  ASSERT_EQ(judge_agent->requests.size(), 1u);
  EXPECT_FALSE(judge_agent->requests[0].criteria.has_value())
      << "a final verdict, not a checkpoint";
}

TEST(Executor, MaxTurnsWithoutAJudgeFails) {
  const auto r = run({.name = "limit",
                      .description = "d",
                      .agents = {std::make_shared<EchoAgent>(),
                                 std::make_shared<LinesUser>(std::vector<std::string>{"hi"})},
                      .max_turns = 2});
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reasoning, "Reached the maximum number of turns (2) without a conclusion");
  EXPECT_EQ(r.messages.size(), 4u);
}

TEST(Executor, TurnsAdvanceWhenARoleActsAgainAndProceedCountsTurns) {
  std::vector<int> turns_seen;
  int steps = 0;
  auto bot = std::make_shared<EchoAgent>();
  const auto r = run(
      {.name = "turns",
       .description = "d",
       .agents = {bot, std::make_shared<LinesUser>(std::vector<std::string>{"again"})},
       .script = {
           user("a"), agent(), [&](ScenarioState& s) { turns_seen.push_back(s.current_turn()); },
           user("b"), agent(), [&](ScenarioState& s) { turns_seen.push_back(s.current_turn()); },
           proceed(
               {.turns = 2,
                .on_turn = [&](ScenarioState& s) { turns_seen.push_back(100 + s.current_turn()); },
                .on_step = [&](ScenarioState&) { ++steps; }}),
           [&](ScenarioState& s) { turns_seen.push_back(s.current_turn()); }, succeed()},
       .max_turns = 50});
  EXPECT_TRUE(r.success) << r.reasoning;
  EXPECT_EQ(turns_seen, (std::vector<int>{0, 1, 102, 2}));
  EXPECT_EQ(steps, 2);  // turn 1 was already complete; turn 2: user + agent
  EXPECT_EQ(r.messages.size(), 6u);
}

TEST(Executor, InlineJudgeCriteriaAreCheckpoints) {
  auto judge_agent = std::make_shared<CountingJudge>();
  const auto pass = run(
      {.name = "checkpoint",
       .description = "d",
       .agents = {std::make_shared<EchoAgent>(), judge_agent},
       .script = {user("hi"), agent(), judge(std::vector<std::string>{"greets back"}), user("more"),
                  agent(), judge(std::vector<std::string>{"answers"}), succeed()}});
  EXPECT_TRUE(pass.success);
  EXPECT_EQ(pass.messages.size(), 4u) << "the run went on after a passing checkpoint";
  EXPECT_EQ(pass.passed_criteria, (std::vector<std::string>{"greets back", "answers"}));
  ASSERT_EQ(judge_agent->requests.size(), 2u);
  EXPECT_EQ(judge_agent->requests[0].criteria, (std::vector<std::string>{"greets back"}));

  const auto fail_fast =
      run({.name = "checkpoint",
           .description = "d",
           .agents = {std::make_shared<EchoAgent>(), std::make_shared<CountingJudge>()},
           .script = {user("hi"), agent(), judge(std::vector<std::string>{"ok", "FAIL this"}),
                      user("never"), succeed()}});
  EXPECT_FALSE(fail_fast.success);
  EXPECT_EQ(fail_fast.failed_criteria, (std::vector<std::string>{"FAIL this"}));
  EXPECT_EQ(fail_fast.messages.size(), 2u) << "nothing after a failed checkpoint";
}

TEST(Executor, JudgeWithoutCriteriaGivesTheFinalVerdict) {
  const auto r = run({.name = "final",
                      .description = "d",
                      .agents = {std::make_shared<EchoAgent>(), std::make_shared<CountingJudge>()},
                      .script = {user("hi"), agent(), judge(), user("never")}});
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.passed_criteria, (std::vector<std::string>{"own criterion"}));
  EXPECT_EQ(r.messages.size(), 2u);
}

TEST(Executor, FailStepAndDefaultReasons) {
  const auto r = run({.name = "f",
                      .description = "d",
                      .agents = {std::make_shared<EchoAgent>()},
                      .script = {user("x"), fail()}});
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reasoning, "Scenario marked as failed with scenario::fail()");
  const auto r2 = run({.name = "f",
                       .description = "d",
                       .agents = {std::make_shared<EchoAgent>()},
                       .script = {fail("nope")}});
  EXPECT_EQ(r2.reasoning, "nope");
}

TEST(Executor, CustomStepsCanInspectContinueOrEndTheRun) {
  const auto r =
      run({.name = "custom",
           .description = "d",
           .agents = {std::make_shared<EchoAgent>()},
           .script = {user("hi"), agent(),
                      [](ScenarioState& s) {
                        require(s.last_message().text() == "echo: hi", "agent echoes");
                      },
                      [](ScenarioState&) -> std::optional<ScenarioResult> { return std::nullopt; },
                      [](ScenarioState& s) {
                        return ScenarioResult::succeeded("custom verdict after " +
                                                         std::to_string(s.messages().size()));
                      },
                      fail("not reached")}});
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.reasoning, "custom verdict after 2");
}

TEST(Executor, AnAssertionInACustomStepBecomesAFailedResultWithItsMessage) {
  const auto r =
      run({.name = "assert",
           .description = "d",
           .agents = {std::make_shared<EchoAgent>()},
           .script = {user("hi"), agent(),
                      [](ScenarioState& s) {
                        require(s.last_message().text() == "refund", "agent must offer a refund");
                      },
                      succeed()}});
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reasoning, "step 3 (custom step) failed: agent must offer a refund");
  EXPECT_EQ(r.messages.size(), 2u);
}

TEST(Executor, AnyExceptionInAStepBecomesAFailedResult) {
  const auto r = run({.name = "throws",
                      .description = "d",
                      .agents = {std::make_shared<EchoAgent>()},
                      .script = {[](ScenarioState&) { throw std::out_of_range("index 7"); }}});
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reasoning, "step 1 (custom step) threw: index 7");
}

TEST(Executor, AnAgentThatThrowsFailsTheRunNamingTheAgent) {
  const auto r = run({.name = "broken",
                      .description = "d",
                      .agents = {std::make_shared<test::ThrowingAgent>()},
                      .script = {user("hi"), agent(), succeed()}});
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reasoning, "agent 'broken-bot' (agent) threw: database connection refused");
  EXPECT_EQ(r.messages.size(), 1u) << "what happened before the failure is kept";
}

TEST(Executor, ToolCallsAndResultsAreRecordedAndQueryable) {
  const auto r = run({.name = "tools",
                      .description = "d",
                      .agents = {std::make_shared<test::ToolAgent>()},
                      .script = {user("where is my order?"), agent(), agent(),
                                 [](ScenarioState& s) {
                                   require(s.has_tool_call("lookup_order"), "tool was called");
                                   require(!s.has_tool_call("refund"), "no refund tool");
                                   const auto call = s.last_tool_call("lookup_order");
                                   require(call->parsed_arguments()["order_id"] == "A-17",
                                           "order id argument");
                                 },
                                 succeed()}});
  EXPECT_TRUE(r.success) << r.reasoning;
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[2].role, Role::tool);
  EXPECT_EQ(r.messages[2].tool_call_id, "call_1");
  EXPECT_EQ(r.messages[3].text(), "Your order A-17 is on its way.");
}

TEST(Executor, AgentTimeAndTotalTimeAreMeasured) {
  const auto r = run({.name = "slow",
                      .description = "d",
                      .agents = {std::make_shared<test::SlowAgent>(120ms)},
                      .script = {user("hi"), agent(), user("again"), agent(), succeed()}});
  EXPECT_GE(r.agent_time.count(), 0.24);
  EXPECT_GE(r.total_time.count(), r.agent_time.count());
  EXPECT_LT(r.total_time.count(), 2.0);
}

TEST(Executor, AgentWithoutWaitRunsInTheBackgroundSoTheUserCanTalkOverIt) {
  auto slow = std::make_shared<test::SlowAgent>(200ms);
  const auto r =
      run({.name = "overlap",
           .description = "d",
           .agents = {slow},
           .script = {user("tell me a long story"), agent({.wait = false}), user("actually, stop"),
                      [](ScenarioState& s) {
                        require(s.messages().size() == 2, "the agent has not replied yet");
                      },
                      agent("ok, stopping"), succeed()}});
  EXPECT_TRUE(r.success) << r.reasoning;
  EXPECT_EQ(texts(r.messages),
            (std::vector<std::string>{"user:tell me a long story", "user:actually, stop",
                                      "assistant:sorry for the wait", "assistant:ok, stopping"}));
  EXPECT_EQ(slow->seen_messages, 1u)
      << "the background call saw the conversation as it was when it started";
  EXPECT_GE(r.agent_time.count(), 0.19);
}

TEST(Executor, MessageStepAndStateEditing) {
  const auto r = run({.name = "edit",
                      .description = "d",
                      .agents = {std::make_shared<EchoAgent>()},
                      .script = {message(system_message("be brief")), user("one"), agent(),
                                 [](ScenarioState& s) {
                                   s.add_message(user_message("injected"));
                                   const auto removed = s.rollback_messages_to(2);
                                   require(removed.size() == 2, "two removed");
                                 },
                                 user("two"), agent(), succeed()}});
  EXPECT_TRUE(r.success) << r.reasoning;
  EXPECT_EQ(texts(r.messages), (std::vector<std::string>{"system:be brief", "user:one", "user:two",
                                                         "assistant:echo: two"}));
}

TEST(Executor, EndOfScriptWithoutConclusionAsksTheJudgeOrFails) {
  const auto with_judge =
      run({.name = "e",
           .description = "d",
           .agents = {std::make_shared<EchoAgent>(), std::make_shared<CountingJudge>()},
           .script = {user("hi"), agent()}});
  EXPECT_TRUE(with_judge.success);
  const auto without = run({.name = "e",
                            .description = "d",
                            .agents = {std::make_shared<EchoAgent>()},
                            .script = {user("hi"), agent()}});
  EXPECT_FALSE(without.success);
  EXPECT_NE(without.reasoning.find("end of the script without a conclusion"), std::string::npos)
      << without.reasoning;
}

TEST(Executor, MissingRolesAreReportedClearly) {
  const auto r = run({.name = "no-user",
                      .description = "d",
                      .agents = {std::make_shared<EchoAgent>()},
                      .script = {user(), agent()}});
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.reasoning.find("no agent plays the user role"), std::string::npos) << r.reasoning;
  EXPECT_THROW(run({.name = "empty", .description = "d"}), std::invalid_argument);
}

TEST(Executor, AJudgeThatReturnsTextFailsTheRun) {
  class ChattyJudge : public AgentAdapter {
   public:
    AgentRole role() const override { return AgentRole::judge; }
    AgentReply call(const AgentInput&) override { return "looks fine to me"; }
  };
  const auto r = run({.name = "chatty",
                      .description = "d",
                      .agents = {std::make_shared<EchoAgent>(), std::make_shared<ChattyJudge>()},
                      .script = {user("hi"), agent(), judge()}});
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.reasoning.find("'judge' (judge) returned text"), std::string::npos) << r.reasoning;
}

TEST(Executor, SetIdAndMetadataAreCarriedToTheResult) {
  const auto r = run({.name = "meta",
                      .description = "d",
                      .agents = {std::make_shared<EchoAgent>()},
                      .script = {succeed()},
                      .set_id = "support-suite",
                      .metadata = {{"ticket", 42}}});
  EXPECT_EQ(r.name, "meta");
  EXPECT_EQ(r.set_id, "support-suite");
  EXPECT_EQ(r.metadata["ticket"], 42);
  EXPECT_TRUE(r.recording.empty());
  EXPECT_TRUE(r.timeline.empty());
  EXPECT_TRUE(r.latency.empty()) << "voice fields are present and empty for text runs";
}

TEST(Config, ConfigureEnvironmentAndRunOptionsMergeInOrder) {
  reset_configuration();
  ::unsetenv("SCENARIO_MAX_TURNS");
  EXPECT_EQ(effective_configuration().max_turns, 10);
  ::setenv("SCENARIO_MAX_TURNS", "4", 1);
  EXPECT_EQ(effective_configuration().max_turns, 4);
  configure({.max_turns = 3, .cache_key = "suite-v1"});
  configure({.verbose = false});
  EXPECT_EQ(effective_configuration().max_turns, 3);
  EXPECT_EQ(effective_configuration().cache_key, "suite-v1");
  const auto users = std::make_shared<LinesUser>(std::vector<std::string>{"x"});
  auto r = run({.name = "c", .description = "d", .agents = {std::make_shared<EchoAgent>(), users}});
  EXPECT_EQ(r.reasoning, "Reached the maximum number of turns (3) without a conclusion");
  r = run({.name = "c",
           .description = "d",
           .agents = {std::make_shared<EchoAgent>(), users},
           .max_turns = 1});
  EXPECT_EQ(r.reasoning, "Reached the maximum number of turns (1) without a conclusion");
  ::setenv("SCENARIO_MAX_TURNS", "lots", 1);
  EXPECT_THROW(effective_configuration(), std::invalid_argument);
  ::unsetenv("SCENARIO_MAX_TURNS");
  reset_configuration();
  EXPECT_THROW(configure({.max_turns = 0}), std::invalid_argument);
}

}  // namespace
}  // namespace scenario
