// The OpenAI Realtime adapter: the codec (openai/realtime.hpp) plus options on the streaming
// transport. Protocol quirks cite shared/protocols/openai-realtime.md ("§n" = its section verified
// against the official JS SDKs).
#include <algorithm>
#include <cstdlib>
#include <future>
#include <mutex>

#include "common/telephone_line.hpp"
#include "common/ws_call.hpp"
#include "scenario/adapters/openai_realtime.hpp"
#include "scenario/net/websocket.hpp"
#include "scenario/voice/playout_cursor.hpp"

namespace scenario::adapters {
namespace rt = openai::realtime;
using nlohmann::json;

namespace {

audio::AudioFormat wire_format(rt::AudioFormat f) {
  switch (f) {
    case rt::AudioFormat::g711_ulaw:
      return {audio::Encoding::mulaw, 8000, 1};
    case rt::AudioFormat::g711_alaw:
      return {audio::Encoding::alaw, 8000, 1};
    case rt::AudioFormat::pcm16:
      break;
  }
  return {audio::Encoding::pcm16, 24000, 1};
}

/// Errors after which the session cannot go on (the rest are recorded and the call goes on).
bool is_fatal(const rt::server::Error& e) {
  for (const char* code : {"invalid_api_key", "session_expired", "insufficient_quota",
                           "beta_api_shape_disabled", "model_not_found"})
    if (e.code == code) return true;
  return false;
}

std::string with_model(const std::string& base, const std::string& model) {
  return base + (base.find('?') == std::string::npos ? "?" : "&") + "model=" + model;
}

}  // namespace

struct OpenAIRealtimeAdapter::Impl : std::enable_shared_from_this<Impl> {
  /// The response the server is producing, as far as this client knows.
  enum class Response { none, in_flight };

  /// One connection and what belongs to it alone (its strand's state).
  struct Link : WsLink, std::enable_shared_from_this<Link> {
    rt::Dialect dialect = rt::Dialect::ga;
    rt::Session session{};  ///< what the server confirmed
    // Setup: connect() waits for the server's answer to our session.update.
    std::string update_id;
    std::promise<std::string> confirmed;  ///< empty: accepted; else the server's refusal
    /// The caller's audio format as the server confirmed it: written before `confirmed` is set,
    /// read by the session thread after (the uplink is built from it).
    rt::AudioFormat confirmed_input = rt::AudioFormat::pcm16;
    bool awaiting_confirmation = true;
    // The reply.
    Response response = Response::none;
    std::string response_id;
    std::string item_id;  ///< the assistant item whose audio the caller hears
    std::optional<rt::AudioDecoder> decoder;
    PlayoutCursor playout;  ///< run-clock ns: the reply as the caller hears it
    std::int64_t item_start = 0;     ///< where the item's audio starts on the playout
    std::int64_t item_received = 0;  ///< ns of the item's audio received
    bool stopped_locally = false;    ///< the caller's playback was stopped for this response
    // Tool outputs wait for the response that asked to finish (§3: one response at a time).
    std::vector<std::pair<std::string, std::string>> tool_outputs;
    bool tool_calls_in_response = false;
    std::uint64_t creates = 0;
  };

  Impl(OpenAIRealtimeOptions o, std::shared_ptr<StreamingTransport> t)
      : options(std::move(o)), transport(std::move(t)) {}

  OpenAIRealtimeOptions options;
  const std::shared_ptr<StreamingTransport> transport;
  std::shared_ptr<Link> link;  ///< session thread
  bool disconnected = false;

  mutable std::mutex mutex;
  OpenAIRealtimeStats stats;
  WsCallEnd call_end{"openai-realtime", "the server"};

  std::chrono::nanoseconds now() const { return transport->now(); }
  template <class F>
  void count(F&& f) {
    std::lock_guard lock(mutex);
    f(stats);
  }
  void push(const Link& l, TransportEvent::Body body, std::chrono::nanoseconds at) {
    transport->push(l.call, std::move(body), at);
  }
  void send(Link& l, const rt::ClientEvent& e, std::string_view event_id = {}) {
    l.connection->send(rt::encode(e, event_id));
  }

  void on_message(Link& l, const std::string& text) {
    // Stamped as read off the socket, before the JSON and base64 work (a 100 ms delta is ~6 KB).
    const auto at = now();
    rt::ServerMessage m;
    try {
      m = rt::decode_server(text);
    } catch (const rt::ProtocolError& e) {
      transport->malformed(l.call, std::string("openai-realtime: ") + e.what());
      return;
    }
    std::visit(
        Overloaded{
            [&](rt::server::SessionUpdated& u) { on_session(l, u.session, at); },
            [&](rt::server::Error& e) { on_error(l, e, at); },
            [&](rt::server::SpeechStarted& s) {
              push(l, transport::Note{.type = "input_speech_started",
                                      .data = {{"audio_start_ms", s.audio_start_ms},
                                               {"item_id", s.item_id}}},
                   at);
              on_caller_speech(l, at);
            },
            [&](rt::server::SpeechStopped& s) {
              push(l, transport::Note{.type = "input_speech_stopped",
                                      .data = {{"audio_end_ms", s.audio_end_ms},
                                               {"item_id", s.item_id}}},
                   at);
            },
            [&](rt::server::AudioCommitted& c) {
              push(l, transport::Note{.type = "input_committed", .data = {{"item_id", c.item_id}}},
                   at);
            },
            [&](rt::server::InputTranscriptionCompleted& t) {
              push(l, transport::Note{.type = "user_transcript",
                                      .data = {{"item_id", t.item_id}, {"text", t.transcript}}},
                   at);
            },
            [&](rt::server::InputTranscriptionFailed& t) {
              push(l, transport::Note{.type = "user_transcript_failed",
                                      .data = {{"item_id", t.item_id}, {"error", t.message}}},
                   at);
            },
            [&](rt::server::ResponseCreated& r) {
              l.response = Response::in_flight;
              l.response_id = r.response.id;
              l.stopped_locally = false;
              l.tool_calls_in_response = false;
            },
            [&](rt::server::RateLimitsUpdated& r) {
              json limits = json::array();
              for (const auto& x : r.rate_limits)
                limits.push_back({{"name", x.name},
                                  {"limit", x.limit},
                                  {"remaining", x.remaining},
                                  {"reset_seconds", x.reset_seconds}});
              push(l, transport::Note{.type = "rate_limits", .data = {{"rate_limits", limits}}}, at);
            },
            [&](rt::server::OutputItemAdded& a) {
              if (a.item.type == "message") start_item(l, a.item.id);
            },
            [&](rt::server::AudioDelta& d) { on_audio(l, d, at); },
            [&](rt::server::TranscriptDelta& t) {
              if (l.stopped_locally) return;
              push(l, transport::TranscriptDelta{.text = std::move(t.delta),
                                                 .response_id = t.ref.response_id,
                                                 .item_id = t.ref.item_id},
                   at);
            },
            [&](rt::server::TextDelta& t) {
              if (l.stopped_locally) return;
              push(l, transport::TranscriptDelta{.text = std::move(t.delta),
                                                 .response_id = t.ref.response_id,
                                                 .item_id = t.ref.item_id},
                   at);
            },
            [&](rt::server::OutputItemDone& d) { on_item_done(l, d, at); },
            [&](rt::server::ResponseDone& d) { on_response_done(l, d.response, at); },
            [&](rt::server::ItemTruncated& t) {
              push(l, transport::Note{.type = "item_truncated",
                                      .data = {{"item_id", t.item_id},
                                               {"audio_end_ms", t.audio_end_ms}}},
                   at);
            },
            [&](const auto&) {}},
        m.event);
  }

  void on_session(Link& l, const json& session, std::chrono::nanoseconds at) {
    try {
      l.session = rt::session_from_json(session);
    } catch (const rt::ProtocolError& e) {
      transport->malformed(l.call, std::string("openai-realtime: ") + e.what());
      return;
    }
    count([&](OpenAIRealtimeStats& s) { s.session = session; });
    // What the server runs (merged from every update) is what the run records.
    push(l, transport::Note{.type = "session_updated", .data = {{"session", session}}}, at);
    if (l.awaiting_confirmation) {
      l.awaiting_confirmation = false;
      l.confirmed_input = l.session.input_format;
      l.confirmed.set_value({});
    }
  }

  void on_error(Link& l, const rt::server::Error& e, std::chrono::nanoseconds at) {
    const std::string text = e.message + (e.code.empty() ? "" : " (" + e.code + ")");
    count([&](OpenAIRealtimeStats& s) {
      ++s.errors;
      s.last_error = text;
    });
    if (l.awaiting_confirmation && (e.event_id == l.update_id || e.event_id.empty())) {
      l.awaiting_confirmation = false;
      l.confirmed.set_value(text);
      return;
    }
    push(l,
         transport::Error{.severity = is_fatal(e) ? transport::Severity::fatal
                                                  : transport::Severity::recoverable,
                          .message = "the server said: " + text,
                          .code = e.code},
         at);
  }

  void start_item(Link& l, const std::string& item_id) {
    l.item_id = item_id;
    l.decoder.emplace(l.session.output_format);
    l.item_received = 0;
    l.item_start = -1;
  }

  void on_audio(Link& l, rt::server::AudioDelta& d, std::chrono::nanoseconds at) {
    count([](OpenAIRealtimeStats& s) { ++s.audio_deltas; });
    if (l.stopped_locally) return;  // the caller's playback was stopped: the rest is not heard
    if (d.ref.item_id != l.item_id || !l.decoder) start_item(l, d.ref.item_id);
    std::vector<std::int16_t> samples;
    l.decoder->decode(d.audio, samples);
    if (samples.empty()) return;
    const int rate = rt::sample_rate(l.session.output_format);
    const auto length = static_cast<std::int64_t>(samples.size()) * 1'000'000'000 / rate;
    const auto start = l.playout.play(length, at.count());
    if (l.item_start < 0) l.item_start = start;
    l.item_received += length;
    push(l,
         transport::AgentAudio{.samples = std::move(samples),
                               .sample_rate = rate,
                               .response_id = d.ref.response_id,
                               .item_id = d.ref.item_id},
         at);
  }

  /// ms of the current item the caller has heard by `at`, never more than was received.
  std::int64_t heard_ms(const Link& l, std::chrono::nanoseconds at) const {
    if (l.item_start < 0) return 0;
    const auto heard = std::clamp<std::int64_t>(l.playout.heard(at.count()) - l.item_start, 0,
                                                l.item_received);
    return heard / 1'000'000;
  }

  /// Stops the caller's playback of the current reply: cancel the response when it is still in
  /// flight (only then, as the official clients do, §1), truncate the item to what was heard.
  /// `by` empty: the session stops its own playback (a native interrupt it asked for).
  void stop_reply(Link& l, std::chrono::nanoseconds at, std::optional<std::int64_t> heard,
                  bool cancel, const std::string& by) {
    if (cancel && l.response == Response::in_flight) {
      send(l, rt::client::CancelResponse{});
      count([](OpenAIRealtimeStats& s) { ++s.cancels_sent; });
    }
    if (!l.item_id.empty() && l.item_start >= 0) {
      const auto received_ms = l.item_received / 1'000'000;
      const auto end_ms = std::min(heard.value_or(heard_ms(l, at)), received_ms);
      send(l, rt::client::TruncateItem{.item_id = l.item_id, .content_index = 0,
                                       .audio_end_ms = end_ms});
      count([](OpenAIRealtimeStats& s) { ++s.truncates_sent; });
    }
    l.playout.clear(at.count());
    l.stopped_locally = true;
    if (!by.empty()) push(l, transport::AgentStopped{.by = by, .response_id = l.response_id}, at);
  }

  /// The server's VAD heard the caller start speaking. If the caller is still hearing the reply,
  /// its playback stops here; the server cancels the response itself when `interrupt_response`
  /// (else we do), and the item is truncated to what was heard (§1).
  void on_caller_speech(Link& l, std::chrono::nanoseconds at) {
    const bool hearing = l.playout.pending(at.count()) > 0;
    if (!hearing && l.response != Response::in_flight) return;
    if (l.stopped_locally) return;
    stop_reply(l, at, std::nullopt, !l.session.turn_detection.interrupt_response,
               "speech_started");
  }

  void on_item_done(Link& l, const rt::server::OutputItemDone& d, std::chrono::nanoseconds at) {
    // §3: a function call is taken from its completed item.
    if (d.item.type != "function_call" || d.item.status != "completed") return;
    l.tool_calls_in_response = true;
    json arguments = json::parse(d.item.arguments, nullptr, false);
    if (arguments.is_discarded()) arguments = {{"_unparsed", d.item.arguments}};
    count([](OpenAIRealtimeStats& s) { ++s.tool_calls; });
    push(l,
         transport::ToolCall{.call_id = d.item.call_id,
                             .name = d.item.name,
                             .arguments = std::move(arguments),
                             .response_id = d.response_id},
         at);
  }

  void on_response_done(Link& l, const rt::Response& r, std::chrono::nanoseconds at) {
    l.response = Response::none;
    const bool cancelled = r.status == rt::ResponseStatus::cancelled;
    count([&](OpenAIRealtimeStats& s) {
      ++s.responses;
      if (cancelled) ++s.cancelled;
      if (r.usage) s.usage += *r.usage;
    });
    json note = {{"response_id", r.id}, {"status", rt::to_string(r.status)}};
    if (!r.status_reason.empty()) note["reason"] = r.status_reason;
    push(l, transport::Note{.type = "response_done", .data = std::move(note)}, at);
    if (r.usage) {
      push(l,
           transport::Usage{.response_id = r.id,
                            .input_tokens = r.usage->input_tokens,
                            .output_tokens = r.usage->output_tokens,
                            .total_tokens = r.usage->total_tokens},
           at);
    }
    if (r.status == rt::ResponseStatus::failed) {
      push(l,
           transport::Error{.severity = transport::Severity::recoverable,
                            .message = "the response failed: " + r.error_message},
           at);
    }
    if (cancelled) {
      if (!l.stopped_locally) {
        l.playout.clear(at.count());
        l.stopped_locally = true;
        push(l, transport::AgentStopped{.by = "response.cancel", .response_id = r.id}, at);
      }
      return;
    }
    if (l.tool_calls_in_response) {
      flush_tool_outputs(l);  // the agent's turn goes on with the next response
      return;
    }
    push(l, transport::TurnEnded{.response_id = r.id}, at);
  }

  void flush_tool_outputs(Link& l) {
    if (l.tool_outputs.empty() || l.response == Response::in_flight) return;
    for (auto& [call_id, output] : l.tool_outputs) {
      send(l, rt::client::CreateItem{.item = {.type = "function_call_output",
                                              .call_id = call_id,
                                              .output = output}});
      count([](OpenAIRealtimeStats& s) { ++s.tool_results_sent; });
    }
    l.tool_outputs.clear();
    create_response(l);
  }

  void create_response(Link& l) {
    send(l, rt::client::CreateResponse{},
         "scenario_response_create_" + std::to_string(++l.creates));
  }

  void on_close(Link& l, const net::WsClose& close) {
    if (l.awaiting_confirmation) {  // connect() is waiting: it fails saying how
      l.awaiting_confirmation = false;
      l.confirmed.set_value("the server closed the connection: " + close.describe());
    }
    call_end.on_close(l, *transport, close);
  }

  void on_message(Link& l, const std::string& text, bool) { on_message(l, text); }
};

OpenAIRealtimeAdapter::OpenAIRealtimeAdapter(OpenAIRealtimeOptions options)
    // Server VAD needs a continuous stream (protocol doc, "Timing and pacing"): silence between
    // the caller's words. Manual turns send only the caller's audio.
    : StreamingVoiceAdapter(
          options.turn,
          {.idle = options.session.turn_detection.type == rt::TurnDetectionType::none
                       ? IdleUplink::nothing
                       : IdleUplink::silence,
           .name = "openai-realtime"}),
      impl_(std::make_shared<Impl>(std::move(options), transport())) {}

OpenAIRealtimeAdapter::~OpenAIRealtimeAdapter() {
  try {
    disconnect();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

AdapterCapabilities OpenAIRealtimeAdapter::capabilities() const {
  const auto& s = impl_->options.session;
  return {.streaming_transcripts = true,
          .native_vad = s.turn_detection.type != rt::TurnDetectionType::none,
          .dtmf = false,
          .native_interruption = impl_->options.native_interrupt,
          .input_format = wire_format(s.input_format),
          .output_format = wire_format(s.output_format),
          .uplink = UplinkPacing::transport};
}

void OpenAIRealtimeAdapter::connect(std::shared_ptr<Clock> clock) {
  auto& i = *impl_;
  require_real_clock(clock.get(), "openai-realtime talks to a server over the network");
  auto& loop = i.options.loop != nullptr ? *i.options.loop : net::EventLoop::shared();
  if (i.link) disconnect();
  std::string key = i.options.api_key;
  if (key.empty()) {
    if (const char* env = std::getenv("OPENAI_API_KEY")) key = env;
  }
  if (key.empty())
    throw std::invalid_argument("openai-realtime: no API key (set api_key or OPENAI_API_KEY)");
  auto link = std::make_shared<Impl::Link>();
  link->dialect = i.options.dialect;
  link->session = i.options.session;
  std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + key}};
  if (link->dialect == rt::Dialect::beta) headers.emplace_back("OpenAI-Beta", "realtime=v1");
  try {
    link->connection = net::ws_connect(loop, with_model(i.options.base_url, i.options.model),
                                       {.ca_file = i.options.ca_file,
                                        .connect_timeout = i.options.connect_timeout,
                                        .max_message_bytes = 16u << 20,
                                        .headers = std::move(headers)});
  } catch (const net::NetError& e) {
    throw net::NetError(std::string("openai-realtime: cannot reach the server: ") + e.what());
  }
  link->call = begin_call(clock);
  i.link = link;
  i.disconnected = false;
  i.call_end.reset();
  auto confirmed = link->confirmed.get_future();
  std::weak_ptr<Impl> weak = impl_;
  start_ws_link(impl_, link);
  // The session right after the socket opens, without waiting for session.created (§6).
  auto session = rt::session_to_json(i.options.session, link->dialect);
  if (link->dialect == rt::Dialect::ga) session["model"] = i.options.model;
  link->update_id = "scenario_session_update";
  post_while_running<Impl::Link>(link, [session = std::move(session), weak](Impl::Link& l) {
    if (auto self = weak.lock())
      self->send(l, rt::client::SessionUpdate{.session = session}, l.update_id);
  });
  if (confirmed.wait_for(i.options.session_timeout) != std::future_status::ready) {
    disconnect();
    throw std::runtime_error("openai-realtime: the server did not confirm the session within " +
                             std::to_string(i.options.session_timeout.count()) + " ms");
  }
  if (const auto refusal = confirmed.get(); !refusal.empty()) {
    disconnect();
    throw std::runtime_error("openai-realtime: the server refused the session: " + refusal);
  }
  // One encoder per call, on the pacer's strand: each frame reuses its buffers.
  auto encoder = std::make_shared<rt::AppendEncoder>(link->confirmed_input);
  i.transport->start_uplink(
      link->connection,
      [link, encoder](std::span<const std::int16_t> pcm, std::chrono::nanoseconds) {
        if (!link->running) return;
        link->connection->send(encoder->frame(pcm));
      });
}

void OpenAIRealtimeAdapter::disconnect() {
  auto& i = *impl_;
  if (!i.link || i.disconnected) return;
  i.disconnected = true;
  i.transport->end();
  hang_up_ws_link(i.link);  // no goodbye message in this protocol: the close ends the session
}

void OpenAIRealtimeAdapter::check_can_send() const { impl_->call_end.check_can_send(); }

void OpenAIRealtimeAdapter::interrupt(const HeardSoFar& heard) {
  auto& i = *impl_;
  if (!i.link) throw std::logic_error("openai-realtime: interrupt before connect");
  const auto heard_ms = std::chrono::duration_cast<std::chrono::milliseconds>(heard.played).count();
  std::weak_ptr<Impl> weak = impl_;
  post_while_running<Impl::Link>(i.link, [weak, heard_ms](Impl::Link& l) {
    if (auto self = weak.lock())
      self->stop_reply(l, self->now(), heard_ms, /*cancel=*/true, "");
  });
}

void OpenAIRealtimeAdapter::commit_user_turn() {
  auto& i = *impl_;
  if (i.options.session.turn_detection.type != rt::TurnDetectionType::none) return;
  if (!i.link) throw std::logic_error("openai-realtime: commit_user_turn before connect");
  std::weak_ptr<Impl> weak = impl_;
  // Right behind the caller's last frame, in the same slot (the uplink's strand is the
  // connection's).
  i.transport->after_uplink([weak, link = i.link] {
    auto self = weak.lock();
    if (!self || !link->running) return;
    self->send(*link, rt::client::CommitAudio{});
    self->create_response(*link);
  });
}

void OpenAIRealtimeAdapter::send_tool_result(const std::string& call_id,
                                             const nlohmann::json& result) {
  auto& i = *impl_;
  if (!i.link) throw std::logic_error("openai-realtime: send_tool_result before connect");
  std::weak_ptr<Impl> weak = impl_;
  post_while_running<Impl::Link>(i.link, [weak, call_id, output = result.dump()](Impl::Link& l) {
    auto self = weak.lock();
    if (!self) return;
    l.tool_outputs.emplace_back(call_id, output);
    self->flush_tool_outputs(l);
  });
}

OpenAIRealtimeStats OpenAIRealtimeAdapter::stats() const {
  const auto& i = *impl_;
  const auto line = i.transport->stats();
  std::lock_guard lock(i.mutex);
  auto s = i.stats;
  s.pacing = line.uplink.pacing;
  s.malformed = line.malformed;
  if (s.last_error.empty()) s.last_error = line.last_error;
  return s;
}

}  // namespace scenario::adapters
