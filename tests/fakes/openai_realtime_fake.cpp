// The fake OpenAI Realtime server (see the header). Each connection's state lives on its strand:
// messages, reply timers and the close all run there; only the log is shared (under a mutex).
#include "fakes/openai_realtime_fake.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <sstream>

#include "scenario/audio/resampler.hpp"
#include "scenario/audio/vad.hpp"
#include "scenario/net/websocket.hpp"
#include "scenario/speech.hpp"
#include "scenario/voice/transport_event.hpp"

namespace scenario::fakes {
namespace rt = openai::realtime;
using nlohmann::json;
using namespace std::chrono_literals;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

/// A gap longer than this in the caller's stream (the client stopped sending) re-anchors the
/// stream's time at the next audio; less is jitter, and samples keep their places.
constexpr auto kJitterAllowance = 15ms;
constexpr auto kDeltaLength = 100ms;
/// semantic_vad's end of turn by eagerness (the fake's stand-in for the model's judgement).
constexpr int kSemanticHighMs = 300;
constexpr int kSemanticMediumMs = 800;
constexpr int kSemanticLowMs = 1500;

std::string query_value(const std::string& target, const std::string& key) {
  const auto q = target.find('?');
  if (q == std::string::npos) return {};
  std::stringstream query(target.substr(q + 1));
  std::string pair;
  while (std::getline(query, pair, '&')) {
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) return eq == std::string::npos ? "" : pair.substr(eq + 1);
  }
  return {};
}

std::string openai_error_body(const std::string& message, const std::string& code) {
  return json{{"error",
               {{"message", message},
                {"type", "invalid_request_error"},
                {"param", nullptr},
                {"code", code}}}}
      .dump();
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::stringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

}  // namespace

std::vector<FakeRealtimeReply> replies_from_json(const json& script) {
  if (!script.is_array()) throw std::invalid_argument("script: expected an array of replies");
  std::vector<FakeRealtimeReply> out;
  for (std::size_t n = 0; n < script.size(); ++n) {
    const auto& r = script[n];
    const auto where = "script[" + std::to_string(n) + "]";
    if (!r.is_object()) throw std::invalid_argument(where + ": expected an object");
    auto get = [&](const char* key, auto check, const char* what) -> const json* {
      const auto it = r.find(key);
      if (it == r.end()) return nullptr;
      if (!check(*it)) throw std::invalid_argument(where + "." + key + ": expected " + what);
      return &*it;
    };
    const auto is_string = [](const json& v) { return v.is_string(); };
    const auto is_count = [](const json& v) {
      return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
    };
    FakeRealtimeReply reply;
    for (const auto& [key, value] : r.items()) {
      static const std::vector<std::string> known{"text",        "delay_ms",   "tool",
                                                  "arguments",   "error_code", "reply_after_error",
                                                  "close_after_deltas", "close_code"};
      if (std::find(known.begin(), known.end(), key) == known.end())
        throw std::invalid_argument(where + ": unknown field \"" + key + "\"");
      (void)value;
    }
    if (const auto* v = get("text", is_string, "a string")) reply.text = v->get<std::string>();
    if (const auto* v = get("delay_ms", is_count, "a whole number of ms")) {
      if (v->get<std::int64_t>() > 600000)
        throw std::invalid_argument(where + ".delay_ms: at most 600000");
      reply.delay = std::chrono::milliseconds(v->get<std::int64_t>());
    }
    if (const auto* v = get("tool", is_string, "a string")) reply.tool_name = v->get<std::string>();
    if (const auto* v = get("arguments", [](const json& x) { return x.is_object(); }, "an object"))
      reply.tool_arguments = *v;
    if (const auto* v = get("error_code", is_string, "a string"))
      reply.error_code = v->get<std::string>();
    if (const auto* v = get("reply_after_error", [](const json& x) { return x.is_boolean(); },
                            "true or false"))
      reply.reply_after_error = v->get<bool>();
    if (const auto* v = get("close_after_deltas", is_count, "a whole number"))
      reply.close_after_deltas = static_cast<int>(std::min<std::int64_t>(v->get<std::int64_t>(), 1 << 20));
    if (const auto* v = get("close_code", is_count, "a close code")) {
      const auto code = v->get<std::int64_t>();
      if (code < 1000 || code > 4999) throw std::invalid_argument(where + ".close_code: 1000-4999");
      reply.close_code = static_cast<std::uint16_t>(code);
    }
    out.push_back(std::move(reply));
  }
  return out;
}

struct FakeOpenAIRealtime::Impl : std::enable_shared_from_this<Impl> {
  struct Conversation;

  explicit Impl(FakeRealtimeOptions o) : options(std::move(o)) {}

  FakeRealtimeOptions options;
  mutable std::mutex mutex;
  std::deque<FakeRealtimeReply> replies;
  std::deque<std::string> transcripts;
  FakeRealtimeReply default_reply;
  FakeRealtimeLog log;
  std::size_t open = 0;
  /// The open connections' conversations (their handlers hold them weakly).
  std::map<const void*, std::shared_ptr<void>> live;
  std::unique_ptr<net::Server> server;

  FakeRealtimeReply next_reply() {
    std::lock_guard lock(mutex);
    if (replies.empty()) return default_reply;
    auto r = std::move(replies.front());
    replies.pop_front();
    return r;
  }
  template <class F>
  void note(F&& f) {
    std::lock_guard lock(mutex);
    f(log);
  }
};

/// One connection: a Realtime session and its conversation.
struct FakeOpenAIRealtime::Impl::Conversation
    : std::enable_shared_from_this<FakeOpenAIRealtime::Impl::Conversation> {
  struct StoredItem {
    rt::Item item;
    std::int64_t audio_ms = 0;
  };
  struct Active {  ///< the response in flight
    std::string response_id{}, item_id{};
    std::string text{};
    std::vector<std::vector<std::uint8_t>> deltas{};  ///< wire bytes, kDeltaLength each
    std::vector<std::string> words{};
    std::size_t sent = 0;
    std::int64_t bytes_sent = 0;
    std::int64_t audio_ms = 0;  ///< of the deltas sent
    std::optional<int> close_after{};
    SteadyTime first_due{};  ///< when the first delta is due
    std::uint16_t close_code = 1011;
  };

  std::weak_ptr<Impl> owner;
  FakeRealtimeOptions options;
  std::shared_ptr<net::WsConnection> ws;
  rt::Dialect dialect = rt::Dialect::ga;
  json session;
  rt::Session typed;
  std::uint64_t ids = 0;
  std::uint64_t generation = 0;  ///< bumped when a response ends: its timers then do nothing

  // The input audio buffer and the caller's stream.
  std::optional<rt::AudioDecoder> decoder;
  std::unique_ptr<audio::VoiceActivityDetector> vad;
  std::int64_t vad_origin = 0;      ///< the stream sample the detector's sample 0 is
  std::int64_t stream_samples = 0;  ///< since the session started
  std::int64_t buffer_samples = 0;  ///< since the last commit or clear
  SteadyTime anchor{};
  std::int64_t anchor_sample = 0;
  std::string speech_item;  ///< the user item the current speech will become
  std::optional<SteadyTime> speech_ended_at;  ///< the caller's speech ended here (unanswered)

  std::map<std::string, StoredItem> items;
  std::string last_item;
  std::map<std::string, std::string> calls;  ///< call_id → item id of open function calls
  std::optional<Active> active;

  std::shared_ptr<Impl> impl() const { return owner.lock(); }
  std::string id(const char* prefix) { return std::string(prefix) + std::to_string(++ids); }

  void send(const rt::ServerEvent& event) {
    if (ws->open()) ws->send(rt::encode(event, dialect, id("event_")));
  }
  void error(const std::string& code, const std::string& message, const std::string& event_id,
             const std::string& param = {}) {
    if (auto i = impl()) i->note([&](FakeRealtimeLog& l) { l.errors_sent.push_back(code); });
    send(rt::server::Error{.type = "invalid_request_error",
                           .code = code,
                           .message = message,
                           .param = param,
                           .event_id = event_id});
  }

  int rate() const { return rt::sample_rate(typed.input_format); }
  std::int64_t ms_of(std::int64_t samples) const { return samples * 1000 / rate(); }
  SteadyTime time_of(std::int64_t sample) const {
    return anchor + std::chrono::nanoseconds((sample - anchor_sample) * 1'000'000'000 / rate());
  }
  bool vad_on() const { return typed.turn_detection.type != rt::TurnDetectionType::none; }

  void reset_input() {
    decoder.emplace(typed.input_format);
    stream_samples = buffer_samples = 0;
    new_vad();
    speech_item.clear();
  }

  /// The silence after speech that ends the caller's turn. semantic_vad's model judges from the
  /// words whether the caller is done; the fake cannot, so its eagerness maps to a fixed silence
  /// (low waits longest, auto is medium, as documented).
  int end_of_turn_silence_ms() const {
    const auto& t = typed.turn_detection;
    switch (t.type) {
      case rt::TurnDetectionType::server_vad:
        return t.silence_duration_ms;
      case rt::TurnDetectionType::semantic_vad:
        return t.eagerness == "high" ? kSemanticHighMs : t.eagerness == "low" ? kSemanticLowMs
                                                                               : kSemanticMediumMs;
      case rt::TurnDetectionType::none:
        break;
    }
    return 300;
  }

  void new_vad() {
    // The caller's speech is found with our VAD in every mode: with server VAD it ends turns; with
    // manual turns it times the reply from the end of the speech, as the latency tests expect.
    vad = std::make_unique<audio::VoiceActivityDetector>(
        rate(),
        audio::VadOptions{.hangover = std::chrono::milliseconds(end_of_turn_silence_ms())});
    vad_origin = stream_samples;
  }

  void open_session(const std::string& model) {
    rt::Session s{.model = model};
    session = rt::session_to_json(s, dialect);
    session["id"] = id("sess_");
    session["object"] = "realtime.session";
    if (dialect == rt::Dialect::beta) session["model"] = model;
    typed = rt::session_from_json(session);
    reset_input();
    send(rt::server::SessionCreated{.session = session});
  }

  void on_message(const std::string& text) {
    rt::ClientMessage m;
    try {
      m = rt::decode_client(text);
    } catch (const rt::ProtocolError& e) {
      if (auto i = impl()) i->note([&](FakeRealtimeLog& l) { l.client_events.push_back("?"); });
      std::string event_id;
      if (const auto j = json::parse(text, nullptr, false); j.is_object() && j.contains("event_id") &&
                                                          j["event_id"].is_string())
        event_id = j["event_id"].get<std::string>();
      error("invalid_value", e.what(), event_id);
      return;
    }
    if (auto i = impl())
      i->note([&](FakeRealtimeLog& l) { l.client_events.emplace_back(rt::type_of(m.event)); });
    std::visit(
        Overloaded{[&](const rt::client::SessionUpdate& u) { update_session(u.session, m.event_id); },
                   [&](const rt::client::AppendAudio& a) { append(a.audio); },
                   [&](const rt::client::CommitAudio&) { commit(m.event_id); },
                   [&](const rt::client::ClearAudio&) {
                     buffer_samples = 0;
                     send(rt::server::AudioCleared{});
                   },
                   [&](const rt::client::CreateItem& c) { create_item(c, m.event_id); },
                   [&](const rt::client::TruncateItem& t) { truncate(t, m.event_id); },
                   [&](const rt::client::RetrieveItem& r) {
                     const auto it = items.find(r.item_id);
                     if (it == items.end()) {
                       error("item_not_found", "Item '" + r.item_id + "' not found", m.event_id);
                       return;
                     }
                     send(rt::server::ItemRetrieved{.item = it->second.item});
                   },
                   [&](const rt::client::DeleteItem& d) {
                     if (items.erase(d.item_id) == 0) {
                       error("item_not_found", "Item '" + d.item_id + "' not found", m.event_id);
                       return;
                     }
                     send(rt::server::ItemDeleted{.item_id = d.item_id});
                   },
                   [&](const rt::client::CreateResponse&) {
                     if (active) {
                       error("conversation_already_has_active_response",
                             "Conversation already has an active response in progress: " +
                                 active->response_id + ". Wait until the response is finished "
                                 "before creating a new one.",
                             m.event_id);
                       return;
                     }
                     respond();
                   },
                   [&](const rt::client::CancelResponse&) {
                     if (!active) {
                       error("response_cancel_not_active",
                             "Cancellation failed: no active response found", m.event_id);
                       return;
                     }
                     cancel("client_cancelled");
                   }},
        m.event);
  }

  void update_session(const json& update, const std::string& event_id) {
    // What the real servers answer to the other dialect's shape (protocol doc, "Gotchas").
    if (dialect == rt::Dialect::ga) {
      if (!update.contains("type")) {
        error("missing_required_parameter", "Missing required parameter: 'session.type'.",
              event_id, "session.type");
        return;
      }
      for (const char* beta_only : {"voice", "input_audio_format", "output_audio_format",
                                    "modalities", "turn_detection", "input_audio_transcription"}) {
        if (update.contains(beta_only)) {
          error("unknown_parameter", std::string("Unknown parameter: 'session.") + beta_only + "'.",
                event_id, std::string("session.") + beta_only);
          return;
        }
      }
    } else if (update.contains("audio") || update.contains("output_modalities")) {
      error("unknown_parameter", "Unknown parameter: 'session.audio'.", event_id, "session.audio");
      return;
    }
    json merged = session;
    rt::merge_session(merged, update);
    rt::Session next;
    try {
      next = rt::session_from_json(merged);
    } catch (const rt::ProtocolError& e) {
      error("invalid_value", e.what(), event_id);
      return;
    }
    const int old_silence = end_of_turn_silence_ms();
    const auto old_format = typed.input_format;
    const auto old_type = typed.turn_detection.type;
    session = std::move(merged);
    typed = std::move(next);
    const bool input_changed = typed.input_format != old_format ||
                               typed.turn_detection.type != old_type ||
                               end_of_turn_silence_ms() != old_silence;
    if (input_changed) reset_input();
    if (auto i = impl()) i->note([&](FakeRealtimeLog& l) { l.session = session; });
    send(rt::server::SessionUpdated{.session = session});
  }

  void append(const std::vector<std::uint8_t>& bytes) {
    const auto arrived = std::chrono::steady_clock::now();
    if (auto i = impl())
      i->note([&](FakeRealtimeLog& l) { l.appended_bytes += static_cast<std::int64_t>(bytes.size()); });
    std::vector<std::int16_t> samples;
    decoder->decode(bytes, samples);
    if (samples.empty()) return;
    // Timed by the samples: a chunk that continues the stream starts where the last one ended.
    // Earlier than that, the stream's time was set by a late chunk: this one sets it right (a
    // jitter buffer times a stream from its earliest arrival).
    if (stream_samples == 0 || arrived > time_of(stream_samples) + kJitterAllowance ||
        arrived < time_of(stream_samples)) {
      anchor = arrived;
      anchor_sample = stream_samples;
    }
    stream_samples += static_cast<std::int64_t>(samples.size());
    buffer_samples += static_cast<std::int64_t>(samples.size());
    for (const auto& e : vad->push(samples)) {
      const auto sample = vad_origin + e.sample;
      if (e.kind == audio::VadEvent::Kind::speech_start) {
        speech_item = id("item_");
        if (!vad_on()) continue;
        send(rt::server::SpeechStarted{.audio_start_ms = ms_of(sample), .item_id = speech_item});
        if (active && typed.turn_detection.interrupt_response) cancel("turn_detected");
      } else {
        speech_ended_at = time_of(sample);
        if (!vad_on()) continue;
        if (auto i = impl())
          i->note([&](FakeRealtimeLog& l) { l.speech_ends_ms.push_back(ms_of(sample)); });
        send(rt::server::SpeechStopped{.audio_end_ms = ms_of(sample), .item_id = speech_item});
        commit_buffer(speech_item);
        if (typed.turn_detection.create_response && !active) respond();
      }
    }
  }

  void commit(const std::string& event_id) {
    if (ms_of(buffer_samples) < 100) {
      error("input_audio_buffer_commit_empty",
            "Error committing input audio buffer: buffer too small. Expected at least 100ms of "
            "audio, but buffer only has " +
                std::to_string(ms_of(buffer_samples)) + ".00ms of audio.",
            event_id);
      return;
    }
    // Manual turns: the speech in the buffer ends where its sound ends (the detector is closed
    // on it and started afresh for the next turn), and the reply is timed from there.
    for (const auto& e : vad->finish())
      if (e.kind == audio::VadEvent::Kind::speech_end) speech_ended_at = time_of(vad_origin + e.sample);
    if (!speech_ended_at) speech_ended_at = std::chrono::steady_clock::now();
    new_vad();
    commit_buffer(speech_item.empty() ? id("item_") : speech_item);
  }

  void commit_buffer(const std::string& item_id) {
    std::optional<std::string> previous;
    if (!last_item.empty()) previous = last_item;
    send(rt::server::AudioCommitted{.item_id = item_id, .previous_item_id = previous});
    add_item({.id = item_id,
              .type = "message",
              .role = "user",
              .status = "completed",
              .content = {{.type = "input_audio"}}});
    buffer_samples = 0;
    speech_item.clear();
    if (typed.transcription_model.empty()) return;
    std::optional<std::string> heard;
    if (auto i = impl()) {
      std::lock_guard lock(i->mutex);
      if (!i->transcripts.empty()) {
        heard = std::move(i->transcripts.front());
        i->transcripts.pop_front();
      }
    }
    if (heard)
      send(rt::server::InputTranscriptionCompleted{.item_id = item_id, .transcript = *heard});
  }

  void add_item(const rt::Item& item, std::int64_t audio_ms = 0) {
    std::optional<std::string> previous;
    if (!last_item.empty()) previous = last_item;
    items[item.id] = {item, audio_ms};
    last_item = item.id;
    if (dialect == rt::Dialect::beta) {
      send(rt::server::ItemAdded{.stage = rt::server::ItemAdded::Stage::created,
                                 .item = item,
                                 .previous_item_id = previous});
    } else {
      send(rt::server::ItemAdded{
          .stage = rt::server::ItemAdded::Stage::added, .item = item, .previous_item_id = previous});
      send(rt::server::ItemAdded{
          .stage = rt::server::ItemAdded::Stage::done, .item = item, .previous_item_id = previous});
    }
  }

  void create_item(const rt::client::CreateItem& c, const std::string& event_id) {
    auto item = c.item;
    if (item.type == "function_call_output") {
      if (!calls.contains(item.call_id)) {
        error("invalid_value", "No function call found with call_id '" + item.call_id + "'.",
              event_id, "item.call_id");
        return;
      }
      calls.erase(item.call_id);
      if (auto i = impl())
        i->note([&](FakeRealtimeLog& l) { l.tool_outputs.emplace_back(item.call_id, item.output); });
    } else if (item.type == "message") {
      for (const auto& p : item.content) {
        if (p.type == "input_text") {
          if (auto i = impl()) i->note([&](FakeRealtimeLog& l) { l.user_texts.push_back(p.text); });
        } else if (p.type == "input_audio") {
          const auto ms = static_cast<std::int64_t>(p.audio.size()) / rt::bytes_per_ms(typed.input_format);
          if (auto i = impl()) i->note([&](FakeRealtimeLog& l) { l.user_audio_ms.push_back(ms); });
        }
      }
      speech_ended_at.reset();
    } else {
      error("invalid_value", "Items of type '" + item.type + "' cannot be created.", event_id,
            "item.type");
      return;
    }
    if (item.id.empty()) item.id = id("item_");
    item.status = "completed";
    add_item(item);
  }

  void truncate(const rt::client::TruncateItem& t, const std::string& event_id) {
    // Assistant message items only, content part 0, within the audio (official types §9).
    const auto it = items.find(t.item_id);
    if (it == items.end()) {
      error("item_not_found", "Item '" + t.item_id + "' not found", event_id, "item_id");
      return;
    }
    if (it->second.item.type != "message" || it->second.item.role != "assistant") {
      error("invalid_value", "Only assistant message items can be truncated.", event_id, "item_id");
      return;
    }
    if (t.content_index != 0) {
      error("invalid_value", "Only content_index 0 can be truncated.", event_id, "content_index");
      return;
    }
    const auto audio_ms = active && active->item_id == t.item_id ? active->audio_ms
                                                                  : it->second.audio_ms;
    if (t.audio_end_ms > audio_ms) {
      error("invalid_value",
            "Audio content of " + std::to_string(audio_ms) +
                "ms is already shorter than " + std::to_string(t.audio_end_ms) + "ms",
            event_id, "audio_end_ms");
      return;
    }
    if (auto i = impl()) i->note([&](FakeRealtimeLog& l) { l.truncates.push_back(t); });
    for (auto& p : it->second.item.content) p.transcript.reset();  // the transcript goes (§9)
    send(rt::server::ItemTruncated{
        .item_id = t.item_id, .content_index = 0, .audio_end_ms = t.audio_end_ms});
  }

  rt::Usage usage(const std::string& text) const {
    const auto out = static_cast<std::int64_t>(words_of(text).size()) * 3 + 10;
    const std::int64_t in = 20 + ms_of(stream_samples) / 100;
    return {.input_tokens = in, .output_tokens = out, .total_tokens = in + out};
  }

  void respond() {
    auto i = impl();
    if (!i) return;
    auto reply = i->next_reply();
    if (reply.error_code) {
      error(*reply.error_code, "The server could not create a response (" + *reply.error_code + ").",
            "");
      if (!reply.reply_after_error) return;
    }
    i->note([](FakeRealtimeLog& l) { ++l.responses; });
    const auto response_id = id("resp_");
    send(rt::server::ResponseCreated{.response = {.id = response_id}});
    // §5: the official docstring says rate limits come at the beginning of a response.
    send(rt::server::RateLimitsUpdated{
        .rate_limits = {{.name = "requests", .limit = 5000, .remaining = 4999, .reset_seconds = 0.012},
                        {.name = "tokens", .limit = 40000, .remaining = 39000, .reset_seconds = 1.5}}});
    if (reply.tool_name) {
      call_tool(response_id, *reply.tool_name, reply.tool_arguments.dump());
      return;
    }
    Active a{.response_id = response_id, .item_id = id("item_"), .text = reply.text,
             .close_after = reply.close_after_deltas, .close_code = reply.close_code};
    a.words = words_of(reply.text);
    // Real speech in the session's output format, in 100 ms deltas.
    const auto speech = synthesize(reply.text, options.voice);
    auto samples = speech.samples;
    const auto out_format = typed.output_format;
    if (rt::sample_rate(out_format) != audio::AudioChunk::sample_rate)
      samples = audio::resample(samples, audio::AudioChunk::sample_rate, rt::sample_rate(out_format));
    const auto per_delta = static_cast<std::size_t>(rt::sample_rate(out_format) / 10);
    for (std::size_t pos = 0; pos < samples.size(); pos += per_delta) {
      const auto n = std::min(per_delta, samples.size() - pos);
      a.deltas.push_back(rt::encode_audio(std::span(samples).subspan(pos, n), out_format));
    }
    const rt::Item item{.id = a.item_id, .type = "message", .role = "assistant",
                        .status = "in_progress"};
    send(rt::server::OutputItemAdded{.response_id = response_id, .item = item});
    add_item(item);
    send(rt::server::ContentPartAdded{.ref = ref(a), .part = {.type = "audio", .transcript = ""}});
    active = std::move(a);
    // The first audio `delay` after the caller's speech ended (in the audio it sent), the rest
    // faster than real time.
    auto first = std::chrono::steady_clock::now();
    if (speech_ended_at) first = std::max(first, *speech_ended_at + reply.delay);
    speech_ended_at.reset();
    active->first_due = first;
    const auto gen = ++generation;
    const auto step = std::chrono::duration_cast<std::chrono::nanoseconds>(kDeltaLength / options.speed);
    for (std::size_t k = 0; k <= active->deltas.size(); ++k) {
      ws->run_at(first + static_cast<std::int64_t>(k) * step,
                 [weak = weak_from_this(), gen, k] {
                   if (auto self = weak.lock()) self->stream(gen, k);
                 });
    }
  }

  rt::OutputRef ref(const Active& a) const {
    return {.response_id = a.response_id, .item_id = a.item_id};
  }

  /// Delta k of the response in flight (k == its count: the end of the response).
  void stream(std::uint64_t gen, std::size_t k) {
    if (gen != generation || !active || !ws->open()) return;
    auto& a = *active;
    if (k == a.deltas.size()) {
      finish("completed", "");
      return;
    }
    auto bytes = a.deltas[k];
    // Odd-length deltas: the first byte of the next delta travels with this one.
    if (options.odd_deltas && typed.output_format == rt::AudioFormat::pcm16 && k % 2 == 0 &&
        k + 1 < a.deltas.size()) {
      bytes.push_back(a.deltas[k + 1].front());
      a.deltas[k + 1].erase(a.deltas[k + 1].begin());
    }
    a.bytes_sent += static_cast<std::int64_t>(bytes.size());
    a.audio_ms = a.bytes_sent / rt::bytes_per_ms(typed.output_format);
    send(rt::server::AudioDelta{.ref = ref(a), .audio = std::move(bytes)});
    if (k == 0) {
      // Once the first delta is on its way (encoding included): how late the reply really left.
      const std::chrono::duration<double, std::milli> late =
          std::chrono::steady_clock::now() - a.first_due;
      if (auto i = impl())
        i->note([&](FakeRealtimeLog& l) { l.first_audio_late_ms.push_back(late.count()); });
    }
    // Words spread over the deltas.
    const auto words_per = (a.words.size() + a.deltas.size() - 1) / a.deltas.size();
    std::string words;
    for (std::size_t w = k * words_per; w < std::min(a.words.size(), (k + 1) * words_per); ++w)
      words += (w == 0 ? "" : " ") + a.words[w];
    if (!words.empty()) send(rt::server::TranscriptDelta{.ref = ref(a), .delta = words});
    ++a.sent;
    if (a.close_after && static_cast<int>(a.sent) >= *a.close_after) {
      ws->close(a.close_code, "server error");
      ++generation;
    }
  }

  /// The response in flight ends: completed, or cancelled with `reason`.
  void finish(const std::string& status, const std::string& reason) {
    auto a = std::move(*active);
    active.reset();
    ++generation;
    const bool completed = status == "completed";
    if (completed) {
      send(rt::server::AudioDone{.ref = ref(a)});
      send(rt::server::TranscriptDone{.ref = ref(a), .transcript = a.text});
      send(rt::server::ContentPartDone{.ref = ref(a), .part = {.type = "audio", .transcript = a.text}});
    }
    rt::Item item{.id = a.item_id, .type = "message", .role = "assistant",
                  .status = completed ? "completed" : "incomplete",
                  .content = {{.type = dialect == rt::Dialect::ga ? "output_audio" : "audio",
                               .transcript = a.text}}};
    items[a.item_id] = {item, a.audio_ms};
    if (auto i = impl())
      i->note([&](FakeRealtimeLog& l) {
        l.item_audio_ms.emplace_back(a.item_id, a.audio_ms);
        if (!completed) ++l.cancelled;
      });
    send(rt::server::OutputItemDone{.response_id = a.response_id, .item = item});
    if (dialect == rt::Dialect::ga)
      send(rt::server::ItemAdded{.stage = rt::server::ItemAdded::Stage::done, .item = item});
    send(rt::server::ResponseDone{
        .response = {.id = a.response_id,
                     .status = completed ? rt::ResponseStatus::completed
                                         : rt::ResponseStatus::cancelled,
                     .status_reason = reason,
                     .output = {item},
                     .usage = usage(a.text)}});
  }

  void cancel(const std::string& reason) { finish("cancelled", reason); }

  void call_tool(const std::string& response_id, const std::string& name,
                 const std::string& arguments) {
    const auto item_id = id("item_");
    const auto call_id = id("call_");
    calls[call_id] = item_id;
    rt::Item item{.id = item_id, .type = "function_call", .status = "in_progress",
                  .call_id = call_id, .name = name};
    send(rt::server::OutputItemAdded{.response_id = response_id, .item = item});
    add_item(item);
    const rt::OutputRef r{.response_id = response_id, .item_id = item_id};
    send(rt::server::FunctionArgumentsDelta{.ref = r, .call_id = call_id, .delta = arguments});
    send(rt::server::FunctionArgumentsDone{
        .ref = r, .call_id = call_id, .name = name, .arguments = arguments});
    item.status = "completed";
    item.arguments = arguments;
    items[item_id] = {item, 0};
    // §3: the official agents transport takes the call from the completed item.
    send(rt::server::OutputItemDone{.response_id = response_id, .item = item});
    if (dialect == rt::Dialect::ga)
      send(rt::server::ItemAdded{.stage = rt::server::ItemAdded::Stage::done, .item = item});
    send(rt::server::ResponseDone{.response = {.id = response_id,
                                               .status = rt::ResponseStatus::completed,
                                               .output = {item},
                                               .usage = usage(arguments)}});
  }
};

FakeOpenAIRealtime::FakeOpenAIRealtime(net::EventLoop& loop, FakeRealtimeOptions options)
    : impl_(std::make_shared<Impl>(std::move(options))) {
  std::weak_ptr<Impl> weak = impl_;
  auto on_upgrade = [weak](const net::HttpRequest& r) -> net::UpgradeDecision {
    auto self = weak.lock();
    if (!self) return {.reject_status = 503};
    if (r.path() != "/v1/realtime")
      return {.reject_status = 404,
              .reject_body = openai_error_body("Invalid URL (GET " + r.path() + ")", "not_found")};
    const auto auth = r.header("authorization");
    const bool ok = auth == "Bearer " + self->options.api_key;
    self->note([&](FakeRealtimeLog& l) {
      l.authorizations.push_back(auth.empty() ? "missing" : ok ? "ok" : "wrong");
    });
    if (!ok)
      return {.reject_status = 401,
              .reject_body = openai_error_body(
                  auth.empty() ? "You didn't provide an API key." : "Incorrect API key provided.",
                  "invalid_api_key")};
    if (query_value(r.target, "model").empty() && query_value(r.target, "call_id").empty())
      return {.reject_status = 400,
              .reject_body = openai_error_body("Missing required parameter: 'model'.",
                                               "missing_required_parameter")};
    const bool beta = r.header("openai-beta").find("realtime=v1") != std::string::npos;
    if (beta && self->options.beta_retired)
      return {.close_code = 4000, .close_reason = "beta_api_shape_disabled"};
    return {};
  };
  auto on_connection = [weak](std::shared_ptr<net::WsConnection> ws, const net::HttpRequest& r) {
    auto self = weak.lock();
    if (!self) return;
    auto c = std::make_shared<Impl::Conversation>();
    c->owner = weak;
    c->options = self->options;
    c->ws = ws;
    const bool beta = r.header("openai-beta").find("realtime=v1") != std::string::npos;
    c->dialect = self->options.dialect.value_or(beta ? rt::Dialect::beta : rt::Dialect::ga);
    self->note([&](FakeRealtimeLog& l) {
      l.dialects.emplace_back(rt::to_string(c->dialect));
    });
    {
      std::lock_guard lock(self->mutex);
      ++self->open;
      self->live[c.get()] = c;
    }
    // The fake holds each conversation until its connection closes; the handlers hold it weakly
    // (the conversation holds the connection).
    std::weak_ptr<Impl::Conversation> wc = c;
    ws->start({.on_message =
                   [wc](std::string data, bool) {
                     if (auto c = wc.lock()) c->on_message(data);
                   },
               .on_close =
                   [wc](const net::WsClose&) {
                     auto c = wc.lock();
                     if (!c) return;
                     ++c->generation;
                     if (auto i = c->impl()) {
                       std::lock_guard lock(i->mutex);
                       --i->open;
                       i->live.erase(c.get());
                     }
                   }});
    ws->post([wc, model = query_value(r.target, "model")] {
      if (auto c = wc.lock()) c->open_session(model);
    });
  };
  impl_->server = std::make_unique<net::Server>(
      loop,
      net::ServerOptions{.port = impl_->options.port,
                         .certificate_file = impl_->options.certificate_file,
                         .private_key_file = impl_->options.private_key_file,
                         .max_message_bytes = 16u << 20},
      on_connection, net::Server::HttpHandler{},
      on_upgrade);
}

FakeOpenAIRealtime::~FakeOpenAIRealtime() { impl_->server.reset(); }

std::string FakeOpenAIRealtime::base_url() const { return impl_->server->ws_url("/v1/realtime"); }
const FakeRealtimeOptions& FakeOpenAIRealtime::options() const noexcept { return impl_->options; }

void FakeOpenAIRealtime::push_reply(FakeRealtimeReply reply) {
  std::lock_guard lock(impl_->mutex);
  impl_->replies.push_back(std::move(reply));
}

void FakeOpenAIRealtime::set_default_reply(FakeRealtimeReply reply) {
  std::lock_guard lock(impl_->mutex);
  impl_->default_reply = std::move(reply);
}

void FakeOpenAIRealtime::push_transcript(std::string text) {
  std::lock_guard lock(impl_->mutex);
  impl_->transcripts.push_back(std::move(text));
}

FakeRealtimeLog FakeOpenAIRealtime::log() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->log;
}

std::size_t FakeOpenAIRealtime::open_connections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->open;
}

}  // namespace scenario::fakes
