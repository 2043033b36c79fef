#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "scenario/message.hpp"
#include "scenario/voice/timeline.hpp"

namespace scenario {

/// The outcome of a scenario run.
struct ScenarioResult {
  bool success = false;
  std::string reasoning{};
  std::vector<std::string> passed_criteria{};
  std::vector<std::string> failed_criteria{};
  std::vector<Message> messages{};
  std::chrono::duration<double> total_time{0};
  std::chrono::duration<double> agent_time{0};

  // Voice runs only: present, empty for text runs.
  VoiceRecording recording{};
  std::vector<VoiceEvent> timeline{};
  LatencyMetrics latency{};
  TokenUsage usage{};  ///< tokens the agent's model reported (realtime APIs)

  // Carried from the run specification.
  std::string name{};
  std::optional<std::string> set_id{};
  nlohmann::json metadata = nlohmann::json::object();

  static ScenarioResult succeeded(std::string reasoning) {
    return {.success = true, .reasoning = std::move(reasoning)};
  }
  static ScenarioResult failed(std::string reasoning) {
    return {.success = false, .reasoning = std::move(reasoning)};
  }
};

}  // namespace scenario
