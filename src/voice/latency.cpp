#include <algorithm>

#include "scenario/audio/analysis.hpp"
#include "scenario/audio/vad.hpp"
#include "scenario/voice/recorder.hpp"

namespace scenario {

namespace {

// Each agent turn's figures, found from the runtime's agent_start_speaking events (which carry
// the turn and its trigger) and the speech in the recording.
std::vector<TurnLatency> per_turn(const std::vector<VoiceEvent>& events,
                                  const std::vector<audio::SpeechSegment>& user,
                                  const std::vector<audio::SpeechSegment>& agent, int rate) {
  std::vector<TurnLatency> turns;
  for (const auto& e : events) {
    if (e.type != "agent_start_speaking" || !e.metadata.contains("turn")) continue;
    turns.push_back({.turn = e.metadata["turn"].get<int>(),
                     .trigger = e.metadata.value("trigger", "none"),
                     .heard_at = e.time});
  }
  for (const auto& e : events) {
    if (e.type != "agent_first_audio" || !e.latency || !e.metadata.contains("turn")) continue;
    for (auto& t : turns)
      if (t.turn == e.metadata["turn"].get<int>()) t.time_to_first_audio = e.latency;
  }
  for (std::size_t i = 0; i < turns.size(); ++i) {
    auto& t = turns[i];
    if (t.trigger != "speech") continue;
    // The turn's first speech onset (20 ms before it started being heard at the earliest, and
    // before the next turn), and the end of the caller's last speech before it.
    const auto from = static_cast<std::int64_t>(t.heard_at * rate) - rate / 50;
    const auto until =
        i + 1 < turns.size() ? static_cast<std::int64_t>(turns[i + 1].heard_at * rate) : INT64_MAX;
    const auto onset = std::find_if(agent.begin(), agent.end(), [&](const auto& a) {
      return a.start_sample >= from && a.start_sample < until;
    });
    if (onset == agent.end()) continue;
    const audio::SpeechSegment* before = nullptr;
    for (const auto& u : user)
      if (u.end_sample <= onset->start_sample) before = &u;
    if (before != nullptr)
      t.response_latency = static_cast<double>(onset->start_sample - before->end_sample) / rate;
  }
  return turns;
}

}  // namespace

audio::VadOptions latency_vad_options() {
  audio::VadOptions vad;
  vad.hangover = std::chrono::milliseconds(300);
  return vad;
}

LatencyMetrics measure_latency(const VoiceRecording& recording,
                               const std::vector<VoiceEvent>& events) {
  LatencyMetrics m;
  const int rate = recording.sample_rate;
  // The recorder found the speech as the call went on; a recording from elsewhere is read here.
  const RecordedSpeech speech =
      recording.speech
          ? *recording.speech
          : RecordedSpeech{
                .user = audio::detect_speech(recording.user, rate, latency_vad_options()),
                .agent = audio::detect_speech(recording.agent, rate, latency_vad_options())};
  const auto& user = speech.user;
  const auto& agent = speech.agent;
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
    // Nothing audible after the onset is a real 0 (the agent stopped at once) only when the
    // agent was audible just before it; otherwise the interrupt met no speech to cut, and there is
    // no figure (never a 0 that means "not measured").
    std::optional<double> response;
    const audio::OnsetOptions audible{.threshold_dbfs = -60.0, .window_samples = rate / 500};
    const auto agent_track = std::span<const std::int16_t>(recording.agent);
    if (until > onset && onset < static_cast<std::int64_t>(agent_track.size())) {
      const auto slice = agent_track.subspan(
          static_cast<std::size_t>(onset),
          static_cast<std::size_t>(
              std::min<std::int64_t>(until, static_cast<std::int64_t>(agent_track.size())) -
              onset));
      if (const auto last = audio::find_offset(slice, audible)) response = seconds(*last);
    }
    if (!response && onset > 0 && onset <= static_cast<std::int64_t>(agent_track.size())) {
      const auto before = std::min<std::int64_t>(onset, rate / 5);
      if (audio::find_offset(agent_track.subspan(static_cast<std::size_t>(onset - before),
                                                 static_cast<std::size_t>(before)),
                             audible))
        response = 0.0;
    }
    if (response) m.interrupt_response_times.push_back(*response);
    m.interrupts.push_back({.turn = e.metadata.value("interrupted_turn", 0),
                            .agent_started_at = e.metadata.value("interrupted_started_at", 0.0),
                            .at = e.time,
                            .outcome = e.metadata.value("outcome", ""),
                            .response_time = response});
  }
  m.turns = per_turn(events, user, agent, rate);
  return m;
}

}  // namespace scenario

namespace scenario {

TokenUsage sum_token_usage(const std::vector<VoiceEvent>& timeline) {
  TokenUsage usage;
  for (const auto& e : timeline) {
    if (e.type != "token_usage") continue;
    usage.input_tokens += e.metadata.value("input_tokens", std::int64_t{0});
    usage.output_tokens += e.metadata.value("output_tokens", std::int64_t{0});
    usage.total_tokens += e.metadata.value("total_tokens", std::int64_t{0});
    ++usage.responses;
  }
  return usage;
}

}  // namespace scenario
