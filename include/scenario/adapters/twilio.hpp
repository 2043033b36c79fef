#pragma once
// TwilioAgentAdapter: a real phone call to (or from) the agent under test, through Twilio.
//
// We run the webhook and the media stream server: Twilio fetches POST /twilio/voice (signed) and
// gets <Connect><Stream> TwiML carrying a one-time nonce; it then opens wss://…/twilio/media, and
// the stream is taken only if its start message brings back an unused nonce. Our user's voice
// goes out as outbound media; the agent's voice comes in as the stream's inbound track.
// shared/protocols/twilio-media-streams.md is the reference for every message and quirk.

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "scenario/net/event_loop.hpp"
#include "scenario/net/websocket.hpp"
#include "scenario/twilio/rest.hpp"
#include "scenario/voice/streaming_transport.hpp"

namespace scenario::adapters {

struct TwilioOptions {
  enum class Mode {
    /// We call the agent: POST Calls.json To=agent_number From=our_number.
    place_call,
    /// The agent calls us: our_number's voice URL points at our webhook for the run (saved and
    /// restored afterwards).
    wait_for_call
  };
  Mode mode = Mode::place_call;
  /// Account SID, auth token (a secret: only ever in the Authorization header), REST base URL.
  twilio::RestOptions rest{};
  std::string agent_number{};  ///< place_call: the agent's phone number (E.164)
  std::string our_number{};    ///< our Twilio number: caller ID, or the number the agent dials
  /// wait_for_call: only these callers (E.164) are taken; others get <Reject/>. Empty: anyone.
  std::vector<std::string> allowed_callers{};
  /// Where Twilio reaches our server (e.g. an https tunnel to it); the webhook is
  /// <public_url>/twilio/voice and the stream wss://…/twilio/media. Signatures are checked against
  /// this URL. Empty: the server's own address (loopback tests).
  std::string public_url{};
  /// Where our server listens (address, port, TLS certificate).
  net::ServerOptions server{};
  std::chrono::milliseconds answer_timeout{60000};
  /// Keys pressed on the agent's side (the stream's dtmf events), as they arrive; each call runs
  /// before its `dtmf` event reaches receive().
  std::function<void(char digit)> on_dtmf{};
  VoiceTurnOptions turn{};
  net::EventLoop* loop = nullptr;  ///< default: the process-wide loop
};

struct TwilioStats {
  std::uint64_t webhooks = 0;             ///< signed webhook requests taken
  std::uint64_t rejected_signatures = 0;  ///< missing or wrong X-Twilio-Signature → 403
  std::uint64_t rejected_callers = 0;     ///< not in allowed_callers → <Reject/>
  std::uint64_t rejected_streams = 0;     ///< unknown or replayed nonce → closed (1008)
  std::uint64_t streams = 0;              ///< media streams taken (a DTMF press starts a new one)
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_dropped = 0;  ///< caller audio with no stream to carry it
  std::uint64_t media_received = 0;
  std::uint64_t dtmf_received = 0;
  std::uint64_t dtmf_sent = 0;
  std::uint64_t malformed = 0;
  std::string last_error{};
  std::string call_status{};  ///< last status Twilio reported for the call
};

class TwilioAgentAdapter : public StreamingVoiceAdapter {
 public:
  explicit TwilioAgentAdapter(TwilioOptions options);
  ~TwilioAgentAdapter() override;

  std::string name() const override { return "twilio"; }
  /// DTMF (<Play digits> through REST, or in-band tones with dtmf(…, {.in_band = true})); the
  /// agent detects turns itself; interruption is barge-in (Twilio's `clear` only empties our own
  /// playback buffer, it does not stop the agent); μ-law 8 kHz both ways.
  AdapterCapabilities capabilities() const override;
  /// Starts the server, then places the call (or waits for the agent's) until a stream is taken.
  /// Throws net::NetError or twilio::ApiError when the call does not come up.
  void connect(std::shared_ptr<Clock> clock) override;
  /// Hangs up (Status=completed), closes the stream, restores the number's voice URL.
  void disconnect() override;
  /// Presses keys on the live call: the call's TwiML is replaced by <Play digits> followed by a
  /// fresh <Connect><Stream>; returns once the new stream is up (the digits have been played).
  void send_dtmf(std::string_view digits) override;

  /// Our server's own address (http://127.0.0.1:port), for tests and tunnels.
  std::string local_url() const;
  std::string call_sid() const;
  TwilioStats stats() const;

  struct Impl;

 protected:
  void check_can_send() const override;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace scenario::adapters
