#include "ivr_bot.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <optional>
#include <span>
#include <utility>

#include "scenario/audio/analysis.hpp"
#include "scenario/audio/dtmf.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/audio/resampler.hpp"
#include "scenario/audio/vad.hpp"
#include "scenario/pipecat/serializer.hpp"
#include "scenario/voice/transport_event.hpp"
#include "scenario/speech.hpp"
#include "scenario/twilio/media_streams.hpp"

namespace scenario::examples {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kRate = 8000;

const std::map<std::string, std::string> kPrompts = {
    {"greeting", "Thank you for calling Acme."},
    {"main", "For billing, press 1. For technical support, press 2. To end the call, press 9."},
    {"billing", "Billing. Your balance is forty two dollars and fifteen cents, due on the first."},
    {"billing_options",
     "To hear your last payment, press 1. For the main menu, press 0. To end the call, press 9."},
    {"payment", "Your last payment of forty dollars was received on March third."},
    {"support", "Technical support. Our lines are open from eight to six."},
    {"support_options", "For the main menu, press 0. To end the call, press 9."},
    {"invalid", "Sorry, that is not a valid option."},
    {"speech", "Sorry, I can only understand key presses."},
    {"reprompt", "Are you still there?"},
    {"goodbye", "Thank you for calling Acme. Goodbye."},
};

// A prompt at the rate the wire carries the bot's audio (Twilio: 8 kHz, sent as μ-law).
struct PromptAudio {
  std::vector<std::int16_t> pcm;
  int rate = kRate;
  /// The prompt as the caller's recording holds it: through the wire's codec (μ-law on Twilio)
  /// and at the recording's rate. The ground truth is found in this, as the measurement will.
  std::vector<std::int16_t> heard;
  std::int64_t speech_onset = 0;  ///< first speech sample (at `rate`), as the analysis finds it
};

// What a measurement from a recording calls speech and sound (src/voice/latency.cpp): the bot
// reports its ground truth in the same terms.
constexpr auto kMeasuredHangover = std::chrono::milliseconds(300);
audio::OnsetOptions audible_at(int rate) {
  return {.threshold_dbfs = -60.0, .window_samples = rate / 500};
}

int output_rate(const IvrBotOptions& options) {
  return options.wire == IvrWire::twilio ? kRate : options.output_sample_rate;
}

std::unique_ptr<pipecat::Serializer> bot_serializer(IvrWire wire) {
  return wire == IvrWire::twilio ? pipecat::make_twilio_bot()
                                 : pipecat::make_protobuf(pipecat::Side::bot);
}

// Synthesised once per process and rate (many calls say the same things).
std::shared_ptr<const PromptAudio> prompt_audio(const std::string& text, const IvrBotOptions& o) {
  const std::string& voice = o.voice;
  const int rate = output_rate(o);
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const PromptAudio>> cache;
  const std::string key = voice + "\n" + std::to_string(rate) + "\n" +
                          std::to_string(static_cast<int>(o.wire)) + "\n" + text;
  {
    std::lock_guard lock(mutex);
    if (const auto it = cache.find(key); it != cache.end()) return it->second;
  }
  const auto speech = synthesize(text, voice);
  auto prompt = std::make_shared<PromptAudio>();
  prompt->rate = rate;
  prompt->pcm = audio::resample(speech.samples, speech.sample_rate, rate);
  const auto on_wire = o.wire == IvrWire::twilio
                           ? audio::decode_samples(audio::Encoding::mulaw,
                                                   audio::encode_samples(audio::Encoding::mulaw,
                                                                         prompt->pcm))
                           : prompt->pcm;
  prompt->heard = audio::resample(on_wire, rate, audio::kCanonicalSampleRate);
  // Where the analysis finds the speech: behind silence, as the caller hears it (at the very
  // start of a signal the detector has no noise floor yet and starts later).
  std::vector<std::int16_t> behind_silence(audio::kCanonicalSampleRate, 0);
  behind_silence.insert(behind_silence.end(), prompt->heard.begin(), prompt->heard.end());
  const auto segments = audio::detect_speech(behind_silence, audio::kCanonicalSampleRate,
                                             {.hangover = kMeasuredHangover});
  if (!segments.empty()) {
    prompt->speech_onset =
        std::max<std::int64_t>(0, segments.front().start_sample - audio::kCanonicalSampleRate) *
        rate / audio::kCanonicalSampleRate;
  }
  std::lock_guard lock(mutex);
  return cache.emplace(key, std::move(prompt)).first->second;
}

}  // namespace

struct IvrBot::Call : std::enable_shared_from_this<IvrBot::Call> {
  enum class Menu { main, billing, support };

  Call(const IvrBotOptions& o, std::shared_ptr<net::WsConnection> c)
      : options(o),
        connection(std::move(c)),
        vad(kRate, {.aggressiveness = 2, .hangover = std::chrono::milliseconds(300)}),
        dtmf(kRate) {}

  const IvrBotOptions& options;
  std::shared_ptr<net::WsConnection> connection;
  /// This call's side of the wire: nothing below branches on which serializer it is.
  const std::unique_ptr<pipecat::Serializer> serializer = bot_serializer(options.wire);
  std::optional<audio::Resampler> to_8k;  ///< the caller's rate → the detectors' 8 kHz
  audio::VoiceActivityDetector vad;
  audio::DtmfDetector dtmf;
  std::vector<std::int16_t> pcm;
  Menu menu = Menu::main;
  bool ending = false;

  // Playback, paced on absolute deadlines t0 + k·chunk.
  std::shared_ptr<const PromptAudio> playing;
  std::string playing_name;
  std::size_t play_pos = 0;
  std::uint64_t play_k = 0;
  Clock::time_point play_t0;
  std::uint64_t play_generation = 0;
  bool speaking = false;

  bool caller_speaking = false;
  bool digit_in_utterance = false;
  std::uint64_t input_generation = 0;

  // Ground truth (IvrCallLog::speech_answer_ms, barge_in_stop_ms). The caller's stream is timed
  // by its samples, as a jitter buffer does: sample 0 was due at `stream_anchor`, the earliest
  // any frame's arrival puts it (a late frame is jitter, not later speech).
  std::optional<Clock::time_point> stream_anchor;
  std::int64_t stream_ns = 0;  ///< the caller's audio received so far
  Clock::time_point message_arrived;
  std::optional<Clock::time_point> speech_ended_at;  ///< the last utterance's end
  std::optional<Clock::time_point> answer_from;      ///< the input the next prompt answers
  std::optional<Clock::time_point> barge_in_at;      ///< caller speech over the current prompt
  /// The current prompt's chunks: first sample and when the caller starts hearing it (a playout
  /// that cannot play a chunk before it was sent, nor before the one ahead of it has played).
  std::vector<std::pair<std::size_t, Clock::time_point>> chunks_heard;

  void note_caller_audio(std::size_t samples, int rate) {
    const auto due = message_arrived - std::chrono::nanoseconds(stream_ns);
    // A gap far beyond any jitter (the caller stopped sending): the stream starts over.
    if (!stream_anchor || due < *stream_anchor || due - *stream_anchor > std::chrono::seconds(1))
      stream_anchor = due;
    stream_ns += static_cast<std::int64_t>(samples) * 1'000'000'000 / rate;
  }

  Clock::time_point time_of(std::int64_t sample) const {
    return stream_anchor.value_or(message_arrived) +
           std::chrono::nanoseconds(sample * 1'000'000'000 / kRate);
  }

  void note_chunk_sent(std::size_t pos) {
    auto start = Clock::now();
    if (!chunks_heard.empty()) {
      const auto& [before, heard] = chunks_heard.back();
      start = std::max(start, heard + std::chrono::nanoseconds(
                                          static_cast<std::int64_t>(pos - before) *
                                          1'000'000'000 / playing->rate));
    }
    chunks_heard.emplace_back(pos, start);
  }

  // When the caller hears sample `pos` of the current prompt.
  Clock::time_point heard_at(std::size_t pos) const {
    auto it = std::find_if(chunks_heard.rbegin(), chunks_heard.rend(),
                           [&](const auto& c) { return c.first <= pos; });
    if (it == chunks_heard.rend()) return chunks_heard.front().second;
    return it->second + std::chrono::nanoseconds(static_cast<std::int64_t>(pos - it->first) *
                                                 1'000'000'000 / playing->rate);
  }

  // How much of the current prompt the caller has heard by `t`.
  std::size_t heard_by(Clock::time_point t) const {
    auto it = std::find_if(chunks_heard.rbegin(), chunks_heard.rend(),
                           [&](const auto& c) { return c.second <= t; });
    if (it == chunks_heard.rend()) return 0;
    const auto into = std::chrono::duration_cast<std::chrono::nanoseconds>(t - it->second).count();
    return std::min(play_pos,
                    it->first + static_cast<std::size_t>(into * playing->rate / 1'000'000'000));
  }

  static double ms_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
  }

  mutable std::mutex log_mutex;
  IvrCallLog log;

  template <class F>
  void update_log(F&& f) {
    std::lock_guard lock(log_mutex);
    f(log);
  }

  // One message from the caller side, whichever serializer carries it.
  void on_wire(const std::string& data, bool binary) {
    message_arrived = Clock::now();
    std::optional<pipecat::LineMessage> message;
    try {
      message = serializer->deserialize(data, binary);
    } catch (const pipecat::FrameError& e) {
      malformed(e.what());
      return;
    }
    if (!message) return;
    std::visit(Overloaded{[&](pipecat::line::Start& s) {
                            update_log([&](IvrCallLog& l) {
                              l.stream_sid = s.info.stream_sid;
                              l.call_sid = s.info.call_sid;
                              l.custom_parameters = s.info.custom_parameters;
                            });
                            greet();
                          },
                          [&](pipecat::line::Audio& a) { on_audio(a); },
                          [&](pipecat::line::Dtmf& d) { on_digit(d.digit, false); },
                          [&](pipecat::line::Mark&) {
                            update_log([](IvrCallLog& l) { ++l.mark_echoes; });
                          },
                          [&](pipecat::line::Stop&) {
                            update_log([](IvrCallLog& l) { l.stopped = true; });
                          },
                          [&](pipecat::line::Interruption&) {
                            // The caller interrupts natively: stop and say so (an interruption
                            // back, as Pipecat's output transport writes it to the serializer).
                            update_log([](IvrCallLog& l) { ++l.interruptions; });
                            ++input_generation;
                            if (speaking) stop_speaking();
                          },
                          // text, transcription and message frames from a client: nothing for an
                          // IVR to do.
                          [&](const auto&) {}},
               *message);
  }

  void malformed(const std::string& what) {
    update_log([&](IvrCallLog& l) {
      ++l.malformed;
      l.last_error = what;
    });
  }

  void on_audio(pipecat::line::Audio& a) {
    note_caller_audio(a.samples.size(), a.sample_rate);
    update_log([&](IvrCallLog& l) {
      ++l.media_frames;
      l.input_sample_rate = a.sample_rate;
      // A strict peer refuses frames that are not exactly 20 ms.
      if (a.samples.size() != static_cast<std::size_t>(a.sample_rate / 50) &&
          l.odd_sized_frames++ == 0)
        l.first_odd_frame_size = a.samples.size();
    });
    if (a.sample_rate == kRate) {
      on_pcm(a.samples);
      return;
    }
    if (!to_8k || to_8k->input_rate() != a.sample_rate) to_8k.emplace(a.sample_rate, kRate);
    pcm.clear();
    to_8k->process(a.samples, pcm);
    on_pcm(pcm);
  }

  // The caller's audio at 8 kHz: key tones, then speech.
  void on_pcm(std::span<const std::int16_t> pcm) {
    if (options.inband_dtmf) {
      for (const auto& d : dtmf.push(pcm)) on_digit(d.digit, true);
    }
    for (const auto& e : vad.push(pcm)) {
      if (e.kind == audio::VadEvent::Kind::speech_start) {
        caller_speaking = true;
        digit_in_utterance = false;
        ++input_generation;
        if (speaking) {
          if (!barge_in_at) barge_in_at = time_of(e.sample);
          // Barge-in: stop after the reaction time if the caller is still talking over us.
          const auto generation = play_generation;
          connection->run_at(Clock::now() + options.reaction_time, [self = shared_from_this(),
                                                                    generation] {
            if (self->speaking && self->play_generation == generation && self->caller_speaking) {
              self->stop_speaking();
              self->update_log([](IvrCallLog& l) { ++l.barge_ins; });
            }
          });
        }
      } else {
        caller_speaking = false;
        speech_ended_at = time_of(e.sample);
        update_log([](IvrCallLog& l) { ++l.utterances; });
        if (!digit_in_utterance) respond_later([](Call& c) { c.respond_to_speech(); });
      }
    }
  }

  void on_digit(char digit, bool inband) {
    digit_in_utterance = true;  // a tone is not speech: no "I only understand key presses"
    ++input_generation;
    if (speaking) stop_speaking();
    update_log([&](IvrCallLog& l) {
      l.digits += digit;
      if (inband) l.inband_digits += digit;
    });
    respond_later([digit](Call& c) { c.choose(digit); });
  }

  template <class F>
  void respond_later(F&& action) {
    const auto generation = input_generation;
    connection->run_at(Clock::now() + options.response_delay,
                       [self = shared_from_this(), generation, a = std::forward<F>(action)] {
                         // Newer input (speech or keys) supersedes this answer.
                         if (self->input_generation == generation && !self->ending) a(*self);
                       });
  }

  std::string menu_text() const {
    switch (menu) {
      case Menu::billing:
        return kPrompts.at("billing_options");
      case Menu::support:
        return kPrompts.at("support_options");
      case Menu::main:
        break;
    }
    return kPrompts.at("main");
  }

  void choose(char digit) {
    if (digit == '9') {
      ending = true;
      speak("goodbye", kPrompts.at("goodbye"));
      return;
    }
    if (digit == '0' && menu != Menu::main) {
      menu = Menu::main;
      enter("main");
      speak("main", kPrompts.at("main"));
    } else if (menu == Menu::main && digit == '1') {
      menu = Menu::billing;
      enter("billing");
      speak("billing", kPrompts.at("billing") + " " + menu_text());
    } else if (menu == Menu::main && digit == '2') {
      menu = Menu::support;
      enter("support");
      speak("support", kPrompts.at("support") + " " + menu_text());
    } else if (menu == Menu::billing && digit == '1') {
      speak("payment", kPrompts.at("payment") + " " + menu_text());
    } else {
      speak("invalid", kPrompts.at("invalid") + " " + menu_text());
    }
  }

  // A mark on entering a menu: the caller side learns where the bot is (echoed once heard).
  // (A serializer without marks gets a message saying the same.)
  void enter(const std::string& name) {
    if (serializer->sends<pipecat::line::Mark>()) {
      send(pipecat::line::Mark{"menu:" + name});
    } else {
      send(pipecat::line::Message{{{"label", "ivr"}, {"type", "menu"}, {"name", name}}});
    }
  }

  void send(const pipecat::LineMessage& message) {
    auto m = serializer->serialize(message, {});
    connection->send(std::move(m.data), m.binary);
  }

  void respond_to_speech() {
    answer_from = speech_ended_at;
    speak("speech", kPrompts.at("speech") + " " + menu_text());
  }

  void speak(const std::string& name, const std::string& text) {
    playing = prompt_audio(text, options);
    playing_name = name;
    if (serializer->sends<pipecat::line::Text>()) send(pipecat::line::Text{text});
    play_pos = 0;
    play_k = 0;
    play_t0 = net::on_pacing_grid(Clock::now());
    speaking = true;
    chunks_heard.clear();
    barge_in_at.reset();
    const auto truth_from = std::exchange(answer_from, std::nullopt);
    const auto generation = ++play_generation;
    update_log([&](IvrCallLog& l) { l.prompts.push_back(name); });
    // One re-armed timer per prompt, on absolute chunk deadlines.
    connection->run_every(play_t0, options.chunk,
                          [self = shared_from_this(), generation,
                           truth_from](Clock::time_point deadline) {
                            if (self->play_generation != generation || !self->speaking)
                              return false;
                            const auto late = Clock::now() - deadline;
                            self->update_log([&](IvrCallLog& l) { l.pacing.add(late); });
                            const bool first = self->play_k == 0;
                            const bool more = self->send_chunk();
                            if (first && truth_from) self->record_answer(*truth_from);
                            return more;
                          });
  }

  void record_answer(Clock::time_point input_end) {
    const auto onset = heard_at(static_cast<std::size_t>(playing->speech_onset));
    update_log([&](IvrCallLog& l) { l.speech_answer_ms.push_back(ms_between(input_end, onset)); });
  }

  // The clear has just left: the caller heard the prompt up to where its playout had got by now,
  // and the last sound in that is where the measurement finds the stop.
  void record_barge_in_stop(Clock::time_point cleared) {
    if (!barge_in_at || chunks_heard.empty()) return;
    const auto cut = static_cast<std::int64_t>(heard_by(cleared));
    const auto scale = [](std::int64_t n, int from, int to) { return n * to / from; };
    const auto heard = std::span<const std::int16_t>(playing->heard)
                           .first(std::min<std::size_t>(
                               playing->heard.size(),
                               static_cast<std::size_t>(scale(cut, playing->rate,
                                                              audio::kCanonicalSampleRate))));
    const auto end = audio::find_offset(heard, audible_at(audio::kCanonicalSampleRate));
    if (!end) return;
    const auto stop = heard_at(
        static_cast<std::size_t>(scale(*end, audio::kCanonicalSampleRate, playing->rate)));
    if (stop < *barge_in_at) return;  // the caller spoke into a pause: nothing to cut
    update_log([&](IvrCallLog& l) { l.barge_in_stop_ms.push_back(ms_between(*barge_in_at, stop)); });
  }

  /// Sends the next chunk; false once the prompt is over.
  bool send_chunk() {
    const auto& audio = *playing;
    const auto per_chunk = static_cast<std::size_t>(options.chunk.count() * audio.rate / 1000);
    const std::size_t n = std::min(per_chunk, audio.pcm.size() - play_pos);
    auto m = serializer->audio(std::span<const std::int16_t>(audio.pcm.data() + play_pos, n),
                               audio.rate, {});
    connection->send(std::move(m.data), m.binary);
    note_chunk_sent(play_pos);
    play_pos += n;
    ++play_k;
    if (play_pos < audio.pcm.size()) return true;
    // The mark comes back once the caller has heard everything before it (where the serializer
    // has marks).
    if (serializer->sends<pipecat::line::Mark>())
      send(pipecat::line::Mark{"prompt:" + playing_name});
    speaking = false;
    const auto heard_by = play_t0 + play_k * options.chunk;
    if (ending) {
      connection->run_at(heard_by + std::chrono::milliseconds(500), [self = shared_from_this()] {
        self->update_log([](IvrCallLog& l) { l.hung_up = true; });
        self->connection->close(1000, "goodbye");
      });
      return false;
    }
    const auto input = input_generation;
    connection->run_at(heard_by + options.reprompt_after, [self = shared_from_this(), input] {
      if (self->input_generation == input && !self->speaking && !self->caller_speaking &&
          !self->ending) {
        self->speak("reprompt", kPrompts.at("reprompt") + " " + self->menu_text());
      }
    });
    return false;
  }

  void stop_speaking() {
    ++play_generation;
    speaking = false;
    send(pipecat::line::Interruption{});  // Twilio `clear`, protobuf InterruptionFrame
    record_barge_in_stop(Clock::now());
  }

  void greet() {
    if (options.greet) speak("greeting", kPrompts.at("greeting") + " " + kPrompts.at("main"));
  }

  // Without a start message (protobuf) the bot greets when the socket opens.
  void on_open() {
    if (!serializer->receives<pipecat::line::Start>()) greet();
  }
};

// The bot's calls: live ones whole, ended ones as their logs only (a bounded history).
struct IvrBot::Registry {
  Registry(std::size_t history, std::function<void(const IvrCallLog&)> on_end)
      : history(history), on_call_end(std::move(on_end)) {}

  void add(const std::shared_ptr<Call>& call) {
    std::lock_guard lock(mutex);
    live.emplace_back(next++, call);
  }

  void end(const std::shared_ptr<Call>& call) {
    IvrCallLog log;
    {
      std::lock_guard log_lock(call->log_mutex);
      log = call->log;
    }
    {
      std::lock_guard lock(mutex);
      const auto it = std::find_if(live.begin(), live.end(),
                                   [&](const auto& entry) { return entry.second == call; });
      if (it == live.end()) return;
      ended.emplace_back(it->first, log);
      live.erase(it);
      while (ended.size() > history) ended.pop_front();
    }
    if (on_call_end) on_call_end(log);
  }

  std::vector<std::shared_ptr<Call>> live_calls() const {
    std::lock_guard lock(mutex);
    std::vector<std::shared_ptr<Call>> calls;
    for (const auto& [n, call] : live) calls.push_back(call);
    return calls;
  }

  std::vector<IvrCallLog> logs() const {
    std::vector<std::pair<std::uint64_t, IvrCallLog>> all;
    std::vector<std::pair<std::uint64_t, std::shared_ptr<Call>>> calls;
    {
      std::lock_guard lock(mutex);
      all.assign(ended.begin(), ended.end());
      calls = live;
    }
    for (const auto& [n, call] : calls) {
      std::lock_guard log_lock(call->log_mutex);
      all.emplace_back(n, call->log);
    }
    std::sort(all.begin(), all.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<IvrCallLog> result;
    result.reserve(all.size());
    for (auto& [n, log] : all) result.push_back(std::move(log));
    return result;
  }

  const std::size_t history;
  const std::function<void(const IvrCallLog&)> on_call_end;
  mutable std::mutex mutex;
  std::uint64_t next = 0;  ///< connection order
  std::vector<std::pair<std::uint64_t, std::shared_ptr<Call>>> live;
  std::deque<std::pair<std::uint64_t, IvrCallLog>> ended;
};

IvrBot::IvrBot(net::EventLoop& loop, IvrBotOptions options, net::ServerOptions server)
    : options_(std::move(options)), registry_(std::make_shared<Registry>(options_.call_history, options_.on_call_end)) {
  // Synthesise the fixed prompts before the first call, so no call waits for espeak.
  const auto& p = kPrompts;
  for (const auto& options : {p.at("main"), p.at("billing_options"), p.at("support_options")}) {
    for (const auto& lead : {"greeting", "invalid", "speech", "reprompt"})
      prompt_audio(p.at(lead) + " " + options, options_);
  }
  for (const auto& name : {"billing", "support", "payment"}) {
    prompt_audio(p.at(name) + " " +
                     p.at(std::string(name) == "support" ? "support_options" : "billing_options"),
                 options_);
  }
  prompt_audio(p.at("main"), options_);
  prompt_audio(p.at("goodbye"), options_);
  server_ = std::make_unique<net::Server>(
      loop, std::move(server),
      [this](std::shared_ptr<net::WsConnection> connection, const net::HttpRequest&) {
        auto call = std::make_shared<Call>(options_, connection);
        registry_->add(call);
        std::weak_ptr<Registry> registry = registry_;
        // The handlers hold the call weakly: the bot owns its calls, so no cycle outlives the
        // bot when it goes away before a connection has closed.
        std::weak_ptr<Call> weak = call;
        connection->start({.on_message =
                               [weak](std::string data, bool binary) {
                                 if (auto call = weak.lock()) call->on_wire(data, binary);
                               },
                           .on_close =
                               [weak, registry](const net::WsClose&) {
                                 auto call = weak.lock();
                                 if (!call) return;
                                 call->update_log([](IvrCallLog& l) { l.closed = true; });
                                 if (auto r = registry.lock()) r->end(call);
                               }});
        connection->post([weak] {
          if (auto call = weak.lock()) call->on_open();
        });
      });
}

IvrBot::~IvrBot() {
  server_.reset();
  for (const auto& call : registry_->live_calls())
    call->connection->close(1001, "bot shutting down");
}

std::string IvrBot::url() const {
  return server_->ws_url("/ws");
}

std::vector<IvrCallLog> IvrBot::calls() const {
  return registry_->logs();
}

std::size_t IvrBot::active_calls() const {
  std::size_t n = 0;
  for (const auto& log : calls()) n += log.closed ? 0 : 1;
  return n;
}

const std::map<std::string, std::string>& IvrBot::prompts() {
  return kPrompts;
}

}  // namespace scenario::examples

