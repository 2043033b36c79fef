#include "scenario/script.hpp"

#include "executor.hpp"

namespace scenario {
namespace {

using detail::Executor;

std::string quoted(const std::optional<std::string>& text) {
  if (!text) return "";
  constexpr std::size_t kMax = 40;
  return "\"" + (text->size() > kMax ? text->substr(0, kMax) + "…" : *text) + "\"";
}

}  // namespace

Step user(std::optional<std::string> content) {
  if (!content)
    return Step([](ScenarioState& s) { return Executor::of(s).user(std::nullopt); }, "user()");
  return Step([line = *content](ScenarioState& s) { return Executor::of(s).user_line(line, {}); },
              "user(" + quoted(content) + ")");
}

Step user(std::string content, UserLineOptions options) {
  return Step(
      [content, options](ScenarioState& s) { return Executor::of(s).user_line(content, options); },
      "user(" + quoted(std::optional<std::string>(content)) + ", options)");
}

Step user(Message message) {
  return Step([message](ScenarioState& s) { return Executor::of(s).user(message); },
              "user(message)");
}

Step agent() {
  return agent(AgentStepOptions{});
}
Step agent(std::string content) {
  return agent(AgentStepOptions{.content = std::move(content)});
}

Step agent(Message message) {
  return Step([message](ScenarioState& s) { return Executor::of(s).agent(message, true); },
              "agent(message)");
}

Step agent(AgentStepOptions options) {
  std::optional<Message> message;
  if (options.content) message = assistant_message(*options.content);
  const bool wait = options.wait;
  return Step([message, wait](ScenarioState& s) { return Executor::of(s).agent(message, wait); },
              std::string("agent(") + quoted(options.content) + (wait ? "" : " wait=false") + ")");
}

Step message(Message message) {
  return Step([message](ScenarioState& s) { return Executor::of(s).message(message); },
              "message()");
}

Step judge(std::optional<std::vector<std::string>> criteria) {
  const std::string description =
      criteria ? "judge(" + std::to_string(criteria->size()) + " criteria)" : "judge()";
  return Step([criteria](ScenarioState& s) { return Executor::of(s).judge(criteria); },
              description);
}

Step judge(std::initializer_list<std::string> criteria) {
  return judge(std::vector<std::string>(criteria));
}

Step proceed(ProceedOptions options) {
  const std::string description =
      options.turns ? "proceed(" + std::to_string(*options.turns) + ")" : "proceed()";
  return Step([options](ScenarioState& s) { return Executor::of(s).proceed(options); },
              description);
}

Step proceed(int turns) {
  return proceed(ProceedOptions{.turns = turns});
}

Step succeed(std::optional<std::string> reasoning) {
  return Step(
      [reasoning](ScenarioState& s) -> std::optional<ScenarioResult> {
        return Executor::of(s).conclude(true, reasoning);
      },
      "succeed()");
}

Step fail(std::optional<std::string> reasoning) {
  return Step(
      [reasoning](ScenarioState& s) -> std::optional<ScenarioResult> {
        return Executor::of(s).conclude(false, reasoning);
      },
      "fail()");
}

}  // namespace scenario
