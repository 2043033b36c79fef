#include "ivr_demo_scenario.hpp"

#include <string>
#include <vector>

#include <scenario/scenario.hpp>

namespace scenario::examples {
namespace {

bool has_event(const ScenarioState& s, const std::string& type, const std::string& key = "",
               const std::string& value = "") {
  for (const auto& e : s.timeline()) {
    if (e.type != type) continue;
    if (key.empty() || (e.metadata.contains(key) && e.metadata[key] == value)) return true;
  }
  return false;
}

// The bot's `clear` (agent_stopped) follows the barge-in by at most `limit` seconds.
bool stopped_within(const ScenarioState& s, double limit) {
  // (user_interrupt is recorded once the agent's reaction has been seen, after agent_stopped.)
  const auto& t = s.timeline();
  for (const auto& barge_in : t) {
    if (barge_in.type != "user_interrupt") continue;
    for (const auto& e : t) {
      if (e.type == "agent_stopped" && e.time >= barge_in.time && e.time - barge_in.time <= limit)
        return true;
    }
  }
  return false;
}

// Every caller input (a key press, the end of an utterance) is answered within `limit` seconds.
bool answers_within(const ScenarioState& s, double limit) {
  double input = -1.0;  // no input waiting for an answer
  int answers = 0;
  for (const auto& e : s.timeline()) {
    if (e.type == "dtmf_sent" || e.type == "user_stop_speaking") input = e.time;
    if (e.type == "agent_start_speaking" && input >= 0) {
      if (e.time - input > limit) return false;
      ++answers;
      input = -1.0;
    }
  }
  return answers >= 3;
}

}  // namespace

RunSpec ivr_demo_scenario(std::shared_ptr<adapters::PipecatAgentAdapter> ivr) {
  auto checks = std::make_shared<CheckJudge>(std::vector<Check>{
      {"the billing menu was reached",
       [](const ScenarioState& s) { return has_event(s, "mark", "name", "menu:billing"); }},
      {"the bot stopped within 600 ms of the barge-in",
       [](const ScenarioState& s) { return stopped_within(s, 0.6); }},
      {"every answer started within 1.5 s of the caller",
       [](const ScenarioState& s) { return answers_within(s, 1.5); }},
      {"the bot re-prompted after the silence",
       [](const ScenarioState& s) { return has_event(s, "mark", "name", "prompt:reprompt"); }},
      {"the bot said goodbye and hung up",
       [](const ScenarioState& s) {
         return has_event(s, "mark", "name", "prompt:goodbye") && has_event(s, "agent_hung_up");
       }},
  });
  return {
      .name = "ivr billing menu",
      .description =
          "A caller reaches billing by keypad, talks over the menu, goes quiet, hangs up",
      .agents = {std::move(ivr), checks},
      .script = {agent(),  // greeting and main menu
                 dtmf("1"), interrupt("Wait, what was my balance again?", {.after_seconds = 2.0}),
                 agent(),  // "I can only understand key presses" + options
                 silence(1.0),
                 agent(),  // the re-prompt
                 dtmf("9"),
                 agent(),     // goodbye ...
                 sleep(5.0),  // ... and the hang-up that follows it (sleep ends there)
                 judge()},
  };
}

}  // namespace scenario::examples
