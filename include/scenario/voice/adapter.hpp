#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "scenario/agent.hpp"
#include "scenario/audio/chunk.hpp"
#include "scenario/audio/format.hpp"
#include "scenario/audio/resampler.hpp"
#include "scenario/audio/vad.hpp"
#include "scenario/voice/clock.hpp"
#include "scenario/voice/recorder.hpp"
#include "scenario/voice/transport_event.hpp"

namespace scenario {

/// Who decides when a frame of the caller's audio leaves.
enum class UplinkPacing {
  /// The session calls send_audio() at each 20 ms frame's deadline: the frame leaves then.
  session,
  /// send_audio() queues; the adapter's UplinkPacer sends on its own slots and reports each frame
  /// as it leaves (transport::UplinkSent); the recording places it in its slot.
  transport
};

/// What an adapter's transport can do. Declared per adapter and tested.
struct AdapterCapabilities {
  bool streaming_transcripts = false;  ///< transcript deltas while the agent speaks
  bool native_vad = false;             ///< the remote side detects the user's turns itself
  bool dtmf = false;                   ///< key presses as transport events
  bool native_interruption = false;    ///< an explicit "stop talking" message
  audio::AudioFormat input_format{};   ///< what goes on the wire towards the agent
  audio::AudioFormat output_format{};  ///< what comes back
  UplinkPacing uplink = UplinkPacing::session;
};

/// A step needs a capability the adapter does not have.
class UnsupportedCapabilityError : public std::runtime_error {
 public:
  UnsupportedCapabilityError(const std::string& adapter, const std::string& capability,
                             const std::string& instead)
      : std::runtime_error(adapter + " does not support " + capability +
                           (instead.empty() ? "" : "; " + instead)) {}
};

/// The agent did not do what a voice turn needs (no audio in time …).
class VoiceTurnError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct VoiceTurnOptions {
  /// Non-speech (in the agent's audio, on the playout timeline) that ends a turn when the
  /// transport does not say so itself.
  std::chrono::milliseconds hangover{600};
  /// No agent audio this long after the user finished: the turn fails.
  std::chrono::milliseconds first_audio_timeout{8000};
  /// A turn longer than this is ended (soft cap).
  std::chrono::milliseconds max_turn{60000};
  /// The voice that speaks text-only user lines.
  std::string default_voice = "espeak/en-us";
  /// Tools the test answers for an agent that asks its client to run them (a realtime API's
  /// function calls): name → result from the call's arguments. The result goes back through
  /// send_tool_result() as soon as the call arrives, and both are on the timeline.
  std::map<std::string, std::function<nlohmann::json(const nlohmann::json& arguments)>> tools{};
  /// Every call of a tool not in `tools`: the whole call (its id, name and arguments as the agent
  /// sent them). Unset, such calls are recorded and left to the agent. A handler (either kind)
  /// that throws answers `{"error": <its message>}` to the agent, as an app would report a failed
  /// tool, and the run records it as `tool_result_sent` with `"failed": true`.
  std::function<nlohmann::json(const ToolCall& call)> tool_handler{};
};

/// How much of the agent's current reply the caller has heard when it interrupts: what a
/// realtime API needs to truncate its transcript to what was really played.
struct HeardSoFar {
  std::string response_id{};  ///< of the reply being interrupted, when the transport said
  std::string item_id{};
  std::chrono::nanoseconds played{0};  ///< of that reply, on the caller's side
};

class VoiceSession;

/// What the caller did since the agent's last turn (the trigger of the next one).
enum class TurnTrigger { none, speech, dtmf, silence };
std::string_view to_string(TurnTrigger trigger) noexcept;

struct InterruptOptions {
  /// Interrupt this long after the agent starts being heard (default: at once).
  std::optional<double> after_seconds{};
  /// …or once the agent's streaming transcript has this many words (needs streaming transcripts).
  std::optional<int> after_words{};
  /// How long to wait for the agent to start speaking (or reach the words) before failing.
  double wait_for_speech_timeout = 8.0;
};

/// Base of adapters that carry audio. Subclasses implement the transport (send_audio, receive,
/// and optionally interrupt/send_dtmf); the base implements a turn: speak the user's new audio
/// (paced in 20 ms frames on absolute deadlines), collect the agent's reply until the end of its
/// turn, and record everything on the run's timeline.
class VoiceAgentAdapter : public AgentAdapter {
 public:
  explicit VoiceAgentAdapter(VoiceTurnOptions options = {}) : options_(std::move(options)) {}
  virtual AdapterCapabilities capabilities() const = 0;

  /// Connects for one run (RAII users can rely on disconnect() in the destructor).
  virtual void connect(std::shared_ptr<Clock> clock) = 0;
  virtual void disconnect() = 0;
  /// Sends one 20 ms frame of canonical audio (the adapter converts to its wire format); with
  /// UplinkPacing::transport, queues it for the adapter's pacer.
  virtual void send_audio(const audio::AudioChunk& frame) = 0;
  /// The caller's audio pauses here (an utterance, tones or a silence ended): a transport that
  /// holds audio back (a resampler's look-ahead) sends the rest now, as whole frames.
  virtual void end_of_audio() {}
  /// How much later than its 20 ms slot a caller sample is on the wire (a resampler's
  /// look-ahead); the session places the caller's audio in the recording by it. 0 by default.
  virtual std::chrono::nanoseconds uplink_delay() const { return std::chrono::nanoseconds(0); }
  /// The next transport event if one happens by `deadline` (run time); waits on the run clock.
  virtual std::optional<TransportEvent> receive(std::chrono::nanoseconds deadline) = 0;
  /// Native interrupt, told how much of the reply the caller heard; the default says it is
  /// unsupported (the session then barges in by speaking over the agent).
  virtual void interrupt(const HeardSoFar& heard);
  /// The user's turn is over (called once the caller has spoken, pressed keys or kept silent, before
  /// the reply or an interrupt is awaited). For servers without their own turn detection (realtime
  /// APIs with VAD off) this commits the input and asks for a response; others do nothing.
  virtual void commit_user_turn() {}
  /// The result of a tool the agent asked its client to run; the default says it is unsupported.
  virtual void send_tool_result(const std::string& call_id, const nlohmann::json& result);
  /// Native DTMF; the default says it is unsupported.
  virtual void send_dtmf(std::string_view digits);

  /// A voice turn: the user's new messages spoken (their audio parts, or TTS of their text), then
  /// the agent's reply collected until the end of its turn. Requires a voice session (set by
  /// scenario::run when the adapter takes part).
  AgentReply call(const AgentInput& input) override;

  const VoiceTurnOptions& turn_options() const noexcept { return options_; }
  void attach(VoiceSession* session) noexcept { session_ = session; }
  VoiceSession* session() const noexcept { return session_; }

 private:
  VoiceTurnOptions options_;
  VoiceSession* session_ = nullptr;
};

/// The voice side of one run: clock, recorder, the adapter's connection, and the operations the
/// voice script steps use. Created by scenario::run when a VoiceAgentAdapter takes part.
class VoiceSession {
 public:
  VoiceSession(VoiceAgentAdapter& adapter, std::shared_ptr<Clock> clock);
  ~VoiceSession();

  Recorder& recorder() noexcept { return recorder_; }
  Clock& clock() noexcept { return *clock_; }
  VoiceAgentAdapter& adapter() noexcept { return adapter_; }

  /// Speaks canonical audio towards the agent in 20 ms frames on absolute deadlines, recording
  /// each frame at its wire time. Agent events arriving meanwhile are handled.
  void speak(const audio::AudioChunk& audio);
  /// Real silent frames on the wire for `duration`.
  void send_silence(std::chrono::nanoseconds duration);
  /// Lets time pass without sending audio (agent events are still handled); ends at a hang-up.
  void wait(std::chrono::nanoseconds duration);
  /// Collects the agent's reply until the end of its turn; returns the message to add.
  Message collect_reply();
  /// Lets the agent start replying, then interrupts it: natively when the adapter can, otherwise by
  /// speaking `user_speech` over it (barge-in), and observes whether it stops. Records a
  /// `user_interrupt` event (adapter, native, outcome). Returns the agent's partial reply.
  Message interrupt_reply(const audio::AudioChunk& user_speech, const InterruptOptions& options);
  /// Applies one transport event to the timeline.
  void handle(const TransportEvent& event);
  /// How much of the current reply the caller has heard by `at`.
  HeardSoFar heard_so_far(std::chrono::nanoseconds at) const;

  std::chrono::nanoseconds user_transmission_end() const noexcept { return user_end_; }
  /// User input that is not audio (a native key press) ended at `at`: the agent's next answer is
  /// timed from here.
  void note_user_input(std::chrono::nanoseconds at) noexcept { user_end_ = at; }
  /// What the caller's last input was (speak() says speech, send_silence() silence): the trigger
  /// recorded with the agent's next turn.
  void note_trigger(TurnTrigger trigger) noexcept { trigger_ = trigger; }
  std::vector<VoiceEvent> events() const { return recorder_.events(); }

 private:
  /// When the caller's audio was on the wire: from its first frame to the end of its last.
  struct OnWire {
    std::chrono::nanoseconds start{0}, end{0};
  };
  OnWire send_frames(const audio::AudioChunk& audio);
  OnWire send_frames_paced_here(const std::vector<audio::AudioChunk>& frames);
  OnWire send_frames_to_pacer(std::vector<audio::AudioChunk> frames);
  void on_uplink_sent(const transport::UplinkSent& sent, std::chrono::nanoseconds at);
  void own_up_to_late_frames(std::chrono::nanoseconds at, std::chrono::nanoseconds worst,
                             std::size_t frame, std::size_t frames);
  void on_agent_audio(const transport::AgentAudio& audio, std::chrono::nanoseconds at);
  void on_agent_stopped(const transport::AgentStopped& stop, std::chrono::nanoseconds at);
  void on_tool_call(const transport::ToolCall& call, std::chrono::nanoseconds at);
  void reset_reply();
  /// The reply so far as a message; its audio moves into it (the reply is over).
  Message take_reply_message();
  void record(const std::string& type, std::optional<double> latency = std::nullopt,
              nlohmann::json metadata = nlohmann::json::object());
  double now_seconds() const;

  VoiceAgentAdapter& adapter_;
  std::shared_ptr<Clock> clock_;
  Recorder recorder_;
  std::chrono::nanoseconds user_end_{0};
  /// Caller frames handed to a transport's pacer and not yet reported sent (in order).
  std::deque<audio::AudioChunk> uplink_pending_;
  struct {
    std::chrono::nanoseconds first{-1}, last{-1}, worst_late{0};
    std::size_t worst_frame = 0, frames = 0;
  } uplink_sent_;  ///< departures of the utterance being sent
  std::unique_ptr<audio::Resampler> from_wire_;  ///< agent audio to 24 kHz, when sent otherwise
  /// End-of-turn detector, reset for each reply rather than built anew: its WebRTC module is a
  /// third of a megabyte, and with many concurrent runs that churn costs page faults.
  std::optional<audio::VoiceActivityDetector> turn_vad_;
  // The reply being collected.
  audio::AudioChunk reply_audio_;
  std::string reply_transcript_;
  std::vector<ToolCall> reply_tool_calls_;
  struct {
    std::string response_id, item_id;
  } reply_ids_;  ///< the transport's ids of the reply being collected
  bool stopped_ = false;
  std::optional<std::string> hung_up_{};  ///< why the call ended, once the agent hung up
  std::chrono::nanoseconds first_audio_at_{-1};
  std::chrono::nanoseconds heard_at_{-1};  ///< when the reply started being heard
  bool turn_ended_ = false;
  int agent_turn_ = 0;                       ///< the reply being collected, from 1
  TurnTrigger trigger_ = TurnTrigger::none;  ///< the caller's input since the last reply
  TurnTrigger reply_trigger_ = TurnTrigger::none;
};

}  // namespace scenario
