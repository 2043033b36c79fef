#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/audio/chunk.hpp"
#include "scenario/voice/clock.hpp"
#include "scenario/voice/playout_cursor.hpp"
#include "scenario/voice/timeline.hpp"

namespace scenario {
namespace detail {
class SpillFile;
}

/// Records what the caller heard, on the run's clock.
///
/// User audio is placed at its wire time (when it was sent). Agent audio is placed on a playout
/// cursor: it starts when its first chunk arrives and plays at real-time rate, so audio that
/// arrives faster than real time still occupies its true duration; an interrupt cuts it where it
/// stopped being heard. Gaps and overlaps are real.
///
/// Speech is found in each track as its audio becomes final (when it leaves memory, and at
/// close()), so the recording carries it and the latency figures need no second pass over it.
struct RecorderOptions {
  /// Audio older than this (behind both the clock and the track's cursor) leaves memory for an
  /// unlinked temporary file, so a call's memory stays small and flat however long it runs, and
  /// many calls fit in one process. Agent audio of the turn being detected stays until the turn
  /// ends, and an interruption cannot cut what has left (it was heard long before).
  std::chrono::seconds memory_window{8};
  /// Where spill files go; empty = the system temporary directory (TMPDIR).
  std::filesystem::path spill_directory{};
};

class Recorder {
 public:
  explicit Recorder(std::shared_ptr<Clock> clock, RecorderOptions options = {});
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  /// User audio leaving for the agent at `sent_at` (default: now). It follows any user audio still
  /// "playing" on the wire. A chunk after a pause starts a new user segment.
  void user_audio(const audio::AudioChunk& chunk,
                  std::optional<std::chrono::nanoseconds> sent_at = std::nullopt);
  /// Agent audio arriving at `arrived_at` (default: now). Returns when it will be heard.
  std::chrono::nanoseconds agent_audio(
      const audio::AudioChunk& chunk,
      std::optional<std::chrono::nanoseconds> arrived_at = std::nullopt);
  /// The agent stopped being heard at `at` (default: now): agent audio after it is dropped.
  /// Returns the duration of agent audio dropped.
  std::chrono::nanoseconds cut_agent(std::optional<std::chrono::nanoseconds> at = std::nullopt);
  /// Starts a new segment for `speaker` at the next audio (the runtime calls it at turn changes).
  void start_turn(Speaker speaker);
  /// Adds to the transcript of the speaker's current segment.
  void add_transcript(Speaker speaker, const std::string& text);
  void event(VoiceEvent event);

  /// Samples of the agent track so far, in playout order.
  std::int64_t agent_sample_count() const noexcept;
  /// The agent track from sample `from` on (for turn detection). `from` must not be older than
  /// the memory window unless held with keep_agent_from().
  std::span<const std::int16_t> agent_samples_from(std::int64_t from) const;
  /// Keeps agent samples from `from` on in memory (nullopt releases the hold).
  void keep_agent_from(std::optional<std::int64_t> from) noexcept { agent_hold_ = from; }
  /// When the agent's audio queued so far ends (the playout cursor).
  std::chrono::nanoseconds agent_playout_end() const;
  double duration_seconds() const;
  /// The call is over: the audio still in memory goes through the speech detector, so
  /// recording() carries the speech of both tracks. Audio recorded after close() is kept, but the
  /// recording then carries no speech (measure_latency() finds it in the tracks).
  void close();
  /// Left = user, right = agent, both the full duration, with segments and events (and the speech
  /// in them once closed). Once audio has spilled to disk the tracks are a mapped temporary file
  /// rather than heap memory.
  VoiceRecording recording() const;
  /// Samples moved out of memory so far (both tracks).
  std::int64_t spilled_samples() const noexcept { return user_.base + agent_.base; }
  std::vector<Segment> segments() const;
  /// Every event in time order; events at the same time keep the order they were recorded in.
  /// (Events are recorded when they are known: a barge-in is stamped with its onset once the
  /// agent's reaction has been seen.) The result's timeline and the manifest both use this order.
  std::vector<VoiceEvent> events() const;
  const Clock& clock() const noexcept { return *clock_; }

 private:
  struct Track {
    std::vector<std::int16_t> window;  ///< samples [base, base + window.size())
    std::int64_t base = 0;             ///< samples before it are in `spill`
    std::unique_ptr<detail::SpillFile> spill;
    PlayoutCursor playout;  ///< where the next chunk goes, at the earliest (24 kHz samples)
    std::vector<Segment> segments;
    bool new_segment = true;
    /// Set by close(): `spill` holds the whole track, `sealed_frames` long, and recordings map it
    /// as it is. Whatever writes to it afterwards first moves the recorder to a copy.
    bool sealed = false;
    std::int64_t sealed_frames = 0;
    std::unique_ptr<audio::SpeechSegmenter> speech;  ///< fed with samples as they become final
    std::vector<audio::SpeechSegment> speech_found;  ///< all of it, once closed
    std::int64_t size() const noexcept { return base + static_cast<std::int64_t>(window.size()); }
  };
  Track& track(Speaker s) { return s == Speaker::user ? user_ : agent_; }
  std::int64_t place(Track& t, Speaker who, const audio::AudioChunk& chunk, std::int64_t at);
  void spill_old(Track& t, std::optional<std::int64_t> hold);
  void find_speech(Track& t, std::span<const std::int16_t> final_samples);
  void changed_after_close();
  void unseal(Track& t);
  SampleTrack snapshot(const Track& t, std::int64_t frames) const;

  /// Whether the speech found in the tracks is still being built, complete, or given up because
  /// audio changed after close().
  enum class SpeechState { live, closed, given_up };

  std::shared_ptr<Clock> clock_;
  RecorderOptions options_;
  Track user_;
  Track agent_;
  std::optional<std::int64_t> agent_hold_;
  std::vector<VoiceEvent> events_;
  SpeechState speech_state_ = SpeechState::live;
};

/// Sample index of a run time (24 kHz), rounded to nearest.
std::int64_t to_sample(std::chrono::nanoseconds t);
double to_seconds(std::int64_t sample);

/// The detector settings the latency figures find speech with (and the recorder, as it goes).
audio::VadOptions latency_vad_options();

/// Latency figures measured from the recording itself:
/// - response latency, per user utterance followed by agent speech: onset of agent speech − end
///   of user speech, both found in the audio (VAD with sample-accurate boundaries);
/// - interrupt response time, per `user_interrupt` event: barge-in onset (user speech onset at or
///   after the event) → last agent sample heard;
/// - time to first audio comes from the transport (agent_first_audio events' latency).
LatencyMetrics measure_latency(const VoiceRecording& recording,
                               const std::vector<VoiceEvent>& events);

/// Writes `recording` in any container by extension (.wav .flac .mp3 .ogg), stereo.
void save_recording(const VoiceRecording& recording, const std::filesystem::path& path);

/// Writes segments/NN-role-NNNNms.wav, full.wav (stereo) and manifest.json into `directory`
/// (created; nothing is written outside it). Returns the manifest.
nlohmann::json save_segments(const VoiceRecording& recording, const std::vector<Segment>& segments,
                             const std::vector<VoiceEvent>& events, const LatencyMetrics& latency,
                             const std::filesystem::path& directory, const ManifestInfo& info = {});

}  // namespace scenario
