#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace scenario::audio {

struct VadOptions {
  /// 0 (least aggressive: most audio counts as voice) … 3 (most aggressive). Maps to the WebRTC
  /// voice detector's likelihood settings High, Moderate, Low, VeryLow.
  int aggressiveness = 2;
  /// How far before the first voiced frame the exact onset of the sound is searched for.
  std::chrono::milliseconds preroll{150};
  /// Non-speech needed after the last voiced frame before the end of speech is reported.
  std::chrono::milliseconds hangover{300};
  /// Voiced frames shorter than this in total (a click, a cough of noise) are not speech.
  std::chrono::milliseconds min_speech{60};
  /// Frames quieter than this (RMS, dBFS) are never voice, whatever the detector says. With noise
  /// the gate rises: it is max(min_level_dbfs, noise floor + 9 dB), the noise floor being the
  /// quietest 10 ms frame of the last 1.5 s.
  double min_level_dbfs = -45.0;
  /// Where an utterance starts and ends: the first/last 2 ms whose RMS passes
  /// max(boundary_level_dbfs, noise floor + 9 dB). Lower than the gate so weak fricatives at the
  /// edges ("th", "f", "s") stay inside the segment.
  double boundary_level_dbfs = -60.0;
};

struct VadEvent {
  enum class Kind { speech_start, speech_end };
  Kind kind;
  /// Position in the input stream, in samples (at the detector's input rate).
  std::int64_t sample;
};

struct SpeechSegment {
  std::int64_t start_sample;
  std::int64_t end_sample;  ///< one past the last sample of speech
};

/// Streaming voice activity detector on webrtc-audio-processing's VoiceDetection (10 ms frames),
/// with an energy gate, pre-roll onset refinement and hangover.
///
/// The WebRTC decision says *whether* a 10 ms frame is speech; where speech starts and ends is then
/// found in the audio at sample resolution (short-term energy against the noise floor), so reported
/// boundaries do not carry the detector's frame quantisation or its smoothing lag.
/// speech_end is reported once `hangover` of non-speech has followed, but its position is the end
/// of the sound, not the end of the hangover.
class VoiceActivityDetector {
 public:
  /// Any input rate: audio is resampled internally to 16 kHz for the detector.
  explicit VoiceActivityDetector(int sample_rate, VadOptions options = {});
  ~VoiceActivityDetector();
  VoiceActivityDetector(VoiceActivityDetector&&) noexcept;
  VoiceActivityDetector& operator=(VoiceActivityDetector&&) noexcept;

  /// Feeds samples; returns the events decided by them.
  std::vector<VadEvent> push(std::span<const std::int16_t> samples);
  /// End of stream: closes an open speech segment.
  std::vector<VadEvent> finish();
  /// Starts a new stream, as a new detector would (positions count from 0 again), keeping the
  /// WebRTC module and buffers: a detector per agent turn without building one each time.
  void reset();

  bool in_speech() const noexcept;
  int sample_rate() const noexcept;
  const VadOptions& options() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A detector whose events are paired into speech segments as the audio streams in: the same
/// segments as detect_speech() over the whole signal, whatever the chunking, without holding it.
class SpeechSegmenter {
 public:
  explicit SpeechSegmenter(int sample_rate, VadOptions options = {});
  void push(std::span<const std::int16_t> samples);
  /// End of stream (closes an open segment); returns every segment found.
  std::vector<SpeechSegment> finish();
  /// The segments so far; an open last one (speech still going on) has end_sample == start_sample.
  const std::vector<SpeechSegment>& segments() const noexcept { return segments_; }

 private:
  void add(const std::vector<VadEvent>& events);
  VoiceActivityDetector vad_;
  std::vector<SpeechSegment> segments_;
};

/// Runs a detector over a whole signal and pairs its events into segments.
std::vector<SpeechSegment> detect_speech(std::span<const std::int16_t> samples, int sample_rate,
                                         const VadOptions& options = {});

}  // namespace scenario::audio
