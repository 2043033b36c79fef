#include "scenario/agent.hpp"

#include <stdexcept>

namespace scenario {

std::string_view to_string(AgentRole role) noexcept {
  switch (role) {
    case AgentRole::user:
      return "user";
    case AgentRole::agent:
      return "agent";
    case AgentRole::judge:
      return "judge";
  }
  return "agent";
}

const Message& AgentInput::last_new_user_message() const {
  for (auto it = new_messages.rbegin(); it != new_messages.rend(); ++it) {
    if (it->role == Role::user) return *it;
  }
  throw std::logic_error(
      "no new user message since this agent last replied (was it called twice in a row? use the "
      "full "
      "messages list instead)");
}

std::string AgentInput::last_new_user_message_str() const {
  const Message& m = last_new_user_message();
  // Text content, or the text of its parts (a spoken line carries its transcript).
  std::string text = m.text();
  if (text.empty() && (!m.content || !m.parts.empty())) {
    throw std::logic_error(
        "the last user message has no text (audio without a transcript?); use the full message "
        "instead");
  }
  return text;
}

}  // namespace scenario
