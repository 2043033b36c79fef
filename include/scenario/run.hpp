#pragma once

#include <future>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/agent.hpp"
#include "scenario/result.hpp"
#include "scenario/script.hpp"
#include "scenario/voice/clock.hpp"

namespace scenario {

/// Everything about one run. Unset options fall back to scenario::configure() / the environment.
struct RunSpec {
  std::string name{};
  std::string description{};
  std::vector<AgentPtr> agents{};
  /// Empty: proceed() until a verdict or max_turns.
  std::vector<Step> script{};
  std::optional<int> max_turns{};
  std::optional<bool> verbose{};
  std::optional<std::string> cache_key{};
  std::optional<bool> debug{};
  std::optional<std::string> set_id{};
  nlohmann::json metadata = nlohmann::json::object();
  /// The run's clock for voice runs (real time when unset). A VirtualClock makes in-process voice
  /// runs exact, repeatable and faster than real time.
  std::shared_ptr<Clock> clock{};
};

/// Plays the scenario out and returns its result. Never throws for what agents or steps do: an
/// exception there becomes a failed result naming the agent or step and the error.
/// Throws std::invalid_argument only for a spec that cannot run (e.g. no agents and no script).
ScenarioResult run(const RunSpec& spec);

/// The same on a thread of its own; runs share no mutable state, so many may run at once.
std::future<ScenarioResult> run_async(RunSpec spec);

}  // namespace scenario
