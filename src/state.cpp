#include "scenario/state.hpp"

#include <stdexcept>

#include "executor.hpp"
#include "scenario/voice/adapter.hpp"

namespace scenario {

const Message& ScenarioState::last_message() const {
  if (messages_.empty()) throw std::logic_error("no messages yet");
  return messages_.back();
}

const Message& ScenarioState::last_user_message() const {
  for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
    if (it->role == Role::user) return *it;
  }
  throw std::logic_error("no user message yet");
}

std::optional<ToolCall> ScenarioState::last_tool_call(std::string_view function_name) const {
  for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
    if (it->role != Role::assistant) continue;
    for (auto call = it->tool_calls.rbegin(); call != it->tool_calls.rend(); ++call) {
      if (call->name == function_name) return *call;
    }
  }
  return std::nullopt;
}

bool ScenarioState::has_tool_call(std::string_view function_name) const {
  return last_tool_call(function_name).has_value();
}

std::vector<VoiceEvent> ScenarioState::timeline() const {
  return voice_ != nullptr ? voice_->recorder().events() : timeline_;
}

void ScenarioState::record_event(VoiceEvent event) {
  if (voice_ != nullptr) {
    voice_->recorder().event(std::move(event));
  } else {
    timeline_.push_back(std::move(event));
  }
}

void ScenarioState::add_message(Message message) {
  detail::Executor::of(*this).add_message(std::move(message), std::nullopt);
}

std::vector<Message> ScenarioState::rollback_messages_to(long index) {
  return detail::Executor::of(*this).rollback_messages_to(index);
}

}  // namespace scenario
