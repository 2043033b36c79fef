#include <algorithm>

#include "scenario/audio/analysis.hpp"
#include "scenario/audio/vad.hpp"
#include "scenario/voice/recorder.hpp"

namespace scenario {

LatencyMetrics measure_latency(const VoiceRecording& recording,
                               const std::vector<VoiceEvent>& events) {
  LatencyMetrics m;
  const int rate = recording.sample_rate;
  audio::VadOptions vad;
  vad.hangover = std::chrono::milliseconds(300);
  const auto user = audio::detect_speech(recording.user, rate, vad);
  const auto agent = audio::detect_speech(recording.agent, rate, vad);
  auto seconds = [rate](std::int64_t s) { return static_cast<double>(s) / rate; };

  for (std::size_t i = 0; i < user.size(); ++i) {
    const std::int64_t user_end = user[i].end_sample;
    const std::int64_t next_user = i + 1 < user.size() ? user[i + 1].start_sample : INT64_MAX;
    // The agent's answer: its first speech onset after the user stopped, before the user speaks
    // again.
    const auto reply = std::find_if(agent.begin(), agent.end(), [&](const audio::SpeechSegment& a) {
      return a.start_sample >= user_end && a.start_sample < next_user;
    });
    if (reply != agent.end())
      m.response_latencies.push_back(seconds(reply->start_sample - user_end));
  }

  for (const auto& e : events) {
    if (e.type == "measurement_degraded") {
      m.measurement_degraded = true;
      m.worst_pacing_lateness =
          std::max(m.worst_pacing_lateness, e.metadata.value("lateness_ms", 0.0) / 1000.0);
    }
    if (e.type == "agent_first_audio" && e.latency) m.time_to_first_audio.push_back(*e.latency);
    if (e.type != "user_interrupt") continue;
    const auto at = static_cast<std::int64_t>(e.time * rate);
    // Barge-in onset: the user speech that starts at (or spans) the interrupt.
    const auto barge = std::find_if(user.begin(), user.end(), [&](const audio::SpeechSegment& u) {
      return u.end_sample > at - rate / 20;
    });
    if (barge == user.end()) continue;
    const std::int64_t onset = std::max(barge->start_sample, std::min(at, barge->end_sample));
    // The last agent sample heard: the last audible sample after the onset, up to where the
    // agent's next utterance (its answer to the interruption) begins.
    const auto next = std::find_if(agent.begin(), agent.end(), [&](const audio::SpeechSegment& a) {
      return a.start_sample > onset;
    });
    const std::int64_t until = next == agent.end()
                                   ? static_cast<std::int64_t>(recording.agent.size())
                                   : next->start_sample;
    double response = 0.0;
    if (until > onset) {
      const auto slice =
          std::span<const std::int16_t>(recording.agent)
              .subspan(static_cast<std::size_t>(onset), static_cast<std::size_t>(until - onset));
      if (const auto last =
              audio::find_offset(slice, {.threshold_dbfs = -60.0, .window_samples = rate / 500}))
        response = seconds(*last);
    }
    m.interrupt_response_times.push_back(response);
  }
  return m;
}

}  // namespace scenario
