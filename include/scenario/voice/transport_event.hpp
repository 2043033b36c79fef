#pragma once
// What an adapter's transport reports to the voice runtime: one typed event per thing that
// happened, stamped on the run's clock (part of the public adapter kit). Each kind carries the
// fields it means, with the protocol's ids where it has them (OpenAI Realtime response/item ids,
// tool call ids), instead of one string whose meaning changes by kind.

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/audio/format.hpp"

namespace scenario {
namespace transport {

/// The agent's audio as it arrived, at the rate it was sent. The runtime brings it to the
/// canonical rate with one stateful resampler per run, so adapters never resample by hand.
struct AgentAudio {
  std::vector<std::int16_t> samples{};
  int sample_rate = audio::kCanonicalSampleRate;
  std::string response_id{};  ///< the response it belongs to, when the protocol says
  std::string item_id{};
};

/// Text of what the agent is saying, as it streams.
struct TranscriptDelta {
  std::string text{};
  std::string response_id{};
  std::string item_id{};
};

/// The transport says the agent's turn is over (a response finished).
struct TurnEnded {
  std::string response_id{};
};

/// The agent stopped talking before the end of what it had sent: what was queued and not yet
/// heard is dropped. `by` names the signal (Twilio `clear`, Pipecat `interruption`, a cancelled
/// response).
struct AgentStopped {
  std::string by{};
  std::string response_id{};
};

/// The agent calls a tool; the runtime records it and the reply carries it.
struct ToolCall {
  std::string call_id{};
  std::string name{};
  nlohmann::json arguments = nlohmann::json::object();
  std::string response_id{};
};

/// A tool's result as the transport saw it go back to the agent.
struct ToolResult {
  std::string call_id{};
  std::string name{};
  nlohmann::json result{};
};

/// Key presses the far end reported (Twilio `dtmf` events).
struct Dtmf {
  std::string digits{};
};

enum class Severity {
  recoverable,  ///< recorded on the timeline; the call goes on (a malformed message skipped)
  fatal         ///< the turn fails with this message
};

struct Error {
  Severity severity = Severity::fatal;
  std::string message{};
  std::string code{};  ///< the protocol's error code, when it has one
};

/// Something worth reviewing on the timeline (a mark played, a stream started): recorded as an
/// event of `type` with `data` as its metadata.
struct Note {
  std::string type{};
  nlohmann::json data = nlohmann::json::object();
};

/// A frame of the caller's audio left for the agent (sent by an UplinkPacer, stamped when it
/// left): the session places the frame in the recording at that moment.
struct UplinkSent {
  std::uint64_t frame = 0;  ///< which canonical frame, counted from 0 since the pacer started
  bool tail = false;        ///< the converter's tail after an utterance (no canonical frame)
  std::chrono::nanoseconds late{0};  ///< after its slot's deadline
  /// Where the frame is in the caller's stream as the far end times it (run time): its slot, plus
  /// the least lateness of the stream so far. A receiver times a stream by its samples from the
  /// earliest arrival (a jitter buffer), so one late frame is jitter, not later speech.
  std::chrono::nanoseconds in_stream{0};
};

/// Tokens a response of the agent's model used (a realtime API's response.done usage): summed
/// per run into the result and the manifest.
struct Usage {
  std::string response_id{};
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t total_tokens = 0;
};
/// The agent ended the call (closed its connection): the turn ends, later turns fail.
struct HangUp {
  std::string reason{};
};

}  // namespace transport

/// Lambdas as one visitor: `std::visit(Overloaded{[](const transport::AgentAudio&) {…}, …}, body)`.
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

/// One thing that happened on the transport, stamped on the run's clock.
struct TransportEvent {
  using Body = std::variant<transport::AgentAudio, transport::TranscriptDelta, transport::TurnEnded,
                            transport::AgentStopped, transport::ToolCall, transport::ToolResult,
                            transport::Dtmf, transport::Error, transport::Note, transport::HangUp,
                            transport::UplinkSent, transport::Usage>;
  std::chrono::nanoseconds at{0};
  Body body{};

  template <class T>
  const T* get_if() const noexcept {
    return std::get_if<T>(&body);
  }
  template <class T>
  bool is() const noexcept {
    return std::holds_alternative<T>(body);
  }
};

}  // namespace scenario
