// A Realtime model as the caller: request/response over one WebSocket session per run, turns
// decided by the run (turn detection off). Each reply is collected whole (the model generates
// faster than real time) and handed to the run as the user's speech.
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>

#include "scenario/adapters/openai_realtime.hpp"
#include "scenario/net/websocket.hpp"
#include "scenario/speech.hpp"
#include "scenario/state.hpp"

namespace scenario::adapters {
namespace rt = openai::realtime;
using nlohmann::json;

namespace {

constexpr const char* kVoiceProvider = "openai-realtime-user";

/// Instances by voice name, for the TTS provider that speaks scripted lines in their voice.
std::mutex registry_mutex;
std::map<std::string, std::weak_ptr<OpenAIRealtimeUser::Impl>>& registry() {
  static std::map<std::string, std::weak_ptr<OpenAIRealtimeUser::Impl>> r;
  return r;
}

std::string instructions_for(const std::string& description, const std::string& persona) {
  std::string text =
      "You are role-playing the caller in a phone call with an agent; the agent speaks to you. "
      "Speak only as the caller, one or two sentences at a time, and never as the agent.";
  if (!description.empty()) text += " The situation: " + description;
  if (!persona.empty()) text += " Who you are: " + persona;
  return text;
}

}  // namespace

struct OpenAIRealtimeUser::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(OpenAIRealtimeUserOptions o) : options(std::move(o)) {}

  OpenAIRealtimeUserOptions options;
  std::string voice_name;
  std::mutex call_mutex;  ///< one request at a time

  // Events from the connection's strand.
  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<rt::ServerMessage> events;
  std::optional<std::string> closed;
  rt::Usage usage;

  std::shared_ptr<net::WsConnection> connection;
  std::string thread;  ///< the run the session was made for
  std::string description;
  std::uint64_t requests = 0;

  void on_message(const std::string& text) {
    rt::ServerMessage m;
    try {
      m = rt::decode_server(text);
    } catch (const rt::ProtocolError&) {
      return;  // nothing a caller needs; the reply it waits for times out or completes
    }
    std::lock_guard lock(mutex);
    events.push_back(std::move(m));
    arrived.notify_all();
  }

  void on_close(const net::WsClose& close) {
    std::lock_guard lock(mutex);
    closed = close.describe();
    arrived.notify_all();
  }

  /// The next event, or an error saying why none came.
  rt::ServerMessage next(std::chrono::steady_clock::time_point give_up) {
    std::unique_lock lock(mutex);
    arrived.wait_until(lock, give_up, [&] { return !events.empty() || closed; });
    if (!events.empty()) {
      auto m = std::move(events.front());
      events.pop_front();
      return m;
    }
    if (closed) throw std::runtime_error("openai-realtime-user: the server " + *closed);
    throw std::runtime_error("openai-realtime-user: no reply within " +
                             std::to_string(options.reply_timeout.count()) + " ms");
  }

  void send(const rt::ClientEvent& e, std::string_view event_id = {}) {
    connection->send(rt::encode(e, event_id));
  }

  /// One session per run: a new run (thread) gets a new one, with its description.
  void connect(const std::string& for_thread, const std::string& run_description) {
    if (connection && connection->open() && for_thread == thread) return;
    if (connection) connection->close(1000, "new run");
    {
      std::lock_guard lock(mutex);
      events.clear();
      closed.reset();
    }
    std::string key = options.api_key;
    if (key.empty()) {
      if (const char* env = std::getenv("OPENAI_API_KEY")) key = env;
    }
    if (key.empty())
      throw std::invalid_argument("openai-realtime-user: no API key (set api_key or OPENAI_API_KEY)");
    std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + key}};
    if (options.dialect == rt::Dialect::beta) headers.emplace_back("OpenAI-Beta", "realtime=v1");
    auto& loop = options.loop != nullptr ? *options.loop : net::EventLoop::shared();
    const auto url = options.base_url + (options.base_url.find('?') == std::string::npos ? "?" : "&") +
                     "model=" + options.model;
    try {
      connection = net::ws_connect(loop, url,
                                   {.ca_file = options.ca_file,
                                    .connect_timeout = options.connect_timeout,
                                    .max_message_bytes = 16u << 20,
                                    .headers = std::move(headers)});
    } catch (const net::NetError& e) {
      throw net::NetError(std::string("openai-realtime-user: cannot reach the server: ") + e.what());
    }
    std::weak_ptr<Impl> weak = weak_from_this();
    connection->start({.on_message =
                           [weak](std::string data, bool) {
                             if (auto self = weak.lock()) self->on_message(data);
                           },
                       .on_close =
                           [weak](const net::WsClose& c) {
                             if (auto self = weak.lock()) self->on_close(c);
                           }});
    thread = for_thread;
    description = run_description;
    rt::Session session{.model = options.dialect == rt::Dialect::ga ? options.model : "",
                        .instructions = instructions_for(description, options.persona),
                        .voice = options.voice,
                        .turn_detection = {.type = rt::TurnDetectionType::none}};
    send(rt::client::SessionUpdate{.session = rt::session_to_json(session, options.dialect)},
         "user_session_update");
    const auto give_up = std::chrono::steady_clock::now() + options.reply_timeout;
    while (true) {
      auto m = next(give_up);
      if (std::holds_alternative<rt::server::SessionUpdated>(m.event)) return;
      if (const auto* e = std::get_if<rt::server::Error>(&m.event))
        throw std::runtime_error("openai-realtime-user: the server refused the session: " +
                                 e->message);
    }
  }

  /// Asks for a response and collects it whole: speech at 24 kHz with its transcript.
  audio::AudioChunk respond() {
    const auto id = "user_response_create_" + std::to_string(++requests);
    send(rt::client::CreateResponse{}, id);
    const auto give_up = std::chrono::steady_clock::now() + options.reply_timeout;
    rt::AudioDecoder decoder(rt::AudioFormat::pcm16);
    audio::AudioChunk speech;
    std::string transcript;
    while (true) {
      auto m = next(give_up);
      if (auto* d = std::get_if<rt::server::AudioDelta>(&m.event)) {
        decoder.decode(d->audio, speech.samples);
      } else if (auto* t = std::get_if<rt::server::TranscriptDelta>(&m.event)) {
        transcript += t->delta;
      } else if (auto* e = std::get_if<rt::server::Error>(&m.event)) {
        throw std::runtime_error("openai-realtime-user: the server said: " + e->message +
                                 (e->code.empty() ? "" : " (" + e->code + ")"));
      } else if (auto* done = std::get_if<rt::server::ResponseDone>(&m.event)) {
        if (done->response.usage) {
          std::lock_guard lock(mutex);
          usage += *done->response.usage;
        }
        if (done->response.status != rt::ResponseStatus::completed)
          throw std::runtime_error("openai-realtime-user: the response ended " +
                                   std::string(rt::to_string(done->response.status)));
        break;
      }
    }
    if (!transcript.empty()) speech.transcript = transcript;
    return speech;
  }

  void add_text(const std::string& text) {
    send(rt::client::CreateItem{
        .item = {.type = "message", .role = "user", .content = {{.type = "input_text", .text = text}}}});
  }

  void add_agent_turn(const Message& m) {
    // What the agent said, as the model hears it: its audio when there is some, else its words.
    for (const auto& p : m.parts) {
      if (p.kind != ContentPart::Kind::audio || !p.audio || p.audio->empty()) continue;
      auto bytes = rt::encode_audio(p.audio->samples, rt::AudioFormat::pcm16);
      // Long replies go in as several items within the message limit.
      for (std::size_t pos = 0; pos < bytes.size(); pos += rt::kMaxAppendBytes / 2 * 2) {
        const auto n = std::min(bytes.size() - pos, rt::kMaxAppendBytes / 2 * 2);
        send(rt::client::CreateItem{
            .item = {.type = "message",
                     .role = "user",
                     .content = {{.type = "input_audio",
                                  .audio = {bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                                            bytes.begin() + static_cast<std::ptrdiff_t>(pos + n)}}}}});
      }
      return;
    }
    if (const auto text = m.text(); !text.empty()) add_text("The agent says: " + text);
  }
};

OpenAIRealtimeUser::OpenAIRealtimeUser(OpenAIRealtimeUserOptions options)
    : impl_(std::make_shared<Impl>(std::move(options))) {
  static std::atomic<std::uint64_t> instances{0};
  impl_->voice_name = std::string(kVoiceProvider) + "/" + std::to_string(++instances);
  {
    std::lock_guard lock(registry_mutex);
    registry()[impl_->voice_name] = impl_;
  }
  static std::once_flag registered;
  std::call_once(registered, [] {
    register_tts_provider(kVoiceProvider, [](std::string_view text, std::string_view voice,
                                             const SpeechOptions&) {
      std::shared_ptr<Impl> impl;
      {
        std::lock_guard lock(registry_mutex);
        const auto it = registry().find(std::string(kVoiceProvider) + "/" + std::string(voice));
        if (it != registry().end()) impl = it->second.lock();
      }
      if (!impl)
        throw std::invalid_argument("no OpenAIRealtimeUser speaks as voice '" + std::string(voice) +
                                    "' (it has been destroyed)");
      std::lock_guard call(impl->call_mutex);
      impl->connect(impl->thread, impl->description);
      impl->add_text("Say exactly this, as the caller, and nothing else: " + std::string(text));
      return impl->respond();
    });
  });
}

OpenAIRealtimeUser::~OpenAIRealtimeUser() {
  {
    std::lock_guard lock(registry_mutex);
    registry().erase(impl_->voice_name);
  }
  if (impl_->connection && impl_->connection->open()) impl_->connection->close(1000, "done");
}

AgentReply OpenAIRealtimeUser::call(const AgentInput& input) {
  auto& i = *impl_;
  std::lock_guard call(i.call_mutex);
  i.connect(input.thread_id,
            input.scenario_state != nullptr ? input.scenario_state->description() : "");
  bool heard = false;
  for (const auto& m : input.new_messages) {
    if (m.role != Role::assistant) continue;
    i.add_agent_turn(m);
    heard = true;
  }
  if (!heard && input.messages.empty())
    i.add_text("(The call has just connected. Start the conversation as the caller.)");
  Message reply{.role = Role::user};
  reply.parts.push_back(ContentPart::audio_part(i.respond()));
  return reply;
}

audio::AudioChunk OpenAIRealtimeUser::say(std::string_view text) {
  return synthesize(text, impl_->voice_name);
}

const std::string& OpenAIRealtimeUser::voice() const noexcept { return impl_->voice_name; }

rt::Usage OpenAIRealtimeUser::usage() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->usage;
}

}  // namespace scenario::adapters
