#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "scenario/message.hpp"
#include "scenario/result.hpp"

namespace scenario {

class ScenarioState;

/// The part an agent plays in a scenario.
enum class AgentRole { user, agent, judge };
std::string_view to_string(AgentRole role) noexcept;

/// A request for the judge to give a verdict now. With criteria: a checkpoint on just these
/// (the run continues if all pass). Without: the final verdict on the judge's own criteria.
struct JudgmentRequest {
  std::optional<std::vector<std::string>> criteria{};
};

/// What an agent receives on each call.
struct AgentInput {
  std::string thread_id{};
  std::vector<Message> messages{};      ///< the whole conversation so far
  std::vector<Message> new_messages{};  ///< what was added since this agent last acted
  std::optional<JudgmentRequest> judgment_request{};
  const ScenarioState* scenario_state = nullptr;

  /// The last user message among new_messages; std::logic_error if there is none (an agent
  /// called twice in a row without a user turn in between).
  const Message& last_new_user_message() const;
  /// Its text (for spoken lines, the transcript); std::logic_error if it has none.
  std::string last_new_user_message_str() const;
  const ScenarioState& state() const { return *scenario_state; }
};

/// What an agent may return: nothing (e.g. a judge that lets the run continue), text (becomes a
/// user or assistant message by the agent's role), one message, several messages, or a verdict.
struct AgentReply {
  std::variant<std::monostate, std::string, Message, std::vector<Message>, ScenarioResult> value{};

  AgentReply() = default;
  AgentReply(std::monostate) {}
  AgentReply(std::string text) : value(std::move(text)) {}
  AgentReply(const char* text) : value(std::string(text)) {}
  AgentReply(Message message) : value(std::move(message)) {}
  AgentReply(std::vector<Message> messages) : value(std::move(messages)) {}
  AgentReply(ScenarioResult verdict) : value(std::move(verdict)) {}

  bool is_verdict() const { return std::holds_alternative<ScenarioResult>(value); }
};

/// Base of everything that takes part in a scenario: the agent under test, user simulators,
/// judges. call() may block (it runs on the run's thread, or a background thread for
/// agent(wait=false)); one adapter object may take part in several concurrent runs only if its
/// call() is thread-safe.
class AgentAdapter {
 public:
  virtual ~AgentAdapter() = default;
  virtual AgentRole role() const { return AgentRole::agent; }
  /// Shown in transcripts and errors.
  virtual std::string name() const { return std::string(to_string(role())); }
  virtual AgentReply call(const AgentInput& input) = 0;
};

using AgentPtr = std::shared_ptr<AgentAdapter>;

}  // namespace scenario
