// A phone call through Twilio: our webhook + media-stream server and the REST calls around it
// (shared/protocols/twilio-media-streams.md: TwiML, REST endpoints, X-Twilio-Signature, Gotchas).
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <set>

#include "common/telephone_line.hpp"
#include "scenario/adapters/twilio.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/audio/resampler.hpp"
#include "scenario/twilio/media_streams.hpp"
#include "scenario/twilio/signature.hpp"
#include "scenario/twilio/twiml.hpp"
#include "scenario/voice/playout_cursor.hpp"
#include "scenario/net/timer_strand.hpp"
#include "scenario/voice/streaming_transport.hpp"

namespace scenario::adapters {
namespace {

constexpr int kWireRate = kTelephoneRate;
constexpr const char* kNonceParameter = "scenario_nonce";
constexpr const char* kVoicePath = "/twilio/voice";
constexpr const char* kStatusPath = "/twilio/status";
constexpr const char* kMediaPath = "/twilio/media";

std::string without_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// https://host → wss://host (Twilio requires wss for <Stream url>; ws only on loopback tests).
std::string websocket_base(const std::string& http_base) {
  if (http_base.rfind("https://", 0) == 0) return "wss://" + http_base.substr(8);
  if (http_base.rfind("http://", 0) == 0) return "ws://" + http_base.substr(7);
  return http_base;
}

bool call_over(const std::string& status) {
  return status == "completed" || status == "busy" || status == "failed" || status == "no-answer" ||
         status == "canceled";
}

net::HttpResponse text_response(int status, std::string body) {
  return {.status = status, .content_type = "text/plain", .body = std::move(body)};
}

net::HttpResponse twiml_response(std::string twiml) {
  return {.status = 200, .content_type = "text/xml", .body = std::move(twiml)};
}

}  // namespace

struct TwilioAgentAdapter::Impl : std::enable_shared_from_this<Impl> {
  Impl(TwilioOptions o, std::shared_ptr<StreamingTransport> t)
      : options(std::move(o)), rest(options.rest), transport(std::move(t)) {}

  TwilioOptions options;
  twilio::RestClient rest;
  std::unique_ptr<net::Server> server;
  std::string http_base;  ///< what Twilio requests (public_url or the server's own)
  std::mt19937_64 random{std::random_device{}()};
  /// The call's events and its caller side.
  const std::shared_ptr<StreamingTransport> transport;

  // Session thread only.
  /// The caller's side of the current call: one frame per 20 ms slot while the caller speaks, and
  /// nothing in between (Twilio fills the line itself). It outlives the media streams that a key
  /// press replaces, so it runs on a strand of its own.
  std::shared_ptr<net::TimerStrand> pacer_strand;
  std::string number_sid, saved_voice_url, saved_voice_method;  ///< wait_for_call

  // Pacer strand only.
  std::vector<std::uint8_t> mulaw_out;

  // Shared; under `mutex`.
  mutable std::mutex mutex;
  std::condition_variable changed;
  std::set<std::string> nonces;  ///< issued in TwiML, not yet used by a stream
  std::shared_ptr<net::WsConnection> stream;
  std::string stream_sid;
  std::uint64_t stream_generation = 0;  ///< bumps each time a stream is taken
  bool waiting = false;                 ///< connect() or send_dtmf() expects a stream
  std::atomic<bool> connected{false};   ///< between connect() and disconnect()
  bool replacing_stream = false;        ///< a DTMF TwiML update ends the current stream
  bool call_ended = false;
  std::string call_sid_value;
  std::string end_reason;
  TwilioStats stats;

  std::string new_nonce() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string nonce(32, '0');
    std::lock_guard lock(mutex);
    for (auto& c : nonce) c = kHex[random() & 15];
    nonces.insert(nonce);
    return nonce;
  }

  std::string stream_twiml(std::string_view play_digits = {}) {
    return twilio::connect_stream_twiml(websocket_base(http_base) + kMediaPath,
                                        {{kNonceParameter, new_nonce()}}, play_digits);
  }

  std::chrono::nanoseconds now() const { return transport->now(); }

  /// An event of the call under way.
  void push(TransportEvent::Body body) { transport->push(transport->current(), std::move(body)); }

  void note(std::string text, nlohmann::json data) {
    push(transport::Note{.type = std::move(text), .data = std::move(data)});
  }

  // ---- webhooks (loop threads) ----

  bool signed_by_twilio(const net::HttpRequest& request, const twilio::FormParams& params) {
    const std::string signature = request.header("x-twilio-signature");
    const bool ok =
        !signature.empty() && twilio::validate_signature(options.rest.auth_token, signature,
                                                         http_base + request.target, params);
    if (!ok) {
      std::lock_guard lock(mutex);
      ++stats.rejected_signatures;
      stats.last_error = signature.empty() ? "webhook without X-Twilio-Signature"
                                           : "webhook with a wrong X-Twilio-Signature";
    }
    return ok;
  }

  net::HttpResponse on_http(const net::HttpRequest& request) {
    const std::string path = request.path();
    if (path != kVoicePath && path != kStatusPath) return text_response(404, "not found\n");
    if (request.method != "POST") return text_response(405, "POST only\n");
    twilio::FormParams params;
    try {
      params = twilio::parse_form(request.body);
    } catch (const twilio::ProtocolError& e) {
      return text_response(400, std::string(e.what()) + "\n");
    }
    if (!signed_by_twilio(request, params)) {
      return text_response(403, "X-Twilio-Signature missing or invalid\n");
    }
    return path == kVoicePath ? on_voice(params) : on_status(params);
  }

  net::HttpResponse on_voice(const twilio::FormParams& params) {
    const std::string call = twilio::form_value(params, "CallSid");
    const std::string from = twilio::form_value(params, "From");
    {
      std::lock_guard lock(mutex);
      ++stats.webhooks;
      if (options.mode == TwilioOptions::Mode::wait_for_call) {
        const auto& allowed = options.allowed_callers;
        if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), from) == allowed.end()) {
          ++stats.rejected_callers;
          stats.last_error = "call from a caller not allowed: " + from;
          return twiml_response(twilio::reject_twiml("rejected"));
        }
        if (!waiting || (!call_sid_value.empty() && call_sid_value != call)) {
          return twiml_response(twilio::reject_twiml("busy"));  // one call per run
        }
        call_sid_value = call;
      } else if (!call_sid_value.empty() && call != call_sid_value) {
        stats.last_error = "webhook for a call we did not place: " + call;
        return twiml_response(twilio::reject_twiml("rejected"));
      }
    }
    return twiml_response(stream_twiml());
  }

  net::HttpResponse on_status(const twilio::FormParams& params) {
    const std::string call = twilio::form_value(params, "CallSid");
    const std::string status = twilio::form_value(params, "CallStatus");
    bool hung_up = false;
    {
      std::lock_guard lock(mutex);
      if (call != call_sid_value) return text_response(200, "");
      stats.call_status = status;
      if (call_over(status) && !call_ended) {
        call_ended = true;
        end_reason = "the call ended (" + status + ")";
        hung_up = stream != nullptr || !waiting;
      }
    }
    changed.notify_all();
    if (hung_up) push(transport::HangUp{.reason = status});
    return text_response(200, "");
  }

  net::UpgradeDecision on_upgrade(const net::HttpRequest& request) {
    if (request.path() != kMediaPath) return {.reject_status = 404, .reject_body = "not found\n"};
    // Twilio is reported to sign the upgrade too (over the wss URL, no params): when it does,
    // the signature must be right. The nonce is checked either way.
    const std::string signature = request.header("x-twilio-signature");
    if (!signature.empty() &&
        !twilio::validate_signature(options.rest.auth_token, signature,
                                    websocket_base(http_base) + request.target)) {
      std::lock_guard lock(mutex);
      ++stats.rejected_signatures;
      stats.last_error = "media stream upgrade with a wrong X-Twilio-Signature";
      return {.reject_status = 403, .reject_body = "X-Twilio-Signature invalid\n"};
    }
    return {};
  }

  // ---- media streams (connection strands) ----

  struct Leg {
    std::shared_ptr<net::WsConnection> connection;
    bool taken = false;
    std::string stream_sid;
    std::vector<std::int16_t> narrow;
  };

  void on_connection(const std::shared_ptr<net::WsConnection>& connection) {
    auto leg = std::make_shared<Leg>();
    leg->connection = connection;
    std::weak_ptr<Impl> weak = shared_from_this();
    // The leg holds the connection, the connection's handlers hold the leg: the cycle ends when
    // the connection closes and drops its handlers.
    connection->start({.on_message =
                           [weak, leg](std::string data, bool binary) {
                             if (auto self = weak.lock()) self->on_message(*leg, data, binary);
                           },
                       .on_close =
                           [weak, leg](const net::WsClose& close) {
                             if (auto self = weak.lock()) self->on_close(*leg, close);
                           }});
  }

  void malformed(const std::string& what) {
    {
      std::lock_guard lock(mutex);
      stats.last_error = what;  // also says why streams and webhooks were refused
    }
    transport->malformed(transport->current(), what);
  }

  void on_message(Leg& leg, const std::string& text, bool binary) {
    if (binary) return malformed("binary frame on a Twilio media stream (JSON text only)");
    twilio::Message m;
    try {
      m = twilio::parse(text);
    } catch (const twilio::ProtocolError& e) {
      return malformed(e.what());
    }
    switch (m.event) {
      case twilio::Event::connected:
        break;
      case twilio::Event::start:
        take_stream(leg, m);
        break;
      case twilio::Event::media: {
        if (!leg.taken) return malformed("media before an accepted start");
        leg.narrow.resize(m.payload.size());
        audio::mulaw_decode(m.payload, leg.narrow);
        {
          std::lock_guard lock(mutex);
          ++stats.media_received;
        }
        // At 8 kHz: the runtime converts to its rate.
        push(transport::AgentAudio{.samples = leg.narrow, .sample_rate = kWireRate});
        break;
      }
      case twilio::Event::dtmf: {
        if (!leg.taken) return malformed("dtmf before an accepted start");
        {
          std::lock_guard lock(mutex);
          ++stats.dtmf_received;
        }
        // The callback first: whoever sees the event can rely on the callback having run.
        if (options.on_dtmf) options.on_dtmf(m.digit[0]);
        push(transport::Dtmf{.digits = m.digit});
        break;
      }
      case twilio::Event::mark:
        note("mark", {{"name", m.mark_name}});
        break;
      case twilio::Event::stop:
        note("stream_stopped", {{"stream_sid", leg.stream_sid}});
        break;
      default:
        malformed("Twilio sent '" + m.event_name + "' on the media stream");
        break;
    }
  }

  void take_stream(Leg& leg, const twilio::Message& m) {
    const auto nonce_it = m.start.custom_parameters.find(kNonceParameter);
    const std::string nonce = nonce_it == m.start.custom_parameters.end() ? "" : nonce_it->second;
    {
      std::lock_guard lock(mutex);
      // A nonce works once: a replayed or invented start is not our call.
      if (nonce.empty() || nonces.erase(nonce) == 0 || call_ended) {
        ++stats.rejected_streams;
        stats.last_error = nonce.empty() ? "media stream without a nonce"
                                         : "media stream with an unknown or already used nonce";
        leg.connection->close(1008, "unknown or already used stream nonce");
        return;
      }
      // Media Streams carry μ-law 8 kHz mono (twilio-media-streams.md, "start"); a stream that
      // announces anything else would be decoded into noise: the call ends, saying why.
      const auto& f = m.start;
      if (f.encoding != "audio/x-mulaw" || f.sample_rate != 8000 || f.channels != 1) {
        ++stats.rejected_streams;
        stats.last_error = "the media stream announced " + f.encoding + " at " +
                           std::to_string(f.sample_rate) + " Hz, " + std::to_string(f.channels) +
                           " channel(s); only audio/x-mulaw 8000 Hz mono is supported";
        leg.connection->close(1003, "unsupported media format");
        call_ended = true;
        end_reason = stats.last_error;
        push(transport::Error{.severity = transport::Severity::fatal,
                              .message = "twilio: " + stats.last_error});
        changed.notify_all();
        return;
      }
      // The SID goes into every outbound frame unescaped (the hot path): only a well-formed one
      // (MZ + 32 hex, as Twilio makes them) is taken.
      if (!twilio::is_sid(m.start.stream_sid, "MZ")) {
        ++stats.rejected_streams;
        stats.last_error = "media stream with a malformed streamSid";
        leg.connection->close(1008, "malformed streamSid");
        return;
      }
      leg.taken = true;
      leg.stream_sid = m.start.stream_sid;
      stream = leg.connection;
      stream_sid = m.start.stream_sid;
      if (call_sid_value.empty()) call_sid_value = m.start.call_sid;
      ++stream_generation;
      ++stats.streams;
      replacing_stream = false;
    }
    changed.notify_all();
    note("stream_started", {{"stream_sid", m.start.stream_sid}, {"call_sid", m.start.call_sid}});
  }

  void on_close(Leg& leg, const net::WsClose& close) {
    if (!leg.taken) return;
    bool hung_up = false;
    {
      std::lock_guard lock(mutex);
      if (stream != leg.connection) return;  // an earlier stream, replaced already
      stream.reset();
      if (replacing_stream || !connected_or_waiting()) return;
      if (!call_ended) {
        call_ended = true;
        end_reason = "the call's media stream " + close.describe();
        hung_up = true;
      }
    }
    changed.notify_all();
    if (hung_up) {
      push(transport::HangUp{.reason = close.describe()});
    }
  }

  bool connected_or_waiting() const { return connected || waiting; }

  // One 20 ms frame of caller audio to Twilio as outbound media (what the agent hears), on the
  // pacer's strand as it leaves.
  void send_frame(std::span<const std::int16_t> pcm) {
    std::shared_ptr<net::WsConnection> to;
    std::string sid;
    {
      std::lock_guard lock(mutex);
      if (call_ended) return;
      if (!stream) {
        ++stats.frames_dropped;  // between two streams (a DTMF press)
        return;
      }
      to = stream;
      sid = stream_sid;
      ++stats.frames_sent;
    }
    mulaw_out.resize(pcm.size());
    audio::mulaw_encode(pcm, mulaw_out);
    to->send(twilio::build_outbound_media(sid, mulaw_out));
  }

  // Waits (session thread) until a stream newer than `generation` is taken or the call ends.
  bool wait_for_stream(std::uint64_t generation, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] {
      return stream_generation > generation || call_ended;
    }) && !call_ended;
  }
};

TwilioAgentAdapter::TwilioAgentAdapter(TwilioOptions options)
    // One frame per 20 ms slot while the caller speaks, nothing in between (Twilio fills the
    // line itself).
    : StreamingVoiceAdapter(options.turn,
                            {.idle = IdleUplink::nothing, .name = "twilio"}),
      impl_(std::make_shared<Impl>(std::move(options), transport())) {
  auto& i = *impl_;
  auto& loop = i.options.loop != nullptr ? *i.options.loop : net::EventLoop::shared();
  std::weak_ptr<Impl> weak = impl_;
  i.server = std::make_unique<net::Server>(
      loop, i.options.server,
      [weak](std::shared_ptr<net::WsConnection> connection, const net::HttpRequest&) {
        if (auto self = weak.lock()) self->on_connection(connection);
      },
      [weak](const net::HttpRequest& request) {
        auto self = weak.lock();
        return self ? self->on_http(request) : text_response(503, "shutting down\n");
      },
      [weak](const net::HttpRequest& request) {
        auto self = weak.lock();
        return self ? self->on_upgrade(request)
                    : net::UpgradeDecision{.reject_status = 503, .reject_body = {}};
      });
  i.http_base = without_trailing_slash(i.options.public_url.empty() ? i.server->http_url("")
                                                                    : i.options.public_url);
  i.pacer_strand = net::make_timer_strand(loop);
}

TwilioAgentAdapter::~TwilioAgentAdapter() {
  try {
    disconnect();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
  impl_->server.reset();
}

AdapterCapabilities TwilioAgentAdapter::capabilities() const {
  return telephone_line_capabilities();
}

void TwilioAgentAdapter::connect(std::shared_ptr<Clock> clock) {
  require_real_clock(clock.get(), "twilio places a real call");
  auto& i = *impl_;
  if (i.connected) disconnect();
  begin_call(clock);
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(i.mutex);
    i.nonces.clear();
    i.stream.reset();
    i.call_ended = false;
    i.call_sid_value.clear();
    i.end_reason.clear();
    i.replacing_stream = false;
    i.waiting = true;
    generation = i.stream_generation;
  }
  const auto stop_waiting = [&i] {
    std::lock_guard lock(i.mutex);
    i.waiting = false;
  };
  const std::string webhook = i.http_base + kVoicePath;
  try {
    if (i.options.mode == TwilioOptions::Mode::place_call) {
      const auto call = i.rest.create_call({.to = i.options.agent_number,
                                            .from = i.options.our_number,
                                            .url = webhook,
                                            .status_callback = i.http_base + kStatusPath});
      std::lock_guard lock(i.mutex);
      i.call_sid_value = call.sid;
      i.stats.call_status = call.status;
    } else {
      const auto number = i.rest.find_number(i.options.our_number);
      i.number_sid = number.sid;
      i.saved_voice_url = number.voice_url;
      i.saved_voice_method = number.voice_method.empty() ? "POST" : number.voice_method;
      i.rest.set_voice_url(number.sid, webhook, "POST");
    }
  } catch (...) {
    stop_waiting();
    throw;
  }
  if (!i.wait_for_stream(generation, i.options.answer_timeout)) {
    std::string why;
    {
      std::lock_guard lock(i.mutex);
      why = i.call_ended ? i.end_reason
                         : "no media stream within " +
                               std::to_string(i.options.answer_timeout.count()) + " ms";
    }
    stop_waiting();
    i.connected = true;  // so that disconnect() hangs up and restores the number
    disconnect();
    const std::string who = i.options.mode == TwilioOptions::Mode::place_call
                                ? "the call to " + i.options.agent_number
                                : "waiting for a call to " + i.options.our_number;
    throw net::NetError("twilio: " + who + " failed: " + why);
  }
  stop_waiting();
  std::weak_ptr<Impl> weak = impl_;
  i.transport->start_uplink(i.pacer_strand,
                           [weak](std::span<const std::int16_t> pcm, std::chrono::nanoseconds) {
                             if (auto self = weak.lock()) self->send_frame(pcm);
                           });
  i.connected = true;
}

void TwilioAgentAdapter::disconnect() {
  auto& i = *impl_;
  if (!i.connected) return;
  i.connected = false;
  i.transport->end();
  std::shared_ptr<net::WsConnection> stream;
  std::string call;
  bool ended = false;
  {
    std::lock_guard lock(i.mutex);
    stream = std::move(i.stream);
    call = i.call_sid_value;
    ended = i.call_ended;
    i.call_ended = true;
    i.nonces.clear();
  }
  // Closing the stream ends <Connect>, and with nothing after it Twilio hangs up; the REST
  // update makes it explicit (and works when the stream never came up).
  if (stream) stream->close(1000, "call ended");
  const auto remember = [&i](const std::exception& e) {
    std::lock_guard lock(i.mutex);
    i.stats.last_error = e.what();
  };
  if (!call.empty() && !ended) {
    try {
      i.rest.hang_up(call);
    } catch (const twilio::ApiError& e) {
      if (e.code() != 20404) remember(e);  // 20404: the call is over already
    }
  }
  if (!i.number_sid.empty()) {
    try {
      i.rest.set_voice_url(i.number_sid, i.saved_voice_url, i.saved_voice_method);
      i.number_sid.clear();
    } catch (const twilio::ApiError& e) {
      remember(e);
    }
  }
}

void TwilioAgentAdapter::check_can_send() const {
  auto& i = *impl_;
  if (!i.connected) throw std::logic_error("twilio: send_audio before connect");
  std::lock_guard lock(i.mutex);
  if (i.call_ended) throw net::NetError("twilio: cannot send audio, " + i.end_reason);
}

void TwilioAgentAdapter::send_dtmf(std::string_view digits) {
  auto& i = *impl_;
  if (!i.connected) throw std::logic_error("twilio: send_dtmf before connect");
  if (digits.empty() || !twilio::valid_play_digits(digits)) {
    throw std::invalid_argument("twilio: DTMF digits must be 0-9 * # (w pauses 0.5 s), got \"" +
                                std::string(digits) + "\"");
  }
  std::string call;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(i.mutex);
    if (i.call_ended) throw net::NetError("twilio: cannot press keys, " + i.end_reason);
    call = i.call_sid_value;
    generation = i.stream_generation;
    i.replacing_stream = true;
    i.waiting = true;
  }
  // Updating a live call replaces its TwiML: the stream stops, the digits play, and the fresh
  // <Connect><Stream> brings the call back (twilio-media-streams.md, Gotchas).
  try {
    i.rest.update_call(call, {{"Twiml", i.stream_twiml(digits)}});
  } catch (...) {
    std::lock_guard lock(i.mutex);
    i.replacing_stream = false;
    i.waiting = false;
    throw;
  }
  const auto pauses = std::count(digits.begin(), digits.end(), 'w');
  const auto budget =
      std::chrono::milliseconds(10000 + 500 * pauses + 200 * static_cast<long>(digits.size()));
  const bool back = i.wait_for_stream(generation, budget);
  {
    std::lock_guard lock(i.mutex);
    i.waiting = false;
    ++i.stats.dtmf_sent;
    if (!back) {
      throw net::NetError("twilio: the call did not come back after pressing \"" +
                          std::string(digits) +
                          "\": " + (i.call_ended ? i.end_reason : "no new media stream"));
    }
  }
}

std::string TwilioAgentAdapter::local_url() const {
  return impl_->server->http_url("");
}

std::string TwilioAgentAdapter::call_sid() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->call_sid_value;
}

TwilioStats TwilioAgentAdapter::stats() const {
  const auto malformed = impl_->transport->stats().malformed;
  std::lock_guard lock(impl_->mutex);
  auto stats = impl_->stats;
  stats.malformed = malformed;
  return stats;
}

}  // namespace scenario::adapters
