#pragma once
// A fake Twilio on loopback (shared/protocols/twilio-media-streams.md, "Fake-server checklist"):
// the REST endpoints a test call uses (Basic auth, Twilio's error bodies), signed webhooks, TwiML
// (<Connect><Stream>, <Play digits>, <Reject>, <Pause>, <Hangup>), and the call itself: a media
// stream opened to the TwiML's <Stream url>, bridged in real time (20 ms frames) to the phone on
// the other end — a bot speaking the bot side of Media Streams, such as the reference IVR bot.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "scenario/net/event_loop.hpp"

namespace scenario::fakes {

struct FakeTwilioOptions {
  std::string account_sid = "AC0123456789abcdef0123456789abcdef";
  std::string auth_token = "fake-twilio-auth-token-0123456789";
  /// Ringing before the far end answers.
  std::chrono::milliseconds answer_delay{100};
  /// What the media stream's start message announces (Twilio always sends μ-law 8 kHz mono; a
  /// test can make it announce something else).
  std::string media_encoding = "audio/x-mulaw";
  int media_sample_rate = 8000;
};

/// How the fake signs the webhooks and stream upgrades it sends.
enum class Signing { valid, missing, wrong };

struct FakeCall {
  std::string sid{};
  std::string from{};
  std::string to{};
  std::string direction{};  ///< outbound-api or inbound
  std::string status{};     ///< queued, ringing, in-progress, completed, busy, failed, no-answer
  std::vector<std::string> statuses{};     ///< every status in order
  std::vector<int> webhook_statuses{};     ///< HTTP status of each TwiML fetch
  std::vector<std::string> twiml{};        ///< documents executed
  std::string digits_played{};             ///< <Play digits> sent to the far end
  std::vector<std::string> stream_sids{};  ///< streams opened to the TwiML's <Stream url>
  std::vector<int> stream_close_codes{};   ///< how each stream ended (the server's close code)
  std::string dtmf_forwarded{};            ///< far-end key presses sent as dtmf events
  std::uint64_t frames_to_stream = 0;      ///< 20 ms frames sent on the media streams
  std::uint64_t frames_to_far_end = 0;     ///< 20 ms frames sent to the far-end bot
  std::uint64_t media_from_stream = 0;     ///< outbound media messages the stream's server sent
  bool rejected = false;                   ///< the TwiML said <Reject>
  bool far_end_hung_up = false;
};

struct FakeNumber {
  std::string sid{};
  std::string phone_number{};
  std::string voice_url{};
  std::string voice_method = "POST";
};

class FakeTwilio {
 public:
  explicit FakeTwilio(net::EventLoop& loop, FakeTwilioOptions options = {});
  ~FakeTwilio();
  FakeTwilio(const FakeTwilio&) = delete;
  FakeTwilio& operator=(const FakeTwilio&) = delete;

  /// The REST base URL (instead of https://api.twilio.com).
  std::string base_url() const;
  const FakeTwilioOptions& options() const noexcept;

  /// A phone line answered by a Media Streams bot at `bot_ws_url` (the agent under test).
  void add_phone(const std::string& number, const std::string& bot_ws_url);
  /// A number on the account (IncomingPhoneNumbers).
  FakeNumber add_number(const std::string& number, const std::string& voice_url);
  FakeNumber number(const std::string& number) const;

  /// The phone `from` (see add_phone) dials `to`, a number on the account: Twilio fetches the
  /// number's voice URL. Returns the call SID.
  std::string dial(const std::string& from, const std::string& to);

  void set_signing(Signing signing);
  /// Opens another stream to the URL of the call's last <Stream> with a copy of its start message
  /// (same nonce); returns the close code the server answered with (0: it kept the stream).
  int replay_last_stream(const std::string& call_sid);

  std::vector<FakeCall> calls() const;
  FakeCall call(const std::string& sid) const;
  /// Waits until the call reaches `status` (true) or `timeout` passes (false).
  bool wait_for_status(const std::string& sid, const std::string& status,
                       std::chrono::milliseconds timeout) const;
  /// REST requests refused for bad credentials.
  std::size_t unauthorized_requests() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace scenario::fakes
