#pragma once

#include <optional>
#include <string>

namespace scenario {

/// Settings of a run. Every field is optional: a run uses, from lowest to highest precedence,
/// the built-in defaults, the environment (SCENARIO_* variables, see README), scenario::configure()
/// and the run's own options.
struct ScenarioConfig {
  std::optional<std::string>
      default_model{};                     ///< "provider/model" for the user simulator and judge
  std::optional<int> max_turns{};          ///< default 10
  std::optional<bool> verbose{};           ///< live transcript on stdout (default: off)
  std::optional<std::string> cache_key{};  ///< keys the record/replay cache
  std::optional<bool> debug{};             ///< extra diagnostics on stderr

  /// This config with every field `other` sets taken from `other`.
  ScenarioConfig merged_with(const ScenarioConfig& other) const;

  int max_turns_or_default() const { return max_turns.value_or(10); }
};

/// Sets process-wide defaults (merged into what was configured before). Thread-safe; runs take a
/// copy when they start, so changing it never affects a run in progress.
void configure(const ScenarioConfig& config);
/// Forgets everything configure() set (tests use it).
void reset_configuration();

/// Defaults < environment < configure(). The environment is read at each call:
///   SCENARIO_DEFAULT_MODEL, SCENARIO_MAX_TURNS, SCENARIO_VERBOSE (1/true/0/false),
///   SCENARIO_CACHE_KEY, SCENARIO_DEBUG.
ScenarioConfig effective_configuration();

}  // namespace scenario
