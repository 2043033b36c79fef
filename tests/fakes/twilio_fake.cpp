// A fake Twilio: REST + signed webhooks + TwiML + real-time media bridge
// (shared/protocols/twilio-media-streams.md, "Fake-server checklist", "REST endpoints", "Gotchas").
#include "fakes/twilio_fake.hpp"

#include <expat.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "fakes/http_server.hpp"
#include "scenario/audio/base64.hpp"
#include "scenario/audio/dtmf.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/http.hpp"
#include "scenario/net/websocket.hpp"
#include "scenario/twilio/media_streams.hpp"
#include "scenario/twilio/signature.hpp"
#include "scenario/voice/playout_cursor.hpp"

namespace scenario::fakes {
namespace {

using json = nlohmann::json;
using Steady = std::chrono::steady_clock;
constexpr auto kFrame = std::chrono::milliseconds(20);

// ---- TwiML (parsed with expat) ----

struct XmlNode {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<XmlNode> children;
  std::string text;
};

struct XmlBuilder {
  XmlNode root{.name = "#document", .attributes = {}, .children = {}, .text = {}};
  std::vector<XmlNode*> open{&root};
};

XmlNode parse_xml(const std::string& text) {
  XmlBuilder builder;
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate("UTF-8"),
                                                                      &XML_ParserFree);
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(
      parser.get(),
      [](void* user, const XML_Char* name, const XML_Char** attributes) {
        auto& b = *static_cast<XmlBuilder*>(user);
        XmlNode node{.name = name, .attributes = {}, .children = {}, .text = {}};
        for (int k = 0; attributes[k] != nullptr; k += 2)
          node.attributes[attributes[k]] = attributes[k + 1];
        b.open.back()->children.push_back(std::move(node));
        b.open.push_back(&b.open.back()->children.back());
      },
      [](void* user, const XML_Char*) { static_cast<XmlBuilder*>(user)->open.pop_back(); });
  XML_SetCharacterDataHandler(parser.get(), [](void* user, const XML_Char* s, int length) {
    static_cast<XmlBuilder*>(user)->open.back()->text.append(s, static_cast<std::size_t>(length));
  });
  if (XML_Parse(parser.get(), text.data(), static_cast<int>(text.size()), 1) == XML_STATUS_ERROR) {
    throw std::runtime_error(std::string("TwiML is not XML: ") +
                             XML_ErrorString(XML_GetErrorCode(parser.get())));
  }
  if (builder.root.children.size() != 1 || builder.root.children[0].name != "Response") {
    throw std::runtime_error("TwiML must have one <Response> root");
  }
  return builder.root.children[0];
}

std::string attribute(const XmlNode& node, const std::string& name, std::string fallback = {}) {
  const auto it = node.attributes.find(name);
  return it == node.attributes.end() ? fallback : it->second;
}

json error_body(int code, const std::string& message, int status) {
  return {{"code", code},
          {"message", message},
          {"more_info", "https://www.twilio.com/docs/errors/" + std::to_string(code)},
          {"status", status}};
}

HttpResponse json_response(int status, const json& body) {
  return {.status = status, .content_type = "application/json", .body = body.dump()};
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One media stream where the fake plays Twilio (we send connected/start/media/dtmf/stop; the
// stream's server sends media/mark/clear).
struct Leg {
  std::shared_ptr<net::WsConnection> ws;
  std::unique_ptr<twilio::CallerStream> stream;
  Steady::time_point started;
  std::deque<std::uint8_t> audio;  ///< what the server sent, waiting to be heard
  /// The caller's playout, on the axis of bytes the bridge has played (one byte = one sample):
  /// marks come back once the audio queued before them has been heard.
  PlayoutCursor playout;
  std::int64_t played = 0;
  bool closed = false;
  int close_code = 0;
  std::uint64_t media_messages = 0;

  std::uint64_t timestamp_ms() const {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - started).count());
  }
};

}  // namespace

struct FakeTwilio::Impl : std::enable_shared_from_this<Impl> {
  struct Call {
    std::mutex mutex;
    std::condition_variable changed;
    FakeCall log;
    std::string webhook_url;
    std::string status_callback;
    std::set<std::string> status_events;
    std::string far_url;
    std::shared_ptr<Leg> far;
    std::shared_ptr<Leg> stream;
    std::deque<std::uint8_t> tones;  ///< <Play digits> on its way to the far end
    std::optional<std::string> pending_twiml;
    bool hangup_requested = false;
    bool ended = false;
    std::string last_stream_url;
    std::string last_start;
    audio::DtmfDetector detector{8000};
    std::thread executor;
    std::thread pacer;
    bool far_hung_up() const { return far && far->closed; }  // under `mutex`
  };

  Impl(net::EventLoop& l, FakeTwilioOptions o) : loop(l), options(std::move(o)) {}

  net::EventLoop& loop;
  FakeTwilioOptions options;
  std::unique_ptr<HttpServer> rest;
  std::shared_ptr<http::Client> http = http::make_curl_client();
  mutable std::mutex mutex;
  std::mt19937_64 random{std::random_device{}()};
  std::map<std::string, std::string> phones;  ///< number → bot URL
  std::map<std::string, FakeNumber> numbers;  ///< by phone number
  std::map<std::string, std::shared_ptr<Call>> calls;
  Signing signing = Signing::valid;
  std::size_t unauthorized = 0;
  bool shutting_down = false;

  std::string sid(const char* prefix) {
    std::lock_guard lock(mutex);
    return twilio::make_sid(prefix, random);
  }

  std::string signature_for(const std::string& url, const twilio::FormParams& params) {
    Signing mode;
    {
      std::lock_guard lock(mutex);
      mode = signing;
    }
    switch (mode) {
      case Signing::valid:
        return twilio::compute_signature(options.auth_token, url, params);
      case Signing::wrong:
        return twilio::compute_signature("not-the-auth-token", url, params);
      case Signing::missing:
        break;
    }
    return {};
  }

  // ---- REST ----

  HttpResponse on_rest(const HttpRequest& request) {
    const std::string credentials = options.account_sid + ":" + options.auth_token;
    const std::string expected =
        "Basic " +
        audio::base64_encode(std::span<const std::uint8_t>(
            reinterpret_cast<const std::uint8_t*>(credentials.data()), credentials.size()));
    if (request.header("authorization") != expected) {
      std::lock_guard lock(mutex);
      ++unauthorized;
      return json_response(401, error_body(20003, "Authenticate", 401));
    }
    const std::string prefix = "/2010-04-01/Accounts/" + options.account_sid + "/";
    const std::string path = request.path();
    const auto not_found = json_response(
        404, error_body(20404, "The requested resource " + path + " was not found", 404));
    if (path.rfind(prefix, 0) != 0) return not_found;
    const std::string rest_of = path.substr(prefix.size());
    twilio::FormParams form;
    try {
      if (request.method == "POST")
        form = twilio::parse_form(request.body);
      else if (request.target.find('?') != std::string::npos)
        form = twilio::parse_form(request.target.substr(request.target.find('?') + 1));
    } catch (const std::exception& e) {
      return json_response(400, error_body(20001, e.what(), 400));
    }
    if (rest_of == "Calls.json" && request.method == "POST") return create_call(form);
    if (rest_of.rfind("Calls/", 0) == 0 && ends_with(rest_of, ".json") &&
        request.method == "POST") {
      return update_call(rest_of.substr(6, rest_of.size() - 11), form, not_found);
    }
    if (rest_of == "IncomingPhoneNumbers.json" && request.method == "GET")
      return list_numbers(form);
    if (rest_of.rfind("IncomingPhoneNumbers/", 0) == 0 && ends_with(rest_of, ".json") &&
        request.method == "POST") {
      return update_number(rest_of.substr(21, rest_of.size() - 26), form, not_found);
    }
    return not_found;
  }

  json call_json(const FakeCall& c) const {
    return {{"sid", c.sid},
            {"account_sid", options.account_sid},
            {"to", c.to},
            {"from", c.from},
            {"status", c.status},
            {"direction", c.direction},
            {"api_version", "2010-04-01"},
            {"uri", "/2010-04-01/Accounts/" + options.account_sid + "/Calls/" + c.sid + ".json"}};
  }

  json number_json(const FakeNumber& n) const {
    return {{"sid", n.sid},
            {"account_sid", options.account_sid},
            {"phone_number", n.phone_number},
            {"voice_url", n.voice_url},
            {"voice_method", n.voice_method}};
  }

  HttpResponse create_call(const twilio::FormParams& form) {
    const std::string to = twilio::form_value(form, "To");
    const std::string from = twilio::form_value(form, "From");
    const std::string url = twilio::form_value(form, "Url");
    if (to.empty())
      return json_response(400, error_body(21201, "No 'To' number is specified", 400));
    if (from.empty()) {
      return json_response(400, error_body(21213, "No 'From' number is specified", 400));
    }
    if (url.empty()) return json_response(400, error_body(21205, "Url parameter is required", 400));
    auto call = std::make_shared<Call>();
    call->log = {.sid = sid("CA"),
                 .from = from,
                 .to = to,
                 .direction = "outbound-api",
                 .status = "queued",
                 .statuses = {"queued"}};
    call->webhook_url = url;
    call->status_callback = twilio::form_value(form, "StatusCallback");
    for (const auto& [name, value] : form)
      if (name == "StatusCallbackEvent") call->status_events.insert(value);
    if (call->status_events.empty()) call->status_events.insert("completed");
    {
      std::lock_guard lock(mutex);
      const auto phone = phones.find(to);
      call->far_url = phone == phones.end() ? "" : phone->second;
      calls[call->log.sid] = call;
    }
    const json body = call_json(call->log);
    start(call);
    return json_response(201, body);
  }

  HttpResponse update_call(const std::string& call_sid, const twilio::FormParams& form,
                           const HttpResponse& not_found) {
    std::shared_ptr<Call> call;
    {
      std::lock_guard lock(mutex);
      const auto it = calls.find(call_sid);
      if (it == calls.end()) return not_found;
      call = it->second;
    }
    std::lock_guard lock(call->mutex);
    if (call->ended) return not_found;  // Twilio: 20404 for a call that is over
    const std::string status = twilio::form_value(form, "Status");
    const std::string twiml = twilio::form_value(form, "Twiml");
    if (status == "completed" || status == "canceled") {
      call->hangup_requested = true;
    } else if (!twiml.empty()) {
      call->pending_twiml = twiml;
    } else {
      return json_response(400, error_body(21220, "Invalid call state or parameters", 400));
    }
    call->changed.notify_all();
    return json_response(200, call_json(call->log));
  }

  HttpResponse list_numbers(const twilio::FormParams& query) {
    const std::string wanted = twilio::form_value(query, "PhoneNumber");
    json list = json::array();
    std::lock_guard lock(mutex);
    for (const auto& [phone, n] : numbers)
      if (wanted.empty() || phone == wanted) list.push_back(number_json(n));
    return json_response(200, {{"incoming_phone_numbers", list}, {"page", 0}, {"page_size", 50}});
  }

  HttpResponse update_number(const std::string& number_sid, const twilio::FormParams& form,
                             const HttpResponse& not_found) {
    std::lock_guard lock(mutex);
    for (auto& [phone, n] : numbers) {
      if (n.sid != number_sid) continue;
      for (const auto& [name, value] : form) {
        if (name == "VoiceUrl") n.voice_url = value;
        if (name == "VoiceMethod") n.voice_method = value;
      }
      return json_response(200, number_json(n));
    }
    return not_found;
  }

  // ---- the call ----

  void start(const std::shared_ptr<Call>& call) {
    std::weak_ptr<Impl> weak = shared_from_this();
    call->executor = std::thread([weak, call] {
      if (auto self = weak.lock()) self->run(*call);
    });
  }

  twilio::FormParams call_params(const Call& call, const std::string& status) const {
    return {{"AccountSid", options.account_sid},
            {"ApiVersion", "2010-04-01"},
            {"CallSid", call.log.sid},
            {"CallStatus", status},
            {"Called", call.log.to},
            {"Caller", call.log.from},
            {"Direction", call.log.direction},
            {"From", call.log.from},
            {"To", call.log.to}};
  }

  // A signed form POST to one of the application's URLs.
  std::optional<http::Response> post_signed(const std::string& url,
                                            const twilio::FormParams& params) {
    http::Request request;
    request.method = "POST";
    request.url = url;
    request.body = twilio::form_encode(params);
    request.timeout = std::chrono::milliseconds(10000);
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"User-Agent", "TwilioProxy/1.1"}};
    const std::string signature = signature_for(url, params);
    if (!signature.empty()) request.headers.emplace_back("X-Twilio-Signature", signature);
    try {
      return http->send(request);
    } catch (const http::TransportError&) {
      return std::nullopt;
    }
  }

  void set_status(Call& call, const std::string& status, const std::string& event) {
    std::string callback;
    {
      std::lock_guard lock(call.mutex);
      call.log.status = status;
      call.log.statuses.push_back(status);
      if (!call.status_callback.empty() && call.status_events.count(event) != 0)
        callback = call.status_callback;
    }
    call.changed.notify_all();
    if (!callback.empty()) post_signed(callback, call_params(call, status));
  }

  // Waits on the call until `done` or the call must stop what it is doing (hang-up, new TwiML).
  template <typename Done>
  bool wait(Call& call, std::chrono::milliseconds timeout, Done done) {
    std::unique_lock lock(call.mutex);
    call.changed.wait_for(lock, timeout, [&] {
      return done() || call.hangup_requested || call.pending_twiml.has_value();
    });
    return done();
  }

  std::shared_ptr<Leg> open_leg(Call& call, const std::string& url, twilio::StartInfo start,
                                bool signed_upgrade) {
    net::WsClientOptions ws_options;
    ws_options.connect_timeout = std::chrono::milliseconds(5000);
    if (signed_upgrade) {
      const std::string signature = signature_for(url, {});
      if (!signature.empty()) ws_options.headers.emplace_back("X-Twilio-Signature", signature);
    }
    auto leg = std::make_shared<Leg>();
    leg->ws = net::ws_connect(loop, url, ws_options);
    leg->stream = std::make_unique<twilio::CallerStream>(std::move(start));
    std::weak_ptr<Impl> weak = shared_from_this();
    Call* call_ptr = &call;  // the call outlives its legs' handlers (joined before it goes)
    leg->ws->start({.on_message =
                        [leg, call_ptr](std::string data, bool binary) {
                          if (!binary) on_leg_message(*call_ptr, *leg, data);
                        },
                    .on_close =
                        [leg, call_ptr](const net::WsClose& close) {
                          std::lock_guard lock(call_ptr->mutex);
                          leg->closed = true;
                          leg->close_code = close.code;
                          call_ptr->changed.notify_all();
                        }});
    std::lock_guard lock(call.mutex);
    leg->started = Steady::now();
    leg->ws->send(leg->stream->connected());
    leg->ws->send(leg->stream->start());
    return leg;
  }

  static void on_leg_message(Call& call, Leg& leg, const std::string& text) {
    twilio::Message m;
    try {
      m = twilio::parse(text);
    } catch (const twilio::ProtocolError&) {
      return;  // Twilio ignores what it cannot read
    }
    std::lock_guard lock(call.mutex);
    switch (m.event) {
      case twilio::Event::media:
        leg.audio.insert(leg.audio.end(), m.payload.begin(), m.payload.end());
        leg.playout.play(static_cast<std::int64_t>(m.payload.size()), leg.played);
        ++leg.media_messages;
        if (call.stream.get() == &leg) ++call.log.media_from_stream;
        break;
      case twilio::Event::mark:
        leg.playout.mark(m.mark_name, leg.played);
        break;
      case twilio::Event::clear:
        // Buffered audio is dropped and pending marks come back at once.
        leg.audio.clear();
        for (const auto& name : leg.playout.clear(leg.played).marks)
          leg.ws->send(leg.stream->mark_echo(name));
        break;
      default:
        break;
    }
  }

  static void take_frame(Leg& leg, std::vector<std::uint8_t>& frame) {
    frame.assign(twilio::kFrameBytes, twilio::kMulawSilence);
    const std::size_t n = std::min<std::size_t>(leg.audio.size(), frame.size());
    std::copy_n(leg.audio.begin(), n, frame.begin());
    leg.audio.erase(leg.audio.begin(), leg.audio.begin() + static_cast<std::ptrdiff_t>(n));
    leg.played += static_cast<std::int64_t>(n);
    for (const auto& name : leg.playout.take_due_marks(leg.played))
      leg.ws->send(leg.stream->mark_echo(name));
  }

  // Real-time bridge: every 20 ms one frame each way, silence when a side has nothing queued.
  void pace(Call& call) {
    std::vector<std::uint8_t> frame;
    std::vector<std::int16_t> pcm(twilio::kFrameBytes);
    auto deadline = Steady::now();
    for (;;) {
      deadline += kFrame;
      std::this_thread::sleep_until(deadline);
      std::lock_guard lock(call.mutex);
      if (call.ended) return;
      if (call.far && !call.far->closed) {
        take_frame(*call.far, frame);
        audio::mulaw_decode(frame, pcm);
        // Twilio reports the far end's key presses on bidirectional streams as dtmf events.
        const auto digits = call.detector.push(pcm);
        if (call.stream && !call.stream->closed) {
          call.stream->ws->send(call.stream->stream->media(frame, call.stream->timestamp_ms()));
          ++call.log.frames_to_stream;
          for (const auto& d : digits) {
            call.stream->ws->send(call.stream->stream->dtmf(d.digit));
            call.log.dtmf_forwarded += d.digit;
          }
        }
        if (!call.tones.empty()) {
          frame.assign(twilio::kFrameBytes, twilio::kMulawSilence);
          const std::size_t n = std::min<std::size_t>(call.tones.size(), frame.size());
          std::copy_n(call.tones.begin(), n, frame.begin());
          call.tones.erase(call.tones.begin(), call.tones.begin() + static_cast<std::ptrdiff_t>(n));
          if (call.tones.empty()) call.changed.notify_all();
        } else if (call.stream && !call.stream->closed) {
          take_frame(*call.stream, frame);
        } else {
          frame.assign(twilio::kFrameBytes, twilio::kMulawSilence);
        }
        call.far->ws->send(call.far->stream->media(frame, call.far->timestamp_ms()));
        ++call.log.frames_to_far_end;
      }
    }
  }

  // Ends a stream as Twilio does: stop, then close.
  static void end_leg(Leg& leg) {
    if (leg.closed) return;
    leg.ws->send(leg.stream->stop());
    leg.ws->close(1000, "");
  }

  enum class Outcome { done, hangup, new_twiml, rejected };

  Outcome execute(Call& call, const std::string& document) {
    XmlNode response;
    try {
      response = parse_xml(document);
    } catch (const std::exception&) {
      return Outcome::done;  // Twilio: "an application error has occurred", then hang-up
    }
    {
      std::lock_guard lock(call.mutex);
      call.log.twiml.push_back(document);
    }
    for (const auto& verb : response.children) {
      {
        std::lock_guard lock(call.mutex);
        if (call.hangup_requested || call.far_hung_up()) return Outcome::hangup;
        if (call.pending_twiml) return Outcome::new_twiml;
      }
      if (verb.name == "Reject" || verb.name == "Hangup") {
        if (verb.name == "Reject") {
          std::lock_guard lock(call.mutex);
          call.log.rejected = true;
          return Outcome::rejected;
        }
        return Outcome::hangup;
      }
      if (verb.name == "Pause") {
        const auto seconds = std::stoi(attribute(verb, "length", "1"));
        wait(call, std::chrono::seconds(seconds), [] { return false; });
      } else if (verb.name == "Play" && verb.attributes.count("digits") != 0) {
        play_digits(call, attribute(verb, "digits"));
      } else if (verb.name == "Connect") {
        for (const auto& noun : verb.children)
          if (noun.name == "Stream") connect_stream(call, noun);
      }
    }
    std::lock_guard lock(call.mutex);
    if (call.pending_twiml) return Outcome::new_twiml;
    return Outcome::done;
  }

  void play_digits(Call& call, const std::string& digits) {
    std::vector<std::uint8_t> mulaw;
    for (const char d : digits) {
      std::vector<std::int16_t> pcm;
      if (d == 'w') {
        pcm.assign(4000, 0);  // 0.5 s
      } else if (audio::is_dtmf_digit(d)) {
        pcm = audio::generate_dtmf(std::string(1, d), {.tone = std::chrono::milliseconds(100),
                                                       .gap = std::chrono::milliseconds(100)});
      }
      const std::size_t at = mulaw.size();
      mulaw.resize(at + pcm.size());
      audio::mulaw_encode(pcm, std::span<std::uint8_t>(mulaw).subspan(at));
    }
    {
      std::lock_guard lock(call.mutex);
      call.tones.insert(call.tones.end(), mulaw.begin(), mulaw.end());
      call.log.digits_played += digits;
    }
    wait(call, std::chrono::milliseconds(200 + mulaw.size() / 8 * 2),
         [&call] { return call.tones.empty(); });
  }

  void connect_stream(Call& call, const XmlNode& stream_noun) {
    const std::string url = attribute(stream_noun, "url");
    twilio::StartInfo start;
    start.account_sid = options.account_sid;
    start.call_sid = call.log.sid;
    start.stream_sid = sid("MZ");
    start.encoding = options.media_encoding;
    start.sample_rate = options.media_sample_rate;
    for (const auto& p : stream_noun.children)
      if (p.name == "Parameter")
        start.custom_parameters[attribute(p, "name")] = attribute(p, "value");
    {
      // Before the stream opens: the server may take it (and a test replay it) as soon as the
      // start message is out, before open_leg() has returned.
      std::lock_guard lock(call.mutex);
      call.last_stream_url = url;
      call.last_start = twilio::build_start(start, 1);
    }
    std::shared_ptr<Leg> leg;
    try {
      leg = open_leg(call, url, start, true);
    } catch (const std::exception&) {
      std::lock_guard lock(call.mutex);
      call.log.stream_close_codes.push_back(-1);  // could not connect
      return;
    }
    {
      std::lock_guard lock(call.mutex);
      call.stream = leg;
      call.log.stream_sids.push_back(start.stream_sid);
    }
    // The stream lasts until its server closes it, or the call is updated or hung up.
    wait(call, std::chrono::hours(1), [&] { return leg->closed || call.far_hung_up(); });
    std::unique_lock lock(call.mutex);
    end_leg(*leg);
    call.changed.wait_for(lock, std::chrono::seconds(2), [&] { return leg->closed; });
    call.log.stream_close_codes.push_back(leg->close_code);
    call.stream.reset();
  }

  void run(Call& call) {
    set_status(call, "initiated", "initiated");
    set_status(call, "ringing", "ringing");
    wait(call, options.answer_delay, [] { return false; });
    std::string far_url;
    {
      std::lock_guard lock(call.mutex);
      far_url = call.far_url;
    }
    if (far_url.empty()) return finish(call, "failed");  // nobody at that number
    twilio::StartInfo far_start;
    far_start.account_sid = options.account_sid;
    far_start.call_sid = call.log.sid;
    far_start.stream_sid = sid("MZ");
    far_start.custom_parameters = {{"From", call.log.from}, {"To", call.log.to}};
    try {
      auto far = open_leg(call, far_url, far_start, false);
      std::lock_guard lock(call.mutex);
      call.far = far;
    } catch (const std::exception&) {
      return finish(call, "no-answer");
    }
    set_status(call, "in-progress", "answered");
    call.pacer = std::thread([this, &call] { pace(call); });
    const auto response = post_signed(call.webhook_url, call_params(call, "in-progress"));
    {
      std::lock_guard lock(call.mutex);
      call.log.webhook_statuses.push_back(response ? static_cast<int>(response->status) : 0);
    }
    std::string document = response && response->status == 200 ? response->body : "";
    Outcome outcome = Outcome::done;
    while (!document.empty()) {
      outcome = execute(call, document);
      document.clear();
      if (outcome == Outcome::new_twiml) {
        std::lock_guard lock(call.mutex);
        document = *call.pending_twiml;
        call.pending_twiml.reset();
      }
    }
    finish(call, outcome == Outcome::rejected ? "busy" : "completed");
  }

  void finish(Call& call, const std::string& status) {
    {
      std::unique_lock lock(call.mutex);
      if (call.far_hung_up()) call.log.far_end_hung_up = true;
      if (call.stream) end_leg(*call.stream);
      if (call.far) end_leg(*call.far);
      call.changed.wait_for(lock, std::chrono::seconds(2), [&] {
        return (!call.stream || call.stream->closed) && (!call.far || call.far->closed);
      });
      call.ended = true;
    }
    if (call.pacer.joinable()) call.pacer.join();
    set_status(call, status, "completed");
  }
};

FakeTwilio::FakeTwilio(net::EventLoop& loop, FakeTwilioOptions options)
    : impl_(std::make_shared<Impl>(loop, std::move(options))) {
  std::weak_ptr<Impl> weak = impl_;
  impl_->rest = std::make_unique<HttpServer>([weak](const HttpRequest& request) {
    auto self = weak.lock();
    return self ? self->on_rest(request) : HttpResponse{.status = 503, .body = "{}"};
  });
}

FakeTwilio::~FakeTwilio() {
  std::vector<std::shared_ptr<Impl::Call>> all;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->shutting_down = true;
    for (auto& [sid, call] : impl_->calls) all.push_back(call);
  }
  for (auto& call : all) {
    {
      std::lock_guard lock(call->mutex);
      call->hangup_requested = true;
    }
    call->changed.notify_all();
    if (call->executor.joinable()) call->executor.join();
  }
  impl_->rest.reset();
}

std::string FakeTwilio::base_url() const {
  return impl_->rest->base_url();
}
const FakeTwilioOptions& FakeTwilio::options() const noexcept {
  return impl_->options;
}

void FakeTwilio::add_phone(const std::string& number, const std::string& bot_ws_url) {
  std::lock_guard lock(impl_->mutex);
  impl_->phones[number] = bot_ws_url;
}

FakeNumber FakeTwilio::add_number(const std::string& number, const std::string& voice_url) {
  FakeNumber n{.sid = impl_->sid("PN"), .phone_number = number, .voice_url = voice_url};
  std::lock_guard lock(impl_->mutex);
  impl_->numbers[number] = n;
  return n;
}

FakeNumber FakeTwilio::number(const std::string& number) const {
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->numbers.find(number);
  if (it == impl_->numbers.end()) throw std::out_of_range("fake twilio: no number " + number);
  return it->second;
}

std::string FakeTwilio::dial(const std::string& from, const std::string& to) {
  auto call = std::make_shared<Impl::Call>();
  call->log = {.sid = impl_->sid("CA"),
               .from = from,
               .to = to,
               .direction = "inbound",
               .status = "queued",
               .statuses = {"queued"}};
  {
    std::lock_guard lock(impl_->mutex);
    const auto number = impl_->numbers.find(to);
    if (number == impl_->numbers.end()) throw std::out_of_range("fake twilio: no number " + to);
    const auto phone = impl_->phones.find(from);
    if (phone == impl_->phones.end()) throw std::out_of_range("fake twilio: no phone " + from);
    call->webhook_url = number->second.voice_url;
    call->far_url = phone->second;
    impl_->calls[call->log.sid] = call;
  }
  impl_->start(call);
  return call->log.sid;
}

void FakeTwilio::set_signing(Signing signing) {
  std::lock_guard lock(impl_->mutex);
  impl_->signing = signing;
}

int FakeTwilio::replay_last_stream(const std::string& call_sid) {
  std::shared_ptr<Impl::Call> call;
  {
    std::lock_guard lock(impl_->mutex);
    call = impl_->calls.at(call_sid);
  }
  std::string url, start;
  {
    std::lock_guard lock(call->mutex);
    url = call->last_stream_url;
    start = call->last_start;
  }
  net::WsClientOptions ws_options;
  const std::string signature = impl_->signature_for(url, {});
  if (!signature.empty()) ws_options.headers.emplace_back("X-Twilio-Signature", signature);
  auto ws = net::ws_connect(impl_->loop, url, ws_options);
  auto closed = std::make_shared<std::promise<int>>();
  auto code = closed->get_future();
  ws->start({.on_message = {},
             .on_close = [closed](const net::WsClose& c) { closed->set_value(c.code); }});
  ws->send(twilio::build_connected());
  ws->send(start);
  if (code.wait_for(std::chrono::seconds(2)) == std::future_status::ready) return code.get();
  ws->close(1000, "");
  return 0;
}

std::vector<FakeCall> FakeTwilio::calls() const {
  std::vector<std::shared_ptr<Impl::Call>> all;
  {
    std::lock_guard lock(impl_->mutex);
    for (auto& [sid, call] : impl_->calls) all.push_back(call);
  }
  std::vector<FakeCall> out;
  for (auto& call : all) {
    std::lock_guard lock(call->mutex);
    out.push_back(call->log);
  }
  return out;
}

FakeCall FakeTwilio::call(const std::string& sid) const {
  std::shared_ptr<Impl::Call> call;
  {
    std::lock_guard lock(impl_->mutex);
    call = impl_->calls.at(sid);
  }
  std::lock_guard lock(call->mutex);
  return call->log;
}

bool FakeTwilio::wait_for_status(const std::string& sid, const std::string& status,
                                 std::chrono::milliseconds timeout) const {
  std::shared_ptr<Impl::Call> call;
  {
    std::lock_guard lock(impl_->mutex);
    const auto it = impl_->calls.find(sid);
    if (it == impl_->calls.end()) return false;
    call = it->second;
  }
  std::unique_lock lock(call->mutex);
  return call->changed.wait_for(lock, timeout, [&] { return call->log.status == status; });
}

std::size_t FakeTwilio::unauthorized_requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->unauthorized;
}

}  // namespace scenario::fakes
