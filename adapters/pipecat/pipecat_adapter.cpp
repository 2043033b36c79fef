// A client of a Pipecat bot: we play Twilio towards it (shared/protocols/pipecat.md §1 and
// twilio-media-streams.md "Fake-server checklist"), or speak its protobuf serializer (§2).
#include <deque>
#include <future>
#include <mutex>
#include <random>

#include "common/telephone_line.hpp"
#include "scenario/adapters/pipecat.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/audio/resampler.hpp"
#include "scenario/net/websocket.hpp"
#include "scenario/pipecat/frames.hpp"
#include "scenario/twilio/media_streams.hpp"
#include "scenario/voice/event_queue.hpp"
#include "scenario/voice/playout_cursor.hpp"
#include "scenario/voice/uplink_framer.hpp"

namespace scenario::adapters {
namespace {

using Steady = std::chrono::steady_clock;
constexpr auto kFrame = std::chrono::milliseconds(20);
constexpr int kWireRate = kTelephoneRate;
/// What a protobuf bot sends unless configured otherwise (pipecat.md §2: transport output rate).
constexpr int kPipecatOutputRate = 24000;

int checked_input_rate(int rate) {
  if (!audio::Resampler::is_supported_rate(rate) || rate % 50 != 0)
    throw std::invalid_argument("pipecat: input_sample_rate " + std::to_string(rate) +
                                " is not a supported rate (4000-384000 Hz, whole 20 ms frames)");
  return rate;
}

}  // namespace

struct PipecatAgentAdapter::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(PipecatOptions o)
      : options(std::move(o)),
        protobuf(options.serializer == PipecatSerializer::protobuf),
        wire_rate(protobuf ? checked_input_rate(options.input_sample_rate) : kWireRate),
        uplink(wire_rate) {
    if (protobuf) {
      // 20 ms of digital silence at the input rate: the same bytes every time.
      silence_frame =
          pipecat::encode_audio(std::vector<std::int16_t>(wire_rate / 50, 0), wire_rate);
    }
  }

  PipecatOptions options;
  const bool protobuf;
  const int wire_rate;  ///< caller audio on the wire (μ-law 8k, or PCM16 at the input rate)
  std::string silence_frame;
  std::shared_ptr<Clock> clock;
  const RealClock* real_clock = nullptr;  ///< the same clock: timers are set on its steady time
  std::shared_ptr<net::WsConnection> connection;
  bool disconnected = false;                     ///< session thread
  std::unique_ptr<twilio::CallerStream> stream;  // strand only after connect
  std::chrono::nanoseconds t0{0};                // run time of the first 20 ms slot

  // Session thread only.
  UplinkFramer uplink;  ///< caller audio as exact 20 ms frames at the wire rate

  // Strand only.
  std::vector<std::int16_t> narrow_in;        ///< the bot's μ-law decoded, reused per message
  std::chrono::nanoseconds covered_until{0};  ///< the wire carries caller audio up to here
  PlayoutCursor playout;  ///< the bot's audio as the caller hears it (run-clock nanoseconds)
  std::atomic<bool> running{false};
  /// One per connect(): timers of an earlier connection find theirs ended and do nothing.
  std::atomic<std::uint64_t> epoch{0};

  // Shared with the session thread.
  TransportEventQueue events;
  mutable std::mutex mutex;
  PipecatStats stats;
  bool closed = false;
  std::string close_description;

  void push(TransportEvent::Body body, std::chrono::nanoseconds at) {
    events.push({.at = at, .body = std::move(body)});
  }

  std::chrono::nanoseconds now() const { return clock->now(); }

  std::uint64_t timestamp_ms(std::chrono::nanoseconds at) const {
    if (at <= t0) return 0;  // t0 is on the pacing grid, up to 1 ms after connect()
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(at - t0).count());
  }

  // The caller's line never goes quiet: a silence frame goes out on every 20 ms slot that caller
  // audio did not cover (the bot's VAD needs a continuous stream, pipecat.md §1 "Audio rates").
  void schedule_ticks() {
    connection->run_every(
        real_clock->steady_time(t0), kFrame,
        [self = shared_from_this(), epoch = epoch.load()](Steady::time_point tick) {
          if (!self->running || self->epoch != epoch) return false;
          const auto fired = self->now();
          const auto deadline = self->real_clock->run_time(tick);
          if (self->covered_until <= deadline + std::chrono::milliseconds(1)) {
            static const std::vector<std::uint8_t> silence(twilio::kFrameBytes,
                                                           twilio::kMulawSilence);
            if (self->protobuf) {
              self->connection->send(self->silence_frame, true);
            } else {
              self->connection->send(self->stream->media(silence, self->timestamp_ms(fired)));
            }
            self->covered_until = std::max(self->covered_until, deadline) + kFrame;
            std::lock_guard lock(self->mutex);
            ++self->stats.frames_sent;
            ++self->stats.silence_frames;
            self->stats.pacing.add(fired - deadline);
          }
          return true;
        });
  }

  void on_message(const std::string& text, bool binary) {
    if (protobuf) {
      if (binary) {
        on_frame(text);
      } else {
        malformed("text frame from the bot (the protobuf serializer sends binary frames only)");
      }
      return;
    }
    if (binary) {
      malformed("binary frame from the bot (Twilio Media Streams is JSON text only)");
      return;
    }
    twilio::Message m;
    try {
      m = twilio::parse(text);
    } catch (const twilio::ProtocolError& e) {
      malformed(e.what());
      return;
    }
    const auto arrived = now();
    switch (m.event) {
      case twilio::Event::media: {
        narrow_in.resize(m.payload.size());
        audio::mulaw_decode(m.payload, narrow_in);
        play(narrow_in, kWireRate, arrived);
        break;
      }
      case twilio::Event::mark: {
        // Twilio echoes a mark once everything queued before it has played.
        const auto due = playout.mark(m.mark_name, arrived.count());
        connection->run_at(real_clock->steady_time(std::chrono::nanoseconds(due)),
                           [self = shared_from_this(), epoch = epoch.load()] {
                             if (self->epoch == epoch)
                               self->echo_marks(self->playout.take_due_marks(self->now().count()),
                                                false);
                           });
        break;
      }
      case twilio::Event::clear: {
        // The bot stopped talking (its own barge-in detection): queued audio is dropped and
        // pending marks come back at once, as Twilio does.
        {
          std::lock_guard lock(mutex);
          ++stats.clears;
        }
        agent_stopped("clear", arrived);
        break;
      }
      default:
        malformed("the bot sent '" + m.event_name +
                  "' (only media, mark and clear go from a bot to Twilio)");
        break;
    }
  }

  /// The bot's audio, played out on the caller's side in real time after what is queued.
  void play(std::span<const std::int16_t> pcm, int rate, std::chrono::nanoseconds arrived) {
    playout.play(static_cast<std::int64_t>(pcm.size()) * 1'000'000'000 / rate, arrived.count());
    {
      std::lock_guard lock(mutex);
      ++stats.media_received;
    }
    // At the bot's rate: the runtime converts, off the paced I/O threads.
    push(transport::AgentAudio{.samples = {pcm.begin(), pcm.end()}, .sample_rate = rate}, arrived);
  }

  void agent_stopped(const std::string& why, std::chrono::nanoseconds at) {
    echo_marks(playout.clear(at.count()).marks, true);  // what was queued is dropped
    push(transport::AgentStopped{.by = why}, at);
  }

  void count_message() {
    std::lock_guard lock(mutex);
    ++stats.messages;
  }

  // One binary message of the protobuf serializer (pipecat.md §2, bot → client rows).
  void on_frame(const std::string& bytes) {
    pipecat::Frame frame;
    try {
      frame = pipecat::decode_frame(bytes);
    } catch (const pipecat::FrameError& e) {
      malformed(e.what());
      return;
    }
    const auto arrived = now();
    std::visit(Overloaded{[&](pipecat::AudioFrame& a) {
                            const int rate = a.sample_rate;
                            play(pipecat::mono_samples(std::move(a)), rate, arrived);
                          },
                          [&](pipecat::TextFrame& t) {
                            count_message();
                            push(transport::TranscriptDelta{.text = t.text}, arrived);
                          },
                          [&](pipecat::TranscriptionFrame& t) {
                            count_message();
                            push(transport::Note{.type = "transcription",
                                                 .data = {{"text", t.text},
                                                          {"user_id", t.user_id},
                                                          {"timestamp", t.timestamp}}},
                                 arrived);
                          },
                          [&](pipecat::MessageFrame& m) {
                            count_message();
                            push(transport::Note{.type = "message",
                                                 .data = {{"message", std::move(m.data)}}},
                                 arrived);
                          },
                          [&](pipecat::InterruptionFrame&) {
                            {
                              std::lock_guard lock(mutex);
                              ++stats.interruptions;
                            }
                            agent_stopped("interruption", arrived);
                          }},
               frame);
  }

  void echo_marks(const std::vector<std::string>& names, bool cleared) {
    for (const auto& name : names) {
      connection->send(stream->mark_echo(name));
      {
        std::lock_guard lock(mutex);
        ++stats.marks_echoed;
      }
      push(transport::Note{.type = "mark", .data = {{"name", name}, {"cleared", cleared}}}, now());
    }
  }

  void malformed(const std::string& what) {
    {
      std::lock_guard lock(mutex);
      ++stats.malformed;
      stats.last_error = what;
    }
    push(transport::Error{.severity = transport::Severity::recoverable, .message = what}, now());
  }

  void on_close(const net::WsClose& close) {
    // Ours when disconnect() stopped the call first; anything else ends the call under the run
    // (the bot hung up, broke a limit, stopped answering pings) and the session must hear of it.
    const bool ours = !running.exchange(false);
    {
      std::lock_guard lock(mutex);
      closed = true;
      close_description = "the bot " + close.describe();
      if (ours && !close.by_peer) return;
    }
    push(transport::HangUp{.reason = close.describe()}, now());
  }
};

PipecatAgentAdapter::PipecatAgentAdapter(PipecatOptions options)
    : VoiceAgentAdapter(options.turn), impl_(std::make_shared<Impl>(std::move(options))) {}

PipecatAgentAdapter::~PipecatAgentAdapter() {
  try {
    disconnect();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

AdapterCapabilities PipecatAgentAdapter::capabilities() const {
  if (!impl_->protobuf) return telephone_line_capabilities();
  return {.streaming_transcripts = false,
          .native_vad = true,
          .dtmf = false,  // no DTMF frame in pipecat.Frame: key presses go in-band
          .native_interruption = impl_->options.interruption_frames,
          .input_format = {audio::Encoding::pcm16, impl_->wire_rate, 1},
          .output_format = {audio::Encoding::pcm16, kPipecatOutputRate, 1}};
}

void PipecatAgentAdapter::connect(std::shared_ptr<Clock> clock) {
  auto& i = *impl_;
  i.real_clock = &require_real_clock(clock.get(), "pipecat talks to a bot over the network");
  i.clock = std::move(clock);
  std::mt19937_64 random(std::random_device{}());
  twilio::StartInfo start;
  start.account_sid =
      i.options.account_sid.empty() ? twilio::make_sid("AC", random) : i.options.account_sid;
  start.call_sid = i.options.call_sid.empty() ? twilio::make_sid("CA", random) : i.options.call_sid;
  start.stream_sid =
      i.options.stream_sid.empty() ? twilio::make_sid("MZ", random) : i.options.stream_sid;
  start.custom_parameters = i.options.custom_parameters;
  i.stream = std::make_unique<twilio::CallerStream>(start);
  auto& loop = i.options.loop != nullptr ? *i.options.loop : net::EventLoop::shared();
  if (i.connection) disconnect();  // a second run on the same adapter
  try {
    i.connection = net::ws_connect(loop, i.options.url,
                                   {.ca_file = i.options.ca_file,
                                    .connect_timeout = i.options.connect_timeout,
                                    .headers = i.options.headers});
  } catch (const net::NetError& e) {
    throw net::NetError(std::string("pipecat: cannot reach the bot: ") + e.what());
  }
  i.disconnected = false;
  {
    std::lock_guard lock(i.mutex);
    i.closed = false;
  }
  i.events.clear();
  std::weak_ptr<Impl> weak = impl_;
  // This connection's number: a late message or close of an earlier connection (still in flight
  // when a second run connects) finds another number and touches nothing of this call.
  const auto epoch = ++i.epoch;
  i.connection->start({.on_message =
                           [weak, epoch](std::string data, bool binary) {
                             auto self = weak.lock();
                             if (self && self->epoch == epoch) self->on_message(data, binary);
                           },
                       .on_close =
                           [weak, epoch](const net::WsClose& c) {
                             auto self = weak.lock();
                             if (self && self->epoch == epoch) self->on_close(c);
                           }});
  // Pipecat's runner reads two messages before it picks the provider: connected, then start.
  // The protobuf transport has no handshake: audio flows from the first tick.
  std::promise<void> started;
  i.connection->post([self = impl_, &started] {
    if (!self->protobuf) {
      self->connection->send(self->stream->connected());
      self->connection->send(self->stream->start());
    }
    // On the pacing grid (a shared wake-up for every call due that millisecond), in run time.
    self->t0 =
        self->real_clock->run_time(net::on_pacing_grid(self->real_clock->steady_time(self->now())));
    self->covered_until = self->t0;
    self->playout = {};
    self->running = true;
    self->schedule_ticks();
    started.set_value();
  });
  started.get_future().wait();
}

void PipecatAgentAdapter::disconnect() {
  auto& i = *impl_;
  // The connection stays in place: handlers already queued on its strand still use it, and see
  // `running` false once the stop below has run there.
  if (!i.connection || i.disconnected) return;
  i.disconnected = true;
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  i.connection->post([self = impl_, done] {
    self->running = false;
    if (self->connection->open()) {
      // stop, then close: Twilio's order (Pipecat ignores stop and ends on the close)
      if (!self->protobuf) self->connection->send(self->stream->stop());
      self->connection->close(1000, "call ended");
    }
    done->set_value();
  });
  finished.wait_for(std::chrono::seconds(2));
}

void PipecatAgentAdapter::send_audio(const audio::AudioChunk& frame) {
  auto& i = *impl_;
  if (!i.connection) throw std::logic_error("pipecat: send_audio before connect");
  {
    std::lock_guard lock(i.mutex);
    if (i.closed) throw net::NetError("pipecat: cannot send audio, " + i.close_description);
  }
  send_wire(i.uplink.frame(frame.samples));
}

void PipecatAgentAdapter::end_of_audio() {
  auto& i = *impl_;
  if (!i.connection) return;
  const auto tail = i.uplink.finish();
  for (std::size_t at = 0; at < tail.size(); at += i.uplink.frame_samples())
    send_wire(tail.subspan(at, i.uplink.frame_samples()));
}

std::chrono::nanoseconds PipecatAgentAdapter::uplink_delay() const {
  return impl_->uplink.delay();
}

// One 20 ms frame of caller audio at the wire rate, encoded and queued on the connection's strand.
void PipecatAgentAdapter::send_wire(std::span<const std::int16_t> pcm) {
  auto& i = *impl_;
  auto after_send = [](Impl& self, std::chrono::nanoseconds now) {
    self.covered_until = std::max(self.covered_until, now) + kFrame;
    std::lock_guard lock(self.mutex);
    ++self.stats.frames_sent;
  };
  if (i.protobuf) {
    i.connection->post([self = impl_, bytes = pipecat::encode_audio(pcm, i.wire_rate), after_send] {
      if (!self->running) return;
      self->connection->send(bytes, true);
      after_send(*self, self->now());
    });
    return;
  }
  std::vector<std::uint8_t> mulaw(pcm.size());
  audio::mulaw_encode(pcm, mulaw);
  i.connection->post([self = impl_, mulaw = std::move(mulaw), after_send] {
    if (!self->running) return;
    const auto now = self->now();
    self->connection->send(self->stream->media(mulaw, self->timestamp_ms(now)));
    after_send(*self, now);
  });
}

std::optional<TransportEvent> PipecatAgentAdapter::receive(std::chrono::nanoseconds deadline) {
  return impl_->events.pop(*impl_->clock, deadline);
}

void PipecatAgentAdapter::send_dtmf(std::string_view digits) {
  auto& i = *impl_;
  if (i.protobuf) {
    throw UnsupportedCapabilityError(name() + " (protobuf serializer)", "DTMF events",
                                     "pipecat.Frame has no key presses: send in-band tones");
  }
  if (!i.connection) throw std::logic_error("pipecat: send_dtmf before connect");
  for (const char d : digits) {
    if (!((d >= '0' && d <= '9') || d == '*' || d == '#')) {
      throw std::invalid_argument(std::string("pipecat: DTMF digit '") + d +
                                  "' cannot be sent (Twilio dtmf events carry 0-9 * #)");
    }
  }
  i.connection->post([self = impl_, d = std::string(digits)] {
    for (const char c : d) self->connection->send(self->stream->dtmf(c));
  });
}

void PipecatAgentAdapter::interrupt(const HeardSoFar& heard) {
  auto& i = *impl_;
  if (!i.protobuf || !i.options.interruption_frames) {
    VoiceAgentAdapter::interrupt(heard);  // says it is unsupported
    return;
  }
  if (!i.connection) throw std::logic_error("pipecat: interrupt before connect");
  i.connection->post([self = impl_] {
    if (self->running)
      self->connection->send(pipecat::encode_frame(pipecat::InterruptionFrame{}), true);
  });
}

PipecatStats PipecatAgentAdapter::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

}  // namespace scenario::adapters
