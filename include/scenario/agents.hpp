#pragma once
// Ready-made agents: the LLM user simulator and judge, and deterministic alternatives for runs
// without a model (a scripted user and a judge made of checks).

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "scenario/agent.hpp"
#include "scenario/llm/chat.hpp"
#include "scenario/speech.hpp"
#include "scenario/state.hpp"

namespace scenario {

/// Shared by the LLM agents: which model, where, and how to call it. Unset model: the run's
/// default_model (scenario::configure / SCENARIO_DEFAULT_MODEL), else openai/gpt-4.1-mini.
struct ModelOptions {
  std::optional<std::string> model{};
  llm::EndpointOverrides endpoint{};
  std::optional<double> temperature{};
  std::optional<int> max_tokens{};
  llm::RetryPolicy retry{};
  std::chrono::milliseconds timeout{60000};
  // Injection points (tests use a fake clock; nullptr = the real thing).
  std::shared_ptr<http::Client> http{};
  std::shared_ptr<llm::CallCache> cache{};
  std::shared_ptr<llm::Sleeper> sleeper{};
};

/// The judge's answer was not a usable continue_test / finish_test call.
class JudgeResponseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct JudgeOptions {
  std::vector<std::string> criteria{};
  ModelOptions llm{};
  /// Replaces the built-in instructions (criteria are still appended).
  std::optional<std::string> system_prompt{};
};

/// LLM judge: decides through the continue_test / finish_test tools, one strict
/// "true" | "false" | "inconclusive" per criterion. A run passes only when the verdict is
/// "success" and every criterion is "true". On the last turn, or when the script asks for a
/// judgment, it must call finish_test. For voice runs its input carries the transcript and a
/// compact timeline (latencies, interruptions, DTMF).
class JudgeAgent : public AgentAdapter {
 public:
  explicit JudgeAgent(JudgeOptions options);
  AgentRole role() const override { return AgentRole::judge; }
  std::string name() const override { return "judge"; }
  AgentReply call(const AgentInput& input) override;

  /// The chat request the judge would send for this input (tests check the prompt shape).
  llm::ChatRequest build_request(const AgentInput& input, const std::vector<std::string>& criteria,
                                 bool must_decide) const;
  /// Turns the model's reply into a verdict (or nothing for continue_test). Throws
  /// JudgeResponseError for a malformed reply.
  static AgentReply parse_reply(const Message& reply, const std::vector<std::string>& criteria,
                                bool must_decide);

 private:
  JudgeOptions options_;
};

struct UserSimulatorOptions {
  ModelOptions llm{};
  /// Replaces the built-in instructions entirely.
  std::optional<std::string> system_prompt{};
  /// Who the simulated user is ("an impatient retiree who mishears numbers").
  std::optional<std::string> persona{};
  /// "provider/voice" (openai/alloy, elevenlabs/<voice_id>, espeak/en-us): each line also carries
  /// its speech as an audio part. Effects are applied after the TTS cache, so changing them never
  /// invalidates recorded speech.
  std::optional<std::string> voice{};
  std::vector<AudioEffect> audio_effects{};
  /// Chance per turn that the user barges in on the agent (voice runs); drawn from an RNG seeded
  /// by the scenario's cache key, so reruns decide the same.
  double interrupt_probability = 0.0;
};

/// LLM user simulator: the model plays the user (roles reversed), guided by the scenario
/// description and persona, writing short, human-like lines.
class UserSimulatorAgent : public AgentAdapter {
 public:
  explicit UserSimulatorAgent(UserSimulatorOptions options);
  AgentRole role() const override { return AgentRole::user; }
  std::string name() const override { return "user simulator"; }
  AgentReply call(const AgentInput& input) override;

  llm::ChatRequest build_request(const AgentInput& input) const;
  /// Whether the user interrupts on this turn: deterministic in (cache key, turn).
  bool interrupts_on_turn(int turn, const std::optional<std::string>& cache_key) const;
  const UserSimulatorOptions& options() const noexcept { return options_; }

 private:
  UserSimulatorOptions options_;
};

/// A user that says fixed lines in order (the last one again when they run out), with optional
/// voice like the simulator.
class ScriptedUser : public AgentAdapter {
 public:
  explicit ScriptedUser(std::vector<std::string> lines,
                        std::optional<std::string> voice = std::nullopt,
                        std::vector<AudioEffect> effects = {});
  AgentRole role() const override { return AgentRole::user; }
  std::string name() const override { return "scripted user"; }
  AgentReply call(const AgentInput& input) override;

 private:
  std::vector<std::string> lines_;
  std::optional<std::string> voice_;
  std::vector<AudioEffect> effects_;
  std::size_t next_ = 0;
  std::mutex mutex_;
};

/// A named check over the conversation.
struct Check {
  std::string criterion;
  std::function<bool(const ScenarioState&)> holds;
};

/// A judge without a model: each criterion is a check. Asked for a verdict (judge() steps, max
/// turns, end of script), it passes when every check holds; inline criteria are looked up by
/// name (an unknown one fails, as inconclusive). On ordinary turns it lets the run continue, or,
/// with finish_when_all_pass, ends it with success as soon as all checks hold.
class CheckJudge : public AgentAdapter {
 public:
  explicit CheckJudge(std::vector<Check> checks, bool finish_when_all_pass = false);
  AgentRole role() const override { return AgentRole::judge; }
  std::string name() const override { return "check judge"; }
  AgentReply call(const AgentInput& input) override;

 private:
  ScenarioResult evaluate(const ScenarioState& state,
                          const std::vector<std::string>& criteria) const;
  std::vector<Check> checks_;
  bool finish_when_all_pass_;
};

/// Factories: `agents = {bot, scenario::user_simulator({…}), scenario::judge_agent({.criteria =
/// {…}})}`. (The judge factory is not called `judge`: GCC 12 cannot tell `judge({.criteria = …})`
/// from the script step `judge({"criterion", …})`.)
std::shared_ptr<UserSimulatorAgent> user_simulator(UserSimulatorOptions options = {});
std::shared_ptr<JudgeAgent> judge_agent(JudgeOptions options);

}  // namespace scenario
