// A scenario with an LLM user simulator and an LLM judge. It calls the real OpenAI API when
// OPENAI_API_KEY is set, or replays a recorded cache (SCENARIO_CACHE=replay with
// SCENARIO_CACHE_DIR pointing at recordings); otherwise ctest reports it as skipped, saying why.
//
//   OPENAI_API_KEY=sk-… SCENARIO_CACHE=record SCENARIO_CACHE_DIR=recordings ./llm_scenario_test
//   SCENARIO_CACHE=replay SCENARIO_CACHE_DIR=recordings ./llm_scenario_test      # no key, no
//   network
#include <cstdlib>
#include <filesystem>

#include <scenario/gtest.hpp>
#include <scenario/scenario.hpp>

namespace {

bool can_reach_a_model() {
  if (const char* key = std::getenv("OPENAI_API_KEY"); key != nullptr && *key != '\0') return true;
  const char* mode = std::getenv("SCENARIO_CACHE");
  const char* dir = std::getenv("SCENARIO_CACHE_DIR");
  return mode != nullptr && std::string(mode) == "replay" && dir != nullptr &&
         std::filesystem::is_directory(dir) && !std::filesystem::is_empty(dir);
}

// The agent under test: a tiny rule-based support bot (swap in your real agent).
class AcmeSupportBot : public scenario::AgentAdapter {
 public:
  scenario::AgentReply call(const scenario::AgentInput& input) override {
    const std::string said = input.last_new_user_message_str();
    if (said.find("broken") != std::string::npos || said.find("damaged") != std::string::npos) {
      return "I'm sorry to hear that. Items that arrive damaged can be returned within 30 days for "
             "a full refund. "
             "Would you like me to start a return?";
    }
    return "Thanks for calling Acme. How can I help?";
  }
};

TEST(LlmScenario, CallerWithABrokenBlenderIsOfferedARefund) {
  if (!can_reach_a_model()) {
    GTEST_SKIP() << "needs OPENAI_API_KEY or a recorded cache (SCENARIO_CACHE=replay "
                    "SCENARIO_CACHE_DIR=<recordings>)";
  }
  scenario::configure({.default_model = "openai/gpt-4.1-mini", .cache_key = "llm-example-v1"});
  const auto result = scenario::run({
      .name = "broken blender, LLM caller and judge",
      .description =
          "The caller's blender arrived broken. They are annoyed and want their money back.",
      .agents = {std::make_shared<AcmeSupportBot>(),
                 scenario::user_simulator({.persona = "a busy parent, short on patience"}),
                 scenario::judge_agent(
                     {.criteria = {"The agent apologises",
                                   "The agent explains the 30-day refund policy"}})},
      .max_turns = 4,
  });
  EXPECT_SCENARIO_SUCCESS(result);
}

}  // namespace
