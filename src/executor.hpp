#pragma once
// Internal: the engine behind scenario::run. Turn accounting follows the Python Scenario executor:
// a turn gives each role (user, agent, judge) its go in that order; when a script asks a role to
// act again in the same turn, a new turn starts.

#include <chrono>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenario/run.hpp"
#include "scenario/state.hpp"
#include "scenario/voice/adapter.hpp"

namespace scenario::detail {

/// An agent threw: carries the agent's name and role so the result can say who failed.
class AgentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Executor {
 public:
  explicit Executor(const RunSpec& spec);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  ScenarioResult run();

  static Executor& of(ScenarioState& state);

  // What the script steps do.
  std::optional<ScenarioResult> user(std::optional<Message> content);
  /// A scripted line; on voice runs spoken with the simulator's voice/effects or the overrides.
  std::optional<ScenarioResult> user_line(const std::string& content,
                                          const UserLineOptions& options);
  std::optional<ScenarioResult> agent(std::optional<Message> content, bool wait);
  std::optional<ScenarioResult> message(Message message);
  std::optional<ScenarioResult> judge(std::optional<std::vector<std::string>> criteria);
  std::optional<ScenarioResult> proceed(const ProceedOptions& options);
  ScenarioResult conclude(bool success, std::optional<std::string> reasoning);
  /// interrupt(): the voice agent starts its reply to what it has not heard yet, then is
  /// interrupted by `content` (spoken with the adapter's default voice).
  std::optional<ScenarioResult> voice_interrupt(const std::string& content,
                                                const InterruptOptions& options);

  void add_message(Message message, std::optional<std::size_t> from_agent);
  std::vector<Message> rollback_messages_to(long index);

 private:
  struct StepOutcome {
    bool acted = false;
    std::optional<ScenarioResult> verdict;
  };
  struct Background {
    std::size_t agent_index;
    std::future<AgentReply> reply;
    std::chrono::steady_clock::time_point started;
  };

  void new_turn();
  std::optional<std::size_t> next_agent_for_role(AgentRole role) const;
  bool has_role(AgentRole role) const;
  StepOutcome step(bool go_to_next_turn, const StateCallback& on_turn);
  std::optional<ScenarioResult> call_agent(std::size_t index,
                                           std::optional<JudgmentRequest> judgment);
  std::optional<ScenarioResult> script_call_agent(AgentRole role, std::optional<Message> content,
                                                  std::optional<JudgmentRequest> judgment);
  std::optional<ScenarioResult> take_reply(std::size_t index, AgentReply reply);
  std::optional<ScenarioResult> join_background();
  ScenarioResult reached_limit(const std::string& reason);
  ScenarioResult finish(ScenarioResult result);
  AgentInput input_for(std::size_t index, std::optional<JudgmentRequest> judgment,
                       const ScenarioState* state) const;
  std::string agent_label(std::size_t index) const;

  RunSpec spec_;
  ScenarioState state_;
  std::unique_ptr<VoiceSession> voice_;
  VoiceAgentAdapter* voice_adapter_ = nullptr;
  std::vector<AgentRole> pending_roles_;
  std::vector<bool> pending_agents_;
  /// Per agent: positions in the conversation of the messages it has not seen yet.
  std::vector<std::vector<std::size_t>> pending_messages_;
  std::vector<std::string> checkpoint_passed_;
  std::optional<Background> background_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::duration<double> agent_time_{0};
  bool verbose_ = false;
};

}  // namespace scenario::detail
