#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <span>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "scenario/message.hpp"
#include "scenario/result.hpp"
#include "scenario/state.hpp"

namespace scenario {

/// Thrown by a custom step to fail the run with a message (like an assertion in Python).
class ScenarioAssertionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Fails the run with `message` unless `condition` holds. For use inside custom steps.
inline void require(bool condition, const std::string& message) {
  if (!condition) throw ScenarioAssertionError(message);
}

/// One step of a script: a built-in (user(), agent() …) or any callable taking ScenarioState&
/// and returning void, a ScenarioResult (ends the run) or std::optional<ScenarioResult>.
class Step {
 public:
  using Fn = std::function<std::optional<ScenarioResult>(ScenarioState&)>;

  template <typename F>
  requires std::invocable<F&, ScenarioState&> Step(F f, std::string description = "custom step")
      : description_(std::move(description)) {
    using R = std::invoke_result_t<F&, ScenarioState&>;
    if constexpr (std::is_void_v<R>) {
      fn_ = [f = std::move(f)](ScenarioState& s) mutable -> std::optional<ScenarioResult> {
        f(s);
        return std::nullopt;
      };
    } else {
      static_assert(std::is_convertible_v<R, std::optional<ScenarioResult>>,
                    "a script step returns void, ScenarioResult or std::optional<ScenarioResult>");
      fn_ = [f = std::move(f)](ScenarioState& s) mutable -> std::optional<ScenarioResult> {
        return f(s);
      };
    }
  }

  std::optional<ScenarioResult> operator()(ScenarioState& state) const { return fn_(state); }
  const std::string& description() const noexcept { return description_; }

 private:
  Fn fn_;
  std::string description_;
};

using StateCallback = std::function<void(ScenarioState&)>;

/// The user speaks: `content` as given, or (without content) the user simulator agent writes it.
/// On a voice run the line is spoken with the user simulator's voice and effects (or the voice
/// adapter's default voice when there is no simulator with a voice).
Step user(std::optional<std::string> content = std::nullopt);
Step user(Message message);

/// Per-line overrides of how a scripted line is spoken on a voice run.
struct UserLineOptions {
  std::optional<std::string> voice{};        ///< "provider/voice" for this line
  std::optional<std::string> voice_style{};  ///< TTS instructions ("whisper", "sound angry")
  /// Replaces the simulator's effects for this line (an empty list: clean audio).
  std::optional<std::vector<std::function<std::vector<std::int16_t>(std::span<const std::int16_t>, int)>>> audio_effects{};
};
Step user(std::string content, UserLineOptions options);

struct AgentStepOptions {
  std::optional<std::string> content{};
  /// false: start the agent in the background and go on with the script; its reply is added when
  /// a later agent(), judge(), proceed(), succeed(), fail() or the end of the script joins it.
  bool wait = true;
};
/// The agent under test replies (or `content` is used as its reply).
Step agent();
Step agent(std::string content);
Step agent(Message message);
Step agent(AgentStepOptions options);

/// Adds any message to the conversation.
Step message(Message message);

/// Without criteria: the judge gives its final verdict now. With criteria: a checkpoint —
/// continue if all pass, fail the run at once otherwise.
Step judge(std::optional<std::vector<std::string>> criteria = std::nullopt);
Step judge(std::initializer_list<std::string> criteria);

struct ProceedOptions {
  std::optional<int> turns{};  ///< how many more turns; none = until a verdict or max_turns
  StateCallback on_turn{};     ///< after each new turn starts
  StateCallback on_step{};     ///< after each agent acted
};
/// Lets the simulation play out (user → agent → judge …).
Step proceed(ProceedOptions options = {});
Step proceed(int turns);

/// Ends the run with success / failure.
Step succeed(std::optional<std::string> reasoning = std::nullopt);
Step fail(std::optional<std::string> reasoning = std::nullopt);

}  // namespace scenario
