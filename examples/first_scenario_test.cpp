// Your first scenario: a text agent under test, a scripted user, and a deterministic judge written
// as custom steps. Runs under ctest (label "scenario") with no network and no API key.
#include <algorithm>
#include <cctype>
#include <string>

#include <scenario/gtest.hpp>
#include <scenario/scenario.hpp>

namespace {

bool contains(std::string text, std::string word) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  return lower(std::move(text)).find(lower(std::move(word))) != std::string::npos;
}

// The agent under test: Acme's (very small) support bot. In a real suite this adapter would call
// your agent — an HTTP service, an LLM pipeline, a function in your code base.
class AcmeSupportBot : public scenario::AgentAdapter {
 public:
  std::string name() const override { return "acme-support"; }
  scenario::AgentReply call(const scenario::AgentInput& input) override {
    const std::string said = input.last_new_user_message_str();
    if (contains(said, "broken") || contains(said, "damaged")) {
      return "I'm sorry it arrived broken. You can return it within 30 days for a full refund. "
             "Shall I start the return?";
    }
    if (contains(said, "yes")) {
      scenario::Message reply = scenario::assistant_message("I've started your return.");
      reply.tool_calls.push_back({"call_1", "create_return", R"({"reason":"damaged"})"});
      return reply;
    }
    return "Hello! How can I help you today?";
  }
};

// Deterministic judge steps: plain functions over the conversation.
void mentions_refund_policy(scenario::ScenarioState& state) {
  scenario::require(contains(state.last_message().text(), "30 days"),
                    "the agent explains the 30-day refund policy");
}

void return_was_created(scenario::ScenarioState& state) {
  scenario::require(state.has_tool_call("create_return"), "the agent calls create_return");
}

TEST(FirstScenario, DamagedBlenderGetsARefundOffer) {
  const auto result = scenario::run({
      .name = "damaged blender refund",
      .description = "The caller's blender arrived broken; they want their money back",
      .agents = {std::make_shared<AcmeSupportBot>()},
      .script = {scenario::user("hi, my blender arrived broken"), scenario::agent(),
                 mentions_refund_policy, scenario::user("yes please"), scenario::agent(),
                 return_was_created,
                 scenario::succeed("refund policy explained and return created")},
  });
  EXPECT_SCENARIO_SUCCESS(result);
  EXPECT_EQ(result.messages.size(), 4u);
}

TEST(FirstScenario, AFailingCheckExplainsItself) {
  // The bot never creates a return when the caller just says hello: the check fails, and the
  // result says which check and why.
  const auto result = scenario::run({
      .name = "no return without a request",
      .description = "A caller who only says hello",
      .agents = {std::make_shared<AcmeSupportBot>()},
      .script = {scenario::user("hello"), scenario::agent(), return_was_created,
                 scenario::succeed()},
  });
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.reasoning, "step 3 (custom step) failed: the agent calls create_return");
}

}  // namespace
