#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace scenario {

/// One event on a voice run's timeline (seconds from the start of the run).
struct VoiceEvent {
  double time = 0.0;
  std::string type{};  ///< user_start_speaking, agent_start_speaking, user_interrupt, dtmf_sent …
  std::optional<double> latency{};
  nlohmann::json metadata = nlohmann::json::object();
};

/// Latency figures of a voice run, each measured from the audio (see the voice runtime).
/// Empty for text runs.
struct LatencyMetrics {
  std::vector<double> response_latencies{};  ///< per turn: agent speech onset − user speech end, s
  std::vector<double>
      time_to_first_audio{};  ///< per turn: first agent audio − end of user audio, s
  std::vector<double> interrupt_response_times{};  ///< barge-in onset → last agent sample heard, s

  bool empty() const noexcept { return response_latencies.empty(); }
  std::optional<double> average() const;
  /// Nearest-rank percentile of the response latencies (p in 0..100); nullopt when empty.
  std::optional<double> percentile(double p) const;
  std::optional<double> p50() const { return percentile(50); }
  std::optional<double> p95() const { return percentile(95); }
  std::optional<double> p99() const { return percentile(99); }
  std::optional<double> max() const { return percentile(100); }
};

/// What the caller heard: left = user, right = agent, on the run's timeline. Empty for text runs.
struct VoiceRecording {
  int sample_rate = 24000;
  std::vector<std::int16_t> user{};
  std::vector<std::int16_t> agent{};
  bool empty() const noexcept { return user.empty() && agent.empty(); }
  double duration_seconds() const noexcept {
    return static_cast<double>(std::max(user.size(), agent.size())) / sample_rate;
  }
};

}  // namespace scenario
