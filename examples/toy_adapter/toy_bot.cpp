#include "toy_bot.hpp"

#include <sstream>

#include "scenario/audio/resampler.hpp"
#include "scenario/speech.hpp"
#include "toy_protocol.hpp"

namespace toy {

using namespace std::chrono_literals;

// One connection, on its strand.
struct ToyBot::Call : std::enable_shared_from_this<ToyBot::Call> {
  ToyBot* bot = nullptr;
  std::shared_ptr<scenario::net::WsConnection> socket;
  std::size_t turn = 0;
  std::uint64_t generation = 0;  ///< bumps on interrupt: chunks of a stopped reply are not sent
  std::string reply_id;

  void on_message(const std::string& text) {
    Message m;
    try {
      m = decode(text);
    } catch (const ProtocolError& e) {
      socket->send(encode(Error{.message = e.what(), .fatal = false}));
      return;
    }
    if (auto* a = std::get_if<Audio>(&m)) {
      std::lock_guard lock(bot->mutex_);
      ++bot->log_.audio_frames;
      bot->log_.samples += a->pcm.size();
      if (a->pcm.size() != kSampleRate / 50) ++bot->log_.odd_sized_frames;
    } else if (std::holds_alternative<Commit>(m)) {
      {
        std::lock_guard lock(bot->mutex_);
        ++bot->log_.commits;
      }
      reply();
    } else if (auto* i = std::get_if<Interrupt>(&m)) {
      {
        std::lock_guard lock(bot->mutex_);
        bot->log_.interrupts_heard_ms.push_back(i->heard_ms);
      }
      ++generation;
      socket->send(encode(Stopped{.reply = reply_id}));
    }
  }

  void reply() {
    const auto& speech = bot->speech_[std::min(turn, bot->speech_.size() - 1)];
    const auto& text = bot->options_.replies[std::min(turn, bot->options_.replies.size() - 1)];
    if (turn == 0 && bot->options_.garble_first_reply)
      socket->send("{\"type\":\"audio\",\"pcm\":\"***\"}");
    reply_id = "r" + std::to_string(++turn);
    const auto gen = ++generation;
    const auto t0 = std::chrono::steady_clock::now() + 200ms;  // thinks for 200 ms
    constexpr std::size_t kChunk = kSampleRate / 50;
    const std::size_t chunks = (speech.size() + kChunk - 1) / kChunk;
    std::istringstream words(text);
    std::vector<std::string> list;
    for (std::string w; words >> w;) list.push_back(w);
    for (std::size_t k = 0; k <= chunks; ++k) {
      socket->run_at(t0 + k * 20ms, [self = shared_from_this(), gen, k, chunks, list, &speech,
                                     id = reply_id] {
        if (self->generation != gen) return;
        if (k == chunks) {
          self->socket->send(encode(Done{.reply = id}));
          return;
        }
        const auto begin = speech.begin() + static_cast<std::ptrdiff_t>(k * kChunk);
        const auto end =
            speech.begin() + static_cast<std::ptrdiff_t>(std::min(speech.size(), (k + 1) * kChunk));
        self->socket->send(encode(Audio{.pcm = {begin, end}, .reply = id}));
        // Word j goes out when playback reaches j/n of the reply.
        for (std::size_t j = 0; j < list.size(); ++j) {
          if (j * chunks / list.size() == k)
            self->socket->send(encode(Transcript{.text = (j ? " " : "") + list[j], .reply = id}));
        }
      });
    }
  }
};

ToyBot::ToyBot(scenario::net::EventLoop& loop, ToyBotOptions options)
    : options_(std::move(options)) {
  for (const auto& text : options_.replies) {
    speech_.push_back(scenario::audio::resample(scenario::synthesize(text, "espeak/en-us").samples,
                                                scenario::audio::kCanonicalSampleRate,
                                                kSampleRate));
  }
  server_ = std::make_unique<scenario::net::Server>(
      loop, scenario::net::ServerOptions{},
      [this](std::shared_ptr<scenario::net::WsConnection> socket,
             const scenario::net::HttpRequest&) {
        auto call = std::make_shared<Call>();
        call->bot = this;
        call->socket = socket;
        // The handlers own the call; it ends when the connection closes.
        socket->start({.on_message = [call](std::string data, bool) { call->on_message(data); },
                       .on_close = [call](const scenario::net::WsClose&) { ++call->generation; }});
      });
}

ToyBot::~ToyBot() = default;

std::string ToyBot::url() const {
  return server_->ws_url("/");
}

ToyBotLog ToyBot::log() const {
  std::lock_guard lock(mutex_);
  return log_;
}

}  // namespace toy
