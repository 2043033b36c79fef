#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/audio/vad.hpp"
#include "scenario/voice/sample_track.hpp"

namespace scenario {

/// One event on a voice run's timeline (seconds from the start of the run).
struct VoiceEvent {
  double time = 0.0;
  std::string type{};  ///< user_start_speaking, agent_start_speaking, user_interrupt, dtmf_sent …
  std::optional<double> latency{};
  nlohmann::json metadata = nlohmann::json::object();
};

/// The figures of one agent turn, with what the caller did to trigger it.
struct TurnLatency {
  int turn = 0;  ///< the agent's turns numbered from 1 in the order of the run
  /// What came from the caller since the agent's previous turn: "speech", "dtmf", "silence", or
  /// "none" (the agent spoke first or again unprompted).
  std::string trigger = "none";
  double heard_at = 0.0;  ///< when the agent started being heard, s
  /// Agent speech onset − end of the caller's speech (both found in the audio); only for speech.
  std::optional<double> response_latency{};
  /// First agent audio − end of the caller's input (speech, tones, key press or silence).
  std::optional<double> time_to_first_audio{};
};

/// One interrupt: what it interrupted and how fast the agent stopped.
struct InterruptLatency {
  int turn = 0;                   ///< the agent turn that was interrupted
  double agent_started_at = 0.0;  ///< when that turn started being heard, s
  double at = 0.0;                ///< the interrupt (barge-in or native), s
  std::string outcome{};          ///< agent_stopped / agent_continued
  /// Barge-in onset → last agent sample heard; empty when it could not be measured (never 0 for
  /// "not measured").
  std::optional<double> response_time{};
};

/// Latency figures of a voice run, each measured from the audio (see the voice runtime).
/// Empty for text runs.
struct LatencyMetrics {
  std::vector<double> response_latencies{};  ///< per turn: agent speech onset − user speech end, s
  std::vector<double>
      time_to_first_audio{};  ///< per turn: first agent audio − end of user audio, s
  std::vector<double> interrupt_response_times{};  ///< barge-in onset → last agent sample heard, s
  /// The same figures per agent turn and per interrupt, each with its turn index: the flat lists
  /// above leave out what could not be measured, so they cannot be paired by position.
  std::vector<TurnLatency> turns{};
  std::vector<InterruptLatency> interrupts{};
  /// The machine was too loaded to measure honestly: caller frames left later than the pacing
  /// bound during the run (see the `measurement_degraded` events for when and by how much), so
  /// the audio the agent received may be spaced differently from the recording.
  bool measurement_degraded = false;
  /// The latest a caller frame left after its deadline, s (0 when every frame was on time).
  double worst_pacing_lateness = 0.0;

  bool empty() const noexcept { return response_latencies.empty(); }
  std::optional<double> average() const;
  /// Nearest-rank percentile of the response latencies (p in 0..100); nullopt when empty.
  std::optional<double> percentile(double p) const;
  std::optional<double> p50() const { return percentile(50); }
  std::optional<double> p95() const { return percentile(95); }
  std::optional<double> p99() const { return percentile(99); }
  std::optional<double> max() const { return percentile(100); }
};

enum class Speaker { user, agent };
std::string_view to_string(Speaker speaker) noexcept;

/// One utterance on the timeline, as placed (seconds from the start of the run).
struct Segment {
  Speaker speaker = Speaker::user;
  double start = 0.0;
  double end = 0.0;
  std::string transcript{};
  /// The utterance was cut short (an interrupt): the transcript may run past what was heard.
  bool transcript_truncated = false;
};

/// Options of the manifest written with a recording.
struct ManifestInfo {
  std::string scenario_name{};
  std::optional<bool> success{};
  std::string reasoning{};
  /// "generated_at" (ISO 8601); left empty → now, UTC.
  std::string generated_at{};
};

/// Tokens the agent's model used over a run (from its `token_usage` events), for cost.
struct TokenUsage {
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t total_tokens = 0;
  int responses = 0;  ///< responses that reported usage
};
/// Sums the `token_usage` events of a timeline.
TokenUsage sum_token_usage(const std::vector<VoiceEvent>& timeline);

/// Speech found in each track of a recording (sample positions at its rate).
struct RecordedSpeech {
  std::vector<audio::SpeechSegment> user{};
  std::vector<audio::SpeechSegment> agent{};
};

/// What the caller heard: left = user, right = agent, on the run's timeline, with the utterances,
/// events and latency of the run. Empty for text runs.
struct VoiceRecording {
  int sample_rate = 24000;
  SampleTrack user{};
  SampleTrack agent{};
  std::vector<Segment> segments{};
  std::vector<VoiceEvent> events{};
  LatencyMetrics latency{};
  TokenUsage usage{};
  ManifestInfo info{};
  /// The speech in both tracks, found by the recorder while the call went on with the detector
  /// measure_latency() uses, so the figures need not read a long call's tracks again. Absent when
  /// not known (then measure_latency() finds it in the tracks).
  std::optional<RecordedSpeech> speech{};

  bool empty() const noexcept { return user.empty() && agent.empty(); }
  double duration_seconds() const noexcept {
    return static_cast<double>(std::max(user.size(), agent.size())) / sample_rate;
  }
  /// Stereo file, container by extension (.wav .flac .mp3 .ogg).
  void save(const std::filesystem::path& path) const;
  /// segments/NN-role-NNNNms.wav, full.wav and manifest.json in `directory` (nothing outside it).
  nlohmann::json save_segments(const std::filesystem::path& directory) const;
  /// The mono mix of both sides (what a single-channel recorder would have captured).
  std::vector<std::int16_t> mono_mix() const;
};

}  // namespace scenario
