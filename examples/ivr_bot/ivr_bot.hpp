#pragma once
// A reference IVR bot speaking the bot side of Twilio Media Streams (as a Pipecat bot with the
// Twilio serializer does) or of Pipecat's protobuf serializer: the agent under test of the
// offline demo and of the load benchmark. Public API only, so it doubles as an example of a bot
// built on scenario's audio and networking pieces.
//
// It greets and prompts with espeak-ng, takes menu choices as `dtmf` events and as in-band tones
// (Goertzel detector), stops talking when the caller barges in (after `reaction_time`, sending
// `clear`), re-prompts after a silence, answers after `response_delay`, sends a `mark` after each
// prompt, and hangs up (closes the socket) after saying goodbye.
//
// Speaking protobuf (shared/protocols/pipecat.md §2) it greets as soon as the socket opens (there
// is no start message), sends PCM16 at `output_sample_rate`, a TextFrame with each prompt's words,
// a MessageFrame {"label":"ivr","type":"menu","name":…} on entering a menu (no marks in that
// protocol), an InterruptionFrame where it would send `clear`, and stops talking when the caller
// sends an InterruptionFrame (answering with one, as Pipecat's output transport does). Key
// presses can only arrive as tones.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "scenario/net/pacing.hpp"
#include "scenario/net/websocket.hpp"

namespace scenario::examples {

enum class IvrWire {
  twilio,           ///< Twilio Media Streams JSON (μ-law 8 kHz)
  pipecat_protobuf  ///< binary pipecat.Frame (PCM16)
};

struct IvrCallLog;

struct IvrBotOptions {
  IvrWire wire = IvrWire::twilio;
  /// protobuf: the rate of the bot's audio (Pipecat's transport output default).
  int output_sample_rate = 24000;
  std::string voice = "espeak/en-us";
  /// Caller finished (speech end or key press) → the bot starts answering.
  std::chrono::milliseconds response_delay{300};
  /// Caller speech detected while the bot talks → the bot stops and sends `clear`.
  std::chrono::milliseconds reaction_time{120};
  /// No input this long after a prompt → the prompt is repeated.
  std::chrono::milliseconds reprompt_after{4000};
  /// Outbound media chunk (Twilio accepts any size; Pipecat sends 40 ms).
  std::chrono::milliseconds chunk{20};
  /// Decode key presses from the caller's audio too (costs ~15 µs per 20 ms frame).
  bool inband_dtmf = true;
  /// Speak the greeting when the stream starts.
  bool greet = true;
  /// Logs of ended calls kept for calls(), the oldest dropped first. An ended call's buffers are
  /// released when it closes, so a bot that takes calls for days keeps flat memory.
  std::size_t call_history = 1000;
  /// Called with each call's log once it has ended (on a network thread).
  std::function<void(const IvrCallLog&)> on_call_end{};
};

/// What happened on one call, for tests and reports.
struct IvrCallLog {
  std::string stream_sid{};
  std::string call_sid{};
  std::map<std::string, std::string> custom_parameters{};
  std::vector<std::string> prompts{};  ///< names, in the order they started
  std::string digits{};                ///< menu input, as taken
  std::string inband_digits{};         ///< of which decoded from audio
  int barge_ins = 0;
  int interruptions = 0;      ///< protobuf: InterruptionFrames from the caller
  int input_sample_rate = 0;  ///< protobuf: the rate of the caller's audio frames
  int utterances = 0;
  int mark_echoes = 0;
  std::uint64_t media_frames = 0;
  /// Caller frames that were not exactly 20 ms (160 μ-law bytes; protobuf: rate/50 samples), as a
  /// strict peer would refuse them, and the size of the first one.
  std::uint64_t odd_sized_frames = 0;
  std::size_t first_odd_frame_size = 0;
  net::LatenessHistogram pacing{};  ///< how late each outbound chunk left
  std::uint64_t malformed = 0;
  std::string last_error{};
  /// The bot's own timing, its ground truth for what a measurement from the caller's recording
  /// should find (both on the bot's steady clock; the caller's audio is placed by the arrival of
  /// the frame that carries it, the bot's by when its chunk left):
  /// - answers to speech: from the end of the caller's speech to the first speech sample of the
  ///   answer (its first chunk's departure + where the prompt's speech starts), ms;
  /// - barge-ins: from the start of the caller's speech over a prompt to the last audible sample
  ///   of that prompt the caller got before the `clear` left, ms.
  std::vector<double> speech_answer_ms{};
  std::vector<double> barge_in_stop_ms{};
  bool hung_up = false;  ///< the bot ended the call
  bool stopped = false;  ///< the caller sent `stop`
  bool closed = false;
};

class IvrBot {
 public:
  explicit IvrBot(net::EventLoop& loop, IvrBotOptions options = {}, net::ServerOptions server = {});
  ~IvrBot();
  IvrBot(const IvrBot&) = delete;
  IvrBot& operator=(const IvrBot&) = delete;

  /// ws://127.0.0.1:<port>/ws (any path is accepted, as Pipecat's runner does for /ws/<token>).
  std::string url() const;
  /// Live calls and the last `call_history` ended ones, in the order they connected.
  std::vector<IvrCallLog> calls() const;
  std::size_t active_calls() const;

  /// The prompt texts by name (greeting, main, billing, billing_options, payment, support,
  /// support_options, invalid, speech, reprompt, goodbye).
  static const std::map<std::string, std::string>& prompts();

  struct Call;
  struct Registry;

 private:
  IvrBotOptions options_;
  std::shared_ptr<Registry> registry_;  ///< shared with the connections' close handlers
  std::unique_ptr<net::Server> server_;
};

}  // namespace scenario::examples
