// The fault matrix: every adapter against a peer that goes wrong in each way a real one does —
// closes mid-utterance, closes with an error, stalls, sends malformed or oversized frames,
// announces a wrong audio format, hangs up, never answers the connection, or presents a TLS
// certificate for another name. Each run must end with a specific error that names the adapter,
// and its saved artifacts (recording + manifest) must hold everything heard up to the fault.
//
// A new adapter joins by adding one line to kAdapters (and, where a fault cannot happen on its
// wire, one entry with the reason to its not_applicable map).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "fakes/twilio_fake.hpp"
#include "scenario/adapters/pipecat.hpp"
#include "scenario/adapters/twilio.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/audio/resampler.hpp"
#include "scenario/pipecat/frames.hpp"
#include "scenario/scenario.hpp"
#include "scenario/twilio/media_streams.hpp"
#include "support/tools.hpp"

namespace scenario {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

enum class Fault {
  closes_mid_utterance,
  closes_with_error,
  stalls,
  malformed_frames,
  oversized_frame,
  wrong_format,
  hangs_up,
  connect_timeout,
  tls_name_mismatch
};

std::string to_string(Fault f) {
  switch (f) {
    case Fault::closes_mid_utterance:
      return "ClosesMidUtterance";
    case Fault::closes_with_error:
      return "ClosesWithError";
    case Fault::stalls:
      return "Stalls";
    case Fault::malformed_frames:
      return "MalformedFrames";
    case Fault::oversized_frame:
      return "OversizedFrame";
    case Fault::wrong_format:
      return "WrongFormat";
    case Fault::hangs_up:
      return "HangsUp";
    case Fault::connect_timeout:
      return "ConnectTimeout";
    case Fault::tls_name_mismatch:
      return "TlsNameMismatch";
  }
  return "?";
}

/// The bot side of the wire a faulty peer speaks.
enum class Wire { twilio_json, pipecat_protobuf };

const std::string kSentence =
    "This is the faulty bot speaking for a while before something goes wrong on the line.";
constexpr std::size_t kFramesBeforeFault = 30;  // 0.6 s of speech, then the fault

/// TLS material made once per test run: a certificate for another name than 127.0.0.1.
struct WrongNameCertificate {
  std::string cert, key;
  static const WrongNameCertificate& get() {
    static const WrongNameCertificate c = [] {
      const auto dir = test::scratch_dir("fault_matrix_tls");
      WrongNameCertificate w{(dir / "cert.pem").string(), (dir / "key.pem").string()};
      test::run_checked(
          "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=example.com "
          "-addext subjectAltName=DNS:example.com -keyout " +
          w.key + " -out " + w.cert + " 2>&1");
      return w;
    }();
    return c;
  }
};

/// A TCP port that accepts connections into its backlog and never answers: an upgrade (or an
/// HTTP request) to it can only time out.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::listen(fd_, 16) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("cannot listen on loopback");
    port_ = ntohs(a.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  unsigned short port() const { return port_; }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

/// A bot that speaks `kSentence` in real time, then commits `fault`.
class FaultyBot {
 public:
  FaultyBot(net::EventLoop& loop, Wire wire, Fault fault)
      : wire_(wire), fault_(fault), speech_(make_speech(wire)) {
    net::ServerOptions options;
    if (fault == Fault::tls_name_mismatch) {
      options.certificate_file = WrongNameCertificate::get().cert;
      options.private_key_file = WrongNameCertificate::get().key;
    }
    server_ = std::make_unique<net::Server>(
        loop, options, [this](std::shared_ptr<net::WsConnection> c, const net::HttpRequest&) {
          std::weak_ptr<net::WsConnection> weak = c;
          c->start({.on_message = [this, weak](std::string data, bool binary) {
            if (auto self = weak.lock()) on_message(self, data, binary);
          }});
        });
  }

  std::string url() const { return server_->ws_url("/ws"); }
  std::string http_url() const { return server_->http_url(""); }
  std::string ca_file() const {
    return fault_ == Fault::tls_name_mismatch ? WrongNameCertificate::get().cert : "";
  }

 private:
  static std::vector<std::int16_t> make_speech(Wire wire) {
    const auto canonical = synthesize(kSentence, "espeak/en-us").samples;
    return wire == Wire::twilio_json ? audio::resample(canonical, 24000, 8000) : canonical;
  }

  std::size_t frame_samples() const { return wire_ == Wire::twilio_json ? 160 : 480; }

  std::string audio_message(std::size_t k) const {
    const std::size_t n = frame_samples();
    std::vector<std::int16_t> pcm(n, 0);
    for (std::size_t i = 0; i < n && k * n + i < speech_.size(); ++i) pcm[i] = speech_[k * n + i];
    if (wire_ == Wire::twilio_json) {
      std::vector<std::uint8_t> mulaw(n);
      audio::mulaw_encode(pcm, mulaw);
      return twilio::build_outbound_media(stream_sid_, mulaw);
    }
    return pipecat::encode_audio(pcm, 24000);
  }

  void send_audio(const std::shared_ptr<net::WsConnection>& c, std::size_t k) const {
    c->send(audio_message(k), wire_ == Wire::pipecat_protobuf);
  }

  void on_message(const std::shared_ptr<net::WsConnection>& c, const std::string& data,
                  bool binary) {
    if (started_) return;
    if (wire_ == Wire::twilio_json) {
      if (binary) return;
      const auto m = twilio::parse(data);
      if (m.event != twilio::Event::start) return;
      stream_sid_ = m.stream_sid;
    }
    started_ = true;  // protobuf: the caller's first frame starts the call
    const auto t0 = Steady::now();
    const std::size_t total = (speech_.size() + frame_samples() - 1) / frame_samples();
    const std::size_t before = fault_ == Fault::hangs_up ? total : kFramesBeforeFault;
    for (std::size_t k = 0; k < before; ++k)
      c->run_at(t0 + k * 20ms, [this, c, k] { send_audio(c, k); });
    c->run_at(t0 + before * 20ms,
              [this, c, t0, before, total] { commit_fault(c, t0, before, total); });
  }

  void commit_fault(const std::shared_ptr<net::WsConnection>& c, Steady::time_point t0,
                    std::size_t before, std::size_t total) {
    switch (fault_) {
      case Fault::closes_mid_utterance:
        c->close(1000, "bye");
        break;
      case Fault::closes_with_error:
        c->close(1011, "internal error");
        break;
      case Fault::stalls:
        break;  // not another byte
      case Fault::malformed_frames:
      case Fault::wrong_format:
        if (fault_ == Fault::malformed_frames) {
          c->send("{not json", false);
          c->send(std::string("\xff\x01\x02", 3), true);
          c->send(wire_ == Wire::twilio_json ? R"({"event":"media","streamSid":")" + stream_sid_ +
                                                   R"(","media":{"payload":"***"}})"
                                             : std::string("text frame"),
                  false);
        } else {
          // protobuf: audio announced at 3 Hz, which nobody can play (written by hand: our
          // encoder refuses it). Frame{audio: AudioRawFrame{audio: 6 bytes, sample_rate: 3,
          // num_channels: 1}}.
          c->send(std::string("\x12\x0c\x1a\x06\x01\x02\x03\x04\x05\x06\x20\x03\x28\x01", 14),
                  true);
        }
        // The bot goes on talking, then hangs up.
        for (std::size_t k = before; k < total; ++k)
          c->run_at(t0 + k * 20ms, [this, c, k] { send_audio(c, k); });
        c->run_at(t0 + total * 20ms + 200ms, [c] { c->close(1000, "goodbye"); });
        break;
      case Fault::oversized_frame:
        c->send(std::string(5u << 20, 'x'), wire_ == Wire::pipecat_protobuf);
        break;
      case Fault::hangs_up:
        c->run_at(Steady::now() + 200ms, [c] { c->close(1000, "goodbye"); });
        break;
      case Fault::connect_timeout:
      case Fault::tls_name_mismatch:
        break;  // never get this far
    }
  }

  Wire wire_;
  Fault fault_;
  std::vector<std::int16_t> speech_;
  std::unique_ptr<net::Server> server_;
  std::string stream_sid_;
  bool started_ = false;  // on the connection's strand
};

/// Where the adapter under test is pointed: the faulty peer (or a port that never answers).
struct Peer {
  Fault fault;
  std::string ws_url, http_url, ca_file;
};

/// The adapter under test, and whatever must outlive its run (a fake Twilio in between).
struct Harness {
  std::shared_ptr<VoiceAgentAdapter> adapter;
  std::shared_ptr<void> keep_alive{};
};

/// One adapter in the matrix: how to build it against a faulty peer, what its errors say, and
/// the faults its wire cannot carry (with why).
struct AdapterCase {
  std::string name;
  std::string adapter_name;  ///< what every error must name
  Wire wire;                 ///< what the faulty bot speaks
  std::function<Harness(const Peer&, net::EventLoop&)> make;
  std::map<Fault, std::string> not_applicable{};
  /// Where the adapter's words for a fault differ from the default ones.
  std::map<Fault, std::vector<std::string>> words{};
  /// Faults that end this adapter's call before any audio (beside connect and TLS failures).
  std::set<Fault> before_audio{};
  /// How much of the audio sent before the fault may be missing from the recording.
  double heard_tolerance = 0.021;  // one 20 ms frame (and the resampler's rounding)
};

const VoiceTurnOptions kTurn{.hangover = 700ms, .first_audio_timeout = 2000ms};

Harness pipecat(const Peer& peer, net::EventLoop& loop, adapters::PipecatSerializer serializer) {
  return {std::make_shared<adapters::PipecatAgentAdapter>(
      adapters::PipecatOptions{.url = peer.ws_url,
                               .serializer = serializer,
                               .ca_file = peer.ca_file,
                               .turn = kTurn,
                               .connect_timeout = 1500ms,
                               .loop = &loop})};
}

// The Twilio adapter's peer is Twilio: the faulty bot is the phone at the far end of a call
// through the fake Twilio; a REST API that never answers or shows the wrong certificate is the
// peer itself.
Harness twilio_line(const Peer& peer, net::EventLoop& loop) {
  adapters::TwilioOptions options{.agent_number = "+15550001111",
                                  .our_number = "+15550009999",
                                  .answer_timeout = 10s,
                                  .turn = kTurn,
                                  .loop = &loop};
  options.rest.timeout = 1500ms;
  if (peer.fault == Fault::connect_timeout || peer.fault == Fault::tls_name_mismatch) {
    options.rest.account_sid = "AC0123456789abcdef0123456789abcdef";
    options.rest.auth_token = "fault-matrix-auth-token";
    options.rest.base_url = peer.http_url;
    options.rest.ca_file = peer.ca_file;
    return {std::make_shared<adapters::TwilioAgentAdapter>(options)};
  }
  fakes::FakeTwilioOptions fake_options;
  if (peer.fault == Fault::wrong_format) {
    fake_options.media_encoding = "audio/x-l16";
    fake_options.media_sample_rate = 16000;
  }
  auto fake = std::make_shared<fakes::FakeTwilio>(loop, fake_options);
  fake->add_phone(options.agent_number, peer.ws_url);
  options.rest.account_sid = fake->options().account_sid;
  options.rest.auth_token = fake->options().auth_token;
  options.rest.base_url = fake->base_url();
  return {std::make_shared<adapters::TwilioAgentAdapter>(options), fake};
}

const std::vector<AdapterCase> kAdapters = {
    {.name = "PipecatTwilio",
     .adapter_name = "pipecat",
     .wire = Wire::twilio_json,
     .make = [](const Peer& p,
                net::EventLoop& l) { return pipecat(p, l, adapters::PipecatSerializer::twilio); },
     .not_applicable = {{Fault::wrong_format,
                         "Twilio Media Streams carries no format from the bot: μ-law 8 kHz is "
                         "fixed"}}},
    {.name = "PipecatProtobuf",
     .adapter_name = "pipecat",
     .wire = Wire::pipecat_protobuf,
     .make =
         [](const Peer& p, net::EventLoop& l) {
           return pipecat(p, l, adapters::PipecatSerializer::protobuf);
         }},
    {.name = "Twilio",
     .adapter_name = "twilio",
     .wire = Wire::twilio_json,
     .make = twilio_line,
     .not_applicable =
         {{Fault::stalls,
           "Twilio streams the line without a break: a far end that stalls is silence, which the "
           "turn's VAD ends as a silent reply"},
          {Fault::malformed_frames,
           "the far end's frames stop at Twilio; malformed streams from Twilio itself are "
           "TwilioAdapter.MalformedStreamsAndForgedUpgradesAreRefused"},
          {Fault::oversized_frame, "the far end's frames stop at Twilio (see MalformedFrames)"}},
     .words = {{Fault::closes_with_error, {"hung up"}},
               {Fault::wrong_format, {"only audio/x-mulaw 8000 Hz mono"}},
               {Fault::connect_timeout, {"could not start", "Timeout"}},
               {Fault::tls_name_mismatch, {"could not start", "SSL"}}},
     // Twilio announces the format before any audio: a wrong one ends the call at the start.
     .before_audio = {Fault::wrong_format},
     // The fake Twilio relays the far end in 20 ms frames and ends the call when the far end
     // closes: a frame still in flight then is lost, as on a real line (seen under ASan).
     .heard_tolerance = 0.045},
};

/// What each fault's error must say, beside the adapter's name.
std::vector<std::string> expected_words(Fault f) {
  switch (f) {
    case Fault::closes_mid_utterance:
    case Fault::hangs_up:
    case Fault::malformed_frames:
    case Fault::wrong_format:
      return {"hung up"};
    case Fault::closes_with_error:
      return {"hung up", "1011"};
    case Fault::stalls:
      return {"no audio from"};
    case Fault::oversized_frame:
      return {"too big"};
    case Fault::connect_timeout:
      return {"could not start", "timed out"};
    case Fault::tls_name_mismatch:
      return {"could not start", "TLS"};
  }
  return {};
}

using Param = std::tuple<std::size_t, Fault>;

class FaultMatrix : public ::testing::TestWithParam<Param> {};

TEST_P(FaultMatrix, EndsWithASpecificErrorAndKeepsWhatWasHeard) {
  const auto& adapter = kAdapters[std::get<0>(GetParam())];
  const Fault fault = std::get<1>(GetParam());
  if (const auto na = adapter.not_applicable.find(fault); na != adapter.not_applicable.end()) {
    // Not a gap: the wire has no such thing. Recorded here so the matrix stays complete.
    EXPECT_FALSE(na->second.empty());
    return;
  }
  net::EventLoop loop(2);
  std::optional<FaultyBot> bot;
  std::optional<SilentListener> silent;
  Peer peer{.fault = fault, .ws_url = {}, .http_url = {}, .ca_file = {}};
  if (fault == Fault::connect_timeout) {
    silent.emplace();
    const std::string at = "127.0.0.1:" + std::to_string(silent->port());
    peer.ws_url = "ws://" + at + "/ws";
    peer.http_url = "http://" + at;
  } else {
    bot.emplace(loop, adapter.wire, fault);
    peer.ws_url = bot->url();
    peer.http_url = bot->http_url();
    peer.ca_file = bot->ca_file();
  }
  const auto harness = adapter.make(peer, loop);
  const auto r = run({.name = "fault " + to_string(fault),
                      .description = "a peer that goes wrong",
                      .agents = {harness.adapter},
                      .script = {agent(), user("Hello?"), agent(), succeed()}});

  EXPECT_FALSE(r.success);
  EXPECT_NE(r.reasoning.find(adapter.adapter_name), std::string::npos) << r.reasoning;
  const auto words =
      adapter.words.contains(fault) ? adapter.words.at(fault) : expected_words(fault);
  for (const auto& word : words)
    EXPECT_NE(r.reasoning.find(word), std::string::npos) << "'" << word << "' in: " << r.reasoning;

  // The artifacts say what happened and keep what was heard.
  const auto dir = test::scratch_dir("fault_matrix_" + adapter.name + "_" + to_string(fault));
  const auto manifest = r.recording.save_segments(dir);
  EXPECT_EQ(manifest["success"], false);
  EXPECT_EQ(manifest["reasoning"], r.reasoning);
  EXPECT_TRUE(std::filesystem::exists(dir / "full.wav"));
  double agent_heard = 0;
  for (const auto& s : r.recording.segments)
    if (s.speaker == Speaker::agent) agent_heard += s.end - s.start;
  if (fault == Fault::connect_timeout || fault == Fault::tls_name_mismatch ||
      adapter.before_audio.contains(fault)) {
    EXPECT_EQ(agent_heard, 0.0);
  } else {
    // Everything the bot said before the fault (0.6 s; all of it when it hangs up politely).
    EXPECT_GE(agent_heard, 0.6 - adapter.heard_tolerance) << "heard " << agent_heard << " s";
  }
  if ((fault == Fault::malformed_frames || fault == Fault::wrong_format) &&
      !adapter.before_audio.contains(fault)) {
    int named = 0;
    for (const auto& e : r.timeline)
      if (e.type == "transport_error" && e.metadata.value("adapter", "") == adapter.adapter_name)
        ++named;
    EXPECT_GE(named, fault == Fault::malformed_frames ? 3 : 1) << "each bad frame is recorded";
  }
}

std::string name_of(const ::testing::TestParamInfo<Param>& info) {
  return kAdapters[std::get<0>(info.param)].name + "_" + to_string(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(
    EveryAdapter, FaultMatrix,
    ::testing::Combine(::testing::Range<std::size_t>(0, kAdapters.size()),
                       ::testing::Values(Fault::closes_mid_utterance, Fault::closes_with_error,
                                         Fault::stalls, Fault::malformed_frames,
                                         Fault::oversized_frame, Fault::wrong_format,
                                         Fault::hangs_up, Fault::connect_timeout,
                                         Fault::tls_name_mismatch)),
    name_of);

}  // namespace
}  // namespace scenario
