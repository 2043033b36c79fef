#include <iomanip>
#include <sstream>

#include "agents_common.hpp"
#include "scenario/agents.hpp"

namespace scenario {
namespace {

using nlohmann::json;

constexpr const char* kJudgeInstructions =
    "<role>\n"
    "You are the judge in a simulation test of an AI agent. You read the conversation between a "
    "user and the agent "
    "under test and decide whether the agent meets the criteria below.\n"
    "</role>\n"
    "<rules>\n"
    "- Judge only what each criterion asks; add no requirements of your own.\n"
    "- A criterion is \"true\" when the conversation shows it is met, \"false\" when it shows it "
    "is not, and "
    "\"inconclusive\" when the conversation so far does not tell.\n"
    "- Call continue_test while the conversation should go on; call finish_test as soon as you can "
    "decide, or when "
    "told to decide now. The verdict is \"success\" only if every criterion is \"true\".\n"
    "</rules>\n";

std::string criterion_key(std::size_t i) {
  return "criterion_" + std::to_string(i + 1);
}

std::string render_transcript(const std::vector<Message>& messages) {
  std::ostringstream out;
  for (const auto& m : messages) {
    switch (m.role) {
      case Role::user:
        out << "User: " << m.text() << "\n";
        break;
      case Role::assistant:
        if (!m.text().empty()) out << "Agent: " << m.text() << "\n";
        for (const auto& c : m.tool_calls)
          out << "Agent called tool " << c.name << "(" << c.arguments << ")\n";
        break;
      case Role::tool:
        out << "Tool result" << (m.tool_call_id ? " (" + *m.tool_call_id + ")" : "") << ": "
            << m.text() << "\n";
        break;
      default:
        out << to_string(m.role) << ": " << m.text() << "\n";
        break;
    }
  }
  return out.str();
}

std::string render_timeline(const std::vector<VoiceEvent>& events) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2);
  std::size_t shown = 0;
  for (const auto& e : events) {
    if (++shown > 200) {
      out << "… " << (events.size() - 200) << " more events\n";
      break;
    }
    out << "t=" << e.time << "s " << e.type;
    if (e.latency) out << " latency=" << *e.latency << "s";
    if (!e.metadata.empty()) out << " " << e.metadata.dump();
    out << "\n";
  }
  return out.str();
}

json finish_test_schema(const std::vector<std::string>& criteria) {
  json properties = json::object();
  json required = json::array();
  for (std::size_t i = 0; i < criteria.size(); ++i) {
    properties[criterion_key(i)] = {{"type", "string"},
                                    {"enum", {"true", "false", "inconclusive"}},
                                    {"description", criteria[i]}};
    required.push_back(criterion_key(i));
  }
  return {{"type", "object"},
          {"properties",
           {{"criteria",
             {{"type", "object"},
              {"properties", properties},
              {"required", required},
              {"additionalProperties", false}}},
            {"reasoning", {{"type", "string"}, {"description", "why, citing the conversation"}}},
            {"verdict", {{"type", "string"}, {"enum", {"success", "failure", "inconclusive"}}}}}},
          {"required", {"criteria", "reasoning", "verdict"}},
          {"additionalProperties", false}};
}

}  // namespace

JudgeAgent::JudgeAgent(JudgeOptions options) : options_(std::move(options)) {}

llm::ChatRequest JudgeAgent::build_request(const AgentInput& input,
                                           const std::vector<std::string>& criteria,
                                           bool must_decide) const {
  std::ostringstream system;
  system << options_.system_prompt.value_or(kJudgeInstructions);
  if (input.scenario_state)
    system << "<scenario>\n" << input.state().description() << "\n</scenario>\n";
  system << "<criteria>\n";
  for (std::size_t i = 0; i < criteria.size(); ++i)
    system << criterion_key(i) << ": " << criteria[i] << "\n";
  system << "</criteria>\n";

  std::ostringstream conversation;
  conversation << "<transcript>\n" << render_transcript(input.messages) << "</transcript>\n";
  if (input.scenario_state && !input.state().timeline().empty()) {
    conversation << "<voice_timeline>\n"
                 << render_timeline(input.state().timeline()) << "</voice_timeline>\n";
  }
  if (must_decide) conversation << "Decide now: call finish_test.\n";

  llm::ChatRequest request;
  request.messages = {system_message(system.str()), user_message(conversation.str())};
  request.tools = {
      {"continue_test",
       "The conversation should go on before a verdict can be given.",
       {{"type", "object"},
        {"properties", json::object()},
        {"required", json::array()},
        {"additionalProperties", false}}},
      {"finish_test", "Give the verdict on every criterion.", finish_test_schema(criteria)}};
  request.tool_choice = must_decide ? std::optional<std::string>("finish_test")
                                    : std::optional<std::string>("required");
  request.temperature = options_.llm.temperature.value_or(0.0);
  request.max_tokens = options_.llm.max_tokens;
  return request;
}

AgentReply JudgeAgent::parse_reply(const Message& reply, const std::vector<std::string>& criteria,
                                   bool must_decide) {
  if (reply.tool_calls.empty()) {
    throw JudgeResponseError("the judge answered without calling continue_test or finish_test: \"" +
                             reply.text().substr(0, 200) + "\"");
  }
  const ToolCall& call = reply.tool_calls.front();
  if (call.name == "continue_test") {
    if (must_decide)
      throw JudgeResponseError("the judge called continue_test when a verdict was required");
    return std::monostate{};
  }
  if (call.name != "finish_test")
    throw JudgeResponseError("the judge called an unknown tool '" + call.name + "'");
  json args;
  try {
    args = json::parse(call.arguments);
  } catch (const json::parse_error& e) {
    throw JudgeResponseError("finish_test arguments are not JSON: " + std::string(e.what()));
  }
  if (!args.is_object() || !args.contains("verdict") || !args["verdict"].is_string()) {
    throw JudgeResponseError("finish_test arguments have no verdict: " + call.arguments);
  }
  const std::string verdict = args["verdict"].get<std::string>();
  if (verdict != "success" && verdict != "failure" && verdict != "inconclusive") {
    throw JudgeResponseError("finish_test verdict must be success, failure or inconclusive, got '" +
                             verdict + "'");
  }
  ScenarioResult result;
  result.reasoning = args.value("reasoning", "");
  const json values = args.value("criteria", json::object());
  for (std::size_t i = 0; i < criteria.size(); ++i) {
    const std::string key = criterion_key(i);
    if (!values.contains(key))
      throw JudgeResponseError("finish_test gave no value for " + key + " (\"" + criteria[i] +
                               "\")");
    const json& v = values[key];
    // Some models answer booleans instead of the strings the schema asks for; accept both.
    const std::string value = v.is_boolean()  ? (v.get<bool>() ? "true" : "false")
                              : v.is_string() ? v.get<std::string>()
                                              : "";
    if (value == "true") {
      result.passed_criteria.push_back(criteria[i]);
    } else if (value == "false" || value == "inconclusive") {
      result.failed_criteria.push_back(value == "inconclusive" ? criteria[i] + " (inconclusive)"
                                                               : criteria[i]);
    } else {
      throw JudgeResponseError("finish_test value for " + key +
                               " must be true, false or inconclusive, got " + v.dump());
    }
  }
  result.success = verdict == "success" && result.failed_criteria.empty();
  if (verdict == "success" && !result.failed_criteria.empty()) {
    result.reasoning += " [verdict said success, but not every criterion is true]";
  }
  return result;
}

AgentReply JudgeAgent::call(const AgentInput& input) {
  const bool forced = input.judgment_request.has_value();
  const std::vector<std::string> criteria = forced && input.judgment_request->criteria
                                                ? *input.judgment_request->criteria
                                                : options_.criteria;
  const bool last_turn = input.scenario_state && input.state().current_turn() + 1 >=
                                                     input.state().config().max_turns_or_default();
  const bool must_decide = forced || last_turn;
  auto client = detail::chat_client_for(options_.llm, input);
  const auto response =
      client.complete(build_request(input, criteria, must_decide), detail::cache_key_of(input));
  return parse_reply(response.message, criteria, must_decide);
}

std::shared_ptr<JudgeAgent> judge_agent(JudgeOptions options) {
  return std::make_shared<JudgeAgent>(std::move(options));
}

}  // namespace scenario
