#pragma once
// In-process voice agents for voice-runtime tests, with exactly known behaviour:
// - LoopbackVoiceAgent listens with a VAD, answers each user utterance `response_delay` after the
//   end of the user's speech (as found in the audio, timed by its samples like an agent behind a
//   jitter buffer) with real espeak speech, streams transcript
//   deltas, can call tools, and stops `reaction_time` after the user barges in.
// - With `silence_between_replies`, it streams silence frames whenever it is not talking (like a
//   telephony bot), so turn ends must come from the audio, not from the stream stopping.

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "scenario/audio/vad.hpp"
#include "scenario/voice/adapter.hpp"

namespace scenario::test {

struct LoopbackOptions {
  std::vector<std::string> replies{"Hello, how can I help you?"};
  /// Per reply; the last one repeats. Measured from the end of the user's speech.
  std::vector<std::chrono::milliseconds> response_delays{std::chrono::milliseconds(500)};
  std::chrono::milliseconds reaction_time{200};
  std::string voice = "espeak/en-us";
  /// Deliver reply audio in real time (20 ms chunks at their play times) or all at once.
  bool realtime_delivery = true;
  bool stream_transcripts = true;
  bool send_end_of_turn = false;
  bool silence_between_replies = false;
  /// The rate its reply audio comes at (the session converts it, as from a telephony bot).
  int wire_rate = audio::kCanonicalSampleRate;
  /// Reply index → tool to call before speaking it.
  std::optional<std::pair<std::size_t, std::string>> tool_call{};
  /// The tool runs on the client (a realtime API's function call): the agent waits for
  /// send_tool_result() instead of reporting a result of its own.
  bool client_tools = false;
  VoiceTurnOptions turn{};
};

class LoopbackVoiceAgent : public VoiceAgentAdapter {
 public:
  explicit LoopbackVoiceAgent(LoopbackOptions options = {});
  std::string name() const override { return "loopback-agent"; }
  AdapterCapabilities capabilities() const override;
  void connect(std::shared_ptr<Clock> clock) override;
  void disconnect() override {}
  void send_audio(const audio::AudioChunk& frame) override;
  std::optional<TransportEvent> receive(std::chrono::nanoseconds deadline) override;

  /// When each reply's audio started (ground truth, run time).
  const std::vector<std::chrono::nanoseconds>& reply_starts() const { return reply_starts_; }
  /// When the user's speech ended, as this agent found it.
  const std::vector<std::chrono::nanoseconds>& user_speech_ends() const { return user_ends_; }
  /// When the user's barge-ins started, as this agent found them, and when it stopped talking.
  const std::vector<std::pair<std::chrono::nanoseconds, std::chrono::nanoseconds>>& barge_ins()
      const {
    return barge_ins_;
  }
  std::size_t frames_received() const { return frames_received_; }
  /// Turns on the native interrupt (like OpenAI Realtime's response.cancel).
  void enable_native_interrupt() { native_interrupt_ = true; }
  void interrupt(const HeardSoFar& heard) override;
  /// What each native interrupt said the caller had heard.
  const std::vector<HeardSoFar>& interrupts_heard() const { return heard_; }
  void commit_user_turn() override { ++commits_; }
  int commits() const { return commits_; }
  void send_tool_result(const std::string& call_id, const nlohmann::json& result) override;
  /// Results the client sent back, with when they arrived.
  const std::vector<std::tuple<std::string, nlohmann::json, std::chrono::nanoseconds>>&
  tool_results() const {
    return tool_results_;
  }
  /// Declares DTMF as a transport capability (like a Twilio media stream's dtmf event).
  void enable_native_dtmf() { native_dtmf_ = true; }
  void send_dtmf(std::string_view digits) override;
  const std::string& dtmf_received() const { return dtmf_received_; }

 private:
  void feed(std::span<const std::int16_t> samples, std::chrono::nanoseconds first_sample_time);
  void on_user_speech_end(std::chrono::nanoseconds at, std::chrono::nanoseconds decided);
  void on_user_speech_start(std::chrono::nanoseconds at);
  void catch_up(std::chrono::nanoseconds until);
  std::chrono::nanoseconds time_of_input(std::int64_t sample) const;

  LoopbackOptions options_;
  std::shared_ptr<Clock> clock_;
  std::unique_ptr<audio::VoiceActivityDetector> vad_;
  std::int64_t input_samples_ = 0;  // samples fed to the VAD
  std::vector<std::pair<std::int64_t, std::chrono::nanoseconds>>
      input_times_;                                     // frame start sample → time
  std::chrono::nanoseconds input_end_{0};               // time up to which the input is known
  std::optional<std::chrono::nanoseconds> stream_end_;  // end of the last frame the caller sent
  std::deque<TransportEvent> scheduled_;                // in time order
  std::chrono::nanoseconds speaking_until_{0};
  std::size_t reply_index_ = 0;
  std::chrono::nanoseconds next_silence_{0};
  std::vector<std::chrono::nanoseconds> reply_starts_;
  std::vector<std::chrono::nanoseconds> user_ends_;
  std::size_t frames_received_ = 0;
  bool native_interrupt_ = false;
  bool native_dtmf_ = false;
  std::string dtmf_received_;
  std::vector<HeardSoFar> heard_;
  int commits_ = 0;
  std::vector<std::tuple<std::string, nlohmann::json, std::chrono::nanoseconds>> tool_results_;
  std::vector<std::pair<std::chrono::nanoseconds, std::chrono::nanoseconds>> barge_ins_;
};

}  // namespace scenario::test
