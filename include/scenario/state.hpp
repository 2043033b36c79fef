#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scenario/config.hpp"
#include "scenario/message.hpp"
#include "scenario/voice/timeline.hpp"

namespace scenario {

namespace detail {
class Executor;
}
class VoiceSession;

/// The state of a run, handed to script steps and (read-only) to agents.
class ScenarioState {
 public:
  const std::string& description() const noexcept { return description_; }
  const std::vector<Message>& messages() const noexcept { return messages_; }
  const std::string& thread_id() const noexcept { return thread_id_; }
  /// 0 before the first turn; each time a role has to act again a new turn starts.
  int current_turn() const noexcept { return current_turn_; }
  const ScenarioConfig& config() const noexcept { return config_; }
  /// Voice events so far (empty for text runs).
  std::vector<VoiceEvent> timeline() const;
  /// The voice side of the run, when a voice adapter takes part (nullptr for text runs).
  VoiceSession* voice_session() const noexcept { return voice_; }

  /// std::logic_error when there are no messages / no user message.
  const Message& last_message() const;
  const Message& last_user_message() const;
  /// The most recent call of `function_name` by the assistant.
  std::optional<ToolCall> last_tool_call(std::string_view function_name) const;
  bool has_tool_call(std::string_view function_name) const;

  /// Appends an event to the voice timeline.
  void record_event(VoiceEvent event);

  /// Adds a message as if a script step had (every agent sees it as new).
  void add_message(Message message);
  /// Removes messages from `index` on (clamped to the size) and returns them; agents forget them
  /// too. std::invalid_argument for a negative index.
  std::vector<Message> rollback_messages_to(long index);

 private:
  friend class detail::Executor;
  detail::Executor* executor_ = nullptr;
  std::string description_;
  std::vector<Message> messages_;
  std::string thread_id_;
  int current_turn_ = 0;
  ScenarioConfig config_;
  std::vector<VoiceEvent> timeline_;
  VoiceSession* voice_ = nullptr;
};

}  // namespace scenario
