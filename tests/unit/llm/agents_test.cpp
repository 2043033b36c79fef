#include <gtest/gtest.h>

#include "fakes/openai_fake.hpp"
#include "llm_test_support.hpp"
#include "scenario/scenario.hpp"

namespace scenario {
namespace {

using nlohmann::json;

ModelOptions model_for(fakes::FakeOpenAI& fake) {
  return ModelOptions{.model = "openai/gpt-4.1-mini",
                      .endpoint = {.api_key = fake.api_key(), .base_url = fake.base_url()},
                      .cache = std::make_shared<llm::CallCache>("unused", llm::CacheMode::off),
                      .sleeper = std::make_shared<test::RecordingSleeper>()};
}

class Echo : public AgentAdapter {
 public:
  AgentReply call(const AgentInput& input) override {
    return "echo: " + input.last_new_user_message_str();
  }
};

Message finish(const json& args) {
  Message m{.role = Role::assistant};
  m.tool_calls.push_back({"c1", "finish_test", args.dump()});
  return m;
}

const std::vector<std::string> kCriteria = {"greets the caller", "offers a refund", "stays polite"};

TEST(JudgeAgent, ParsesEveryCriterionState) {
  const auto r =
      std::get<ScenarioResult>(JudgeAgent::parse_reply(finish({{"criteria",
                                                                {{"criterion_1", "true"},
                                                                 {"criterion_2", "false"},
                                                                 {"criterion_3", "inconclusive"}}},
                                                               {"reasoning", "no refund offered"},
                                                               {"verdict", "failure"}}),
                                                       kCriteria, true)
                                   .value);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.passed_criteria, (std::vector<std::string>{"greets the caller"}));
  EXPECT_EQ(r.failed_criteria,
            (std::vector<std::string>{"offers a refund", "stays polite (inconclusive)"}));
  EXPECT_EQ(r.reasoning, "no refund offered");

  const auto all = std::get<ScenarioResult>(
      JudgeAgent::parse_reply(
          finish({{"criteria",
                   {{"criterion_1", "true"}, {"criterion_2", true}, {"criterion_3", "true"}}},
                  {"reasoning", "fine"},
                  {"verdict", "success"}}),
          kCriteria, false)
          .value);
  EXPECT_TRUE(all.success);
  EXPECT_EQ(all.passed_criteria.size(), 3u);

  // "success" with a false criterion is not a pass.
  const auto inconsistent = std::get<ScenarioResult>(
      JudgeAgent::parse_reply(
          finish({{"criteria",
                   {{"criterion_1", "true"}, {"criterion_2", "false"}, {"criterion_3", "true"}}},
                  {"reasoning", "ok"},
                  {"verdict", "success"}}),
          kCriteria, false)
          .value);
  EXPECT_FALSE(inconsistent.success);
  Message cont{.role = Role::assistant};
  cont.tool_calls.push_back({"c2", "continue_test", "{}"});
  EXPECT_TRUE(std::holds_alternative<std::monostate>(
      JudgeAgent::parse_reply(cont, kCriteria, false).value));
}

TEST(JudgeAgent, MalformedToolCallsAreRejectedWithTheReason) {
  auto expect_error = [](const Message& m, bool must_decide, const std::string& needle) {
    try {
      (void)JudgeAgent::parse_reply(m, kCriteria, must_decide);
      ADD_FAILURE() << "accepted " << m.to_json().dump();
    } catch (const JudgeResponseError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error(assistant_message("I think it went well"), false,
               "without calling continue_test or finish_test");
  Message unknown{.role = Role::assistant};
  unknown.tool_calls.push_back({"c", "give_up", "{}"});
  expect_error(unknown, false, "unknown tool 'give_up'");
  Message bad_json{.role = Role::assistant};
  bad_json.tool_calls.push_back({"c", "finish_test", "{not json"});
  expect_error(bad_json, false, "not JSON");
  expect_error(
      finish({{"criteria", {{"criterion_1", "true"}}}, {"reasoning", "x"}, {"verdict", "success"}}),
      false, "no value for criterion_2");
  expect_error(
      finish({{"criteria",
               {{"criterion_1", "maybe"}, {"criterion_2", "true"}, {"criterion_3", "true"}}},
              {"verdict", "success"}}),
      false, "must be true, false or inconclusive");
  expect_error(finish({{"criteria", json::object()}, {"verdict", "great"}}), false,
               "verdict must be");
  expect_error(finish({{"criteria", json::object()}}), false, "no verdict");
  Message cont{.role = Role::assistant};
  cont.tool_calls.push_back({"c2", "continue_test", "{}"});
  expect_error(cont, true, "continue_test when a verdict was required");
}

TEST(JudgeAgent, RequestCarriesCriteriaTranscriptAndForcesAVerdictWhenAsked) {
  fakes::FakeOpenAI fake;
  JudgeAgent judge_agent({.criteria = kCriteria, .llm = model_for(fake)});
  ScenarioState state;
  state.record_event({.time = 1.25, .type = "agent_start_speaking", .latency = 0.84});
  state.record_event({.time = 3.5, .type = "dtmf_received", .metadata = {{"digit", "5"}}});
  Message tool_call = assistant_message("Let me check.");
  tool_call.tool_calls.push_back({"c1", "lookup_order", R"({"id":"A-17"})"});
  AgentInput input{
      .thread_id = "t",
      .messages = {user_message("my blender broke"), tool_call, tool_result("c1", "shipped")},
      .scenario_state = &state};
  const auto request = judge_agent.build_request(input, kCriteria, false);
  ASSERT_EQ(request.messages.size(), 2u);
  const std::string system = request.messages[0].text();
  EXPECT_NE(system.find("criterion_2: offers a refund"), std::string::npos) << system;
  const std::string conversation = request.messages[1].text();
  EXPECT_NE(conversation.find("User: my blender broke"), std::string::npos) << conversation;
  EXPECT_NE(conversation.find("Agent called tool lookup_order({\"id\":\"A-17\"})"),
            std::string::npos)
      << conversation;
  EXPECT_NE(conversation.find("Tool result (c1): shipped"), std::string::npos) << conversation;
  EXPECT_NE(conversation.find("t=1.25s agent_start_speaking latency=0.84s"), std::string::npos)
      << conversation;
  EXPECT_NE(conversation.find("dtmf_received {\"digit\":\"5\"}"), std::string::npos)
      << conversation;
  EXPECT_EQ(request.tool_choice, "required");
  EXPECT_EQ(request.tools.size(), 2u);
  EXPECT_EQ(
      request.tools[1].parameters["properties"]["criteria"]["properties"]["criterion_3"]["enum"],
      (json{"true", "false", "inconclusive"}));
  EXPECT_EQ(judge_agent.build_request(input, kCriteria, true).tool_choice, "finish_test");
}

TEST(JudgeAgent, DrivesARunThroughTheFakeService) {
  fakes::FakeOpenAI fake;
  fake.push_tool_call("continue_test", json::object());
  fake.push_tool_call("finish_test", {{"criteria", {{"criterion_1", "true"}}},
                                      {"reasoning", "the agent echoed"},
                                      {"verdict", "success"}});
  auto bot = std::make_shared<Echo>();
  const auto r = run(
      {.name = "llm judge",
       .description = "user says hi twice",
       .agents = {bot, std::make_shared<ScriptedUser>(std::vector<std::string>{"hi", "hi again"}),
                  judge_agent({.criteria = {"agent echoes"}, .llm = model_for(fake)})},
       .max_turns = 5});
  EXPECT_TRUE(r.success) << r.reasoning;
  EXPECT_EQ(r.passed_criteria, (std::vector<std::string>{"agent echoes"}));
  EXPECT_EQ(r.messages.size(), 4u);
  const auto bodies = fake.chat_requests();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0]["tool_choice"], "required");
}

TEST(JudgeAgent, IsForcedToDecideOnTheLastTurnAndOnInlineCriteria) {
  fakes::FakeOpenAI fake;
  fake.push_tool_call(
      "finish_test",
      {{"criteria", {{"criterion_1", "true"}}}, {"reasoning", "ok"}, {"verdict", "success"}});
  fake.push_tool_call(
      "finish_test",
      {{"criteria", {{"criterion_1", "false"}}}, {"reasoning", "no"}, {"verdict", "failure"}});
  const auto r = run({.name = "checkpoints",
                      .description = "d",
                      .agents = {std::make_shared<Echo>(),
                                 judge_agent({.criteria = {"own"}, .llm = model_for(fake)})},
                      .script = {user("a"), agent(), judge({"says echo"}), user("b"), agent(),
                                 judge({"says bye"})}});
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.failed_criteria, (std::vector<std::string>{"says bye"}));
  EXPECT_EQ(r.passed_criteria, (std::vector<std::string>{"says echo"}));
  const auto bodies = fake.chat_requests();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0]["tool_choice"]["function"]["name"], "finish_test");
  EXPECT_NE(bodies[1]["messages"][0]["content"].get<std::string>().find("criterion_1: says bye"),
            std::string::npos);
}

TEST(UserSimulator, PromptReversesRolesAndCarriesScenarioAndPersona) {
  fakes::FakeOpenAI fake;
  UserSimulatorAgent sim({.llm = model_for(fake), .persona = "an impatient retiree"});
  ScenarioState state;
  AgentInput first{.thread_id = "t", .messages = {}, .scenario_state = nullptr};
  auto request = sim.build_request(first);
  ASSERT_EQ(request.messages.size(), 2u);
  EXPECT_EQ(request.messages[1].role, Role::user)
      << "the agent's greeting opens the reversed conversation";

  AgentInput later{.thread_id = "t",
                   .messages = {user_message("my blender broke"),
                                assistant_message("Sorry! Order number?"), tool_result("c", "x")}};
  request = sim.build_request(later);
  ASSERT_EQ(request.messages.size(), 4u);
  EXPECT_NE(request.messages[0].text().find("<persona>\nan impatient retiree"), std::string::npos);
  EXPECT_EQ(request.messages[1].role, Role::user);
  EXPECT_EQ(request.messages[2].role, Role::assistant);
  EXPECT_EQ(request.messages[2].text(), "my blender broke");
  EXPECT_EQ(request.messages[3].role, Role::user);
  EXPECT_EQ(request.messages[3].text(), "Sorry! Order number?");
  auto tuned = model_for(fake);
  tuned.temperature = 0.9;
  tuned.max_tokens = 60;
  const auto tuned_request = UserSimulatorAgent({.llm = tuned}).build_request(later);
  EXPECT_EQ(tuned_request.temperature, 0.9);
  EXPECT_EQ(tuned_request.max_tokens, 60);
  UserSimulatorAgent custom({.llm = model_for(fake), .system_prompt = "You are Bob."});
  EXPECT_EQ(custom.build_request(later).messages[0].text(), "You are Bob.");
}

TEST(UserSimulator, PlaysTheUserInARunAndSpeaksWithAVoice) {
  fakes::FakeOpenAI fake;
  fake.push_text("my blender arrived broken");
  int effect_calls = 0;
  auto sim = user_simulator({.llm = model_for(fake),
                             .voice = "espeak/en-us",
                             .audio_effects = {[&](std::span<const std::int16_t> s, int) {
                               ++effect_calls;
                               return std::vector<std::int16_t>(s.begin(), s.end());
                             }}});
  const auto r = run({.name = "sim",
                      .description = "a caller with a broken blender",
                      .agents = {std::make_shared<Echo>(), sim},
                      .script = {user(), agent(), succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  ASSERT_EQ(r.messages.size(), 2u);
  ASSERT_EQ(r.messages[0].parts.size(), 1u);
  const auto& speech = r.messages[0].parts[0].audio;
  ASSERT_NE(speech, nullptr);
  EXPECT_EQ(speech->transcript, "my blender arrived broken");
  EXPECT_GT(speech->duration_seconds(), 1.0);
  EXPECT_EQ(effect_calls, 1);
  EXPECT_EQ(r.messages[1].text(), "echo: my blender arrived broken");
  const auto body = fake.chat_requests().at(0);
  EXPECT_NE(
      body["messages"][0]["content"].get<std::string>().find("a caller with a broken blender"),
      std::string::npos);
}

TEST(UserSimulator, InterruptDecisionsAreSeededByTheCacheKey) {
  fakes::FakeOpenAI fake;
  UserSimulatorAgent sim({.llm = model_for(fake), .interrupt_probability = 0.3});
  int hits = 0;
  for (int turn = 0; turn < 1000; ++turn) {
    const bool a = sim.interrupts_on_turn(turn, std::string("suite-v1"));
    EXPECT_EQ(a, sim.interrupts_on_turn(turn, std::string("suite-v1")));
    hits += a ? 1 : 0;
  }
  EXPECT_NEAR(hits, 300, 60);
  int differ = 0;
  for (int turn = 0; turn < 100; ++turn) {
    differ += sim.interrupts_on_turn(turn, std::string("a")) !=
                      sim.interrupts_on_turn(turn, std::string("b"))
                  ? 1
                  : 0;
  }
  EXPECT_GT(differ, 10);
  EXPECT_FALSE(UserSimulatorAgent({.llm = model_for(fake)}).interrupts_on_turn(3, std::nullopt));
  EXPECT_THROW(UserSimulatorAgent({.interrupt_probability = 1.5}), std::invalid_argument);
}

TEST(DeterministicAgents, ScriptedUserAndCheckJudge) {
  auto checks = std::make_shared<CheckJudge>(
      std::vector<Check>{
          {"agent echoes",
           [](const ScenarioState& s) { return s.last_message().text().rfind("echo:", 0) == 0; }},
          {"two exchanges", [](const ScenarioState& s) { return s.messages().size() >= 4; }}},
      /*finish_when_all_pass=*/true);
  const auto r = run(
      {.name = "offline",
       .description = "d",
       .agents = {std::make_shared<Echo>(),
                  std::make_shared<ScriptedUser>(std::vector<std::string>{"one", "two", "three"}),
                  checks}});
  EXPECT_TRUE(r.success) << r.reasoning;
  EXPECT_EQ(r.messages.size(), 4u) << "finished as soon as every check held";
  EXPECT_EQ(r.passed_criteria, (std::vector<std::string>{"agent echoes", "two exchanges"}));

  const auto inline_run =
      run({.name = "inline",
           .description = "d",
           .agents = {std::make_shared<Echo>(), checks},
           .script = {user("x"), agent(), judge({"agent echoes"}), judge({"no such check"})}});
  EXPECT_FALSE(inline_run.success);
  EXPECT_EQ(inline_run.failed_criteria,
            (std::vector<std::string>{"no such check (inconclusive: no check with this name)"}));
  EXPECT_THROW(ScriptedUser(std::vector<std::string>{}), std::invalid_argument);
}

}  // namespace
}  // namespace scenario
