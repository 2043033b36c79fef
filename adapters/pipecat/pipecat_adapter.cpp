// We play Twilio towards a Pipecat bot: shared/protocols/pipecat.md §1 and
// twilio-media-streams.md ("Fake-server checklist").
#include <deque>
#include <future>
#include <mutex>
#include <random>

#include "common/event_queue.hpp"
#include "common/telephone_line.hpp"
#include "scenario/adapters/pipecat.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/audio/resampler.hpp"
#include "scenario/net/websocket.hpp"
#include "scenario/twilio/media_streams.hpp"

namespace scenario::adapters {
namespace {

using Steady = std::chrono::steady_clock;
constexpr auto kFrame = std::chrono::milliseconds(20);
constexpr int kWireRate = kTelephoneRate;

}  // namespace

struct PipecatAgentAdapter::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(PipecatOptions o) : options(std::move(o)) {}

  PipecatOptions options;
  std::shared_ptr<Clock> clock;
  std::shared_ptr<net::WsConnection> connection;
  bool disconnected = false;                     ///< session thread
  std::unique_ptr<twilio::CallerStream> stream;  // strand only after connect
  Steady::time_point t0;

  // Session thread only.
  audio::Resampler to_wire{audio::kCanonicalSampleRate, kWireRate};
  std::vector<std::int16_t> narrow;

  // Strand only.
  audio::Resampler from_wire{kWireRate, audio::kCanonicalSampleRate};
  std::vector<std::int16_t> narrow_in;  ///< the bot's μ-law decoded, reused per message
  Steady::time_point covered_until;     ///< the wire carries caller audio up to here
  Steady::time_point playout_end;       ///< where the bot's queued audio ends, heard in real time
  std::deque<std::pair<Steady::time_point, std::string>> pending_marks;
  std::atomic<bool> running{false};
  /// One per connect(): timers of an earlier connection find theirs ended and do nothing.
  std::atomic<std::uint64_t> epoch{0};

  // Shared with the session thread.
  TransportEventQueue events;
  mutable std::mutex mutex;
  PipecatStats stats;
  bool closed = false;
  std::string close_description;

  void push(TransportEvent e) { events.push(std::move(e)); }

  std::chrono::nanoseconds now() const { return clock->now(); }

  std::uint64_t timestamp_ms(Steady::time_point at) const {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(at - t0).count());
  }

  // The caller's line never goes quiet: a silence frame goes out on every 20 ms slot that caller
  // audio did not cover (the bot's VAD needs a continuous stream, pipecat.md §1 "Audio rates").
  void schedule_ticks() {
    connection->run_every(
        t0, kFrame, [self = shared_from_this(), epoch = epoch.load()](Steady::time_point deadline) {
          if (!self->running || self->epoch != epoch) return false;
          const auto fired = Steady::now();
          if (self->covered_until <= deadline + std::chrono::milliseconds(1)) {
            static const std::vector<std::uint8_t> silence(twilio::kFrameBytes,
                                                           twilio::kMulawSilence);
            self->connection->send(self->stream->media(silence, self->timestamp_ms(fired)));
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
    const auto steady_now = Steady::now();
    switch (m.event) {
      case twilio::Event::media: {
        narrow_in.resize(m.payload.size());
        audio::mulaw_decode(m.payload, narrow_in);
        playout_end = std::max(playout_end, steady_now) +
                      std::chrono::microseconds(m.payload.size() * 1'000'000 / kWireRate);
        TransportEvent e{.kind = TransportEvent::Kind::audio, .at = now()};
        from_wire.process(narrow_in, e.audio.samples);
        {
          std::lock_guard lock(mutex);
          ++stats.media_received;
        }
        push(std::move(e));
        break;
      }
      case twilio::Event::mark: {
        // Twilio echoes a mark once everything queued before it has played.
        const auto due = std::max(playout_end, steady_now);
        pending_marks.emplace_back(due, m.mark_name);
        connection->run_at(due, [self = shared_from_this(), epoch = epoch.load()] {
          if (self->epoch == epoch) self->echo_due_marks(false);
        });
        break;
      }
      case twilio::Event::clear: {
        // The bot stopped talking (its own barge-in detection): queued audio is dropped and
        // pending marks come back at once, as Twilio does.
        playout_end = steady_now;
        echo_due_marks(true);
        {
          std::lock_guard lock(mutex);
          ++stats.clears;
        }
        push({.kind = TransportEvent::Kind::agent_stopped,
              .at = now(),
              .text = "clear",
              .data = {{"message", "clear"}}});
        break;
      }
      default:
        malformed("the bot sent '" + m.event_name +
                  "' (only media, mark and clear go from a bot to Twilio)");
        break;
    }
  }

  void echo_due_marks(bool all) {
    const auto now_steady = Steady::now();
    while (!pending_marks.empty() && (all || pending_marks.front().first <= now_steady)) {
      const auto name = pending_marks.front().second;
      pending_marks.pop_front();
      connection->send(stream->mark_echo(name));
      {
        std::lock_guard lock(mutex);
        ++stats.marks_echoed;
      }
      push({.kind = TransportEvent::Kind::note,
            .at = now(),
            .text = "mark",
            .data = {{"name", name}, {"cleared", all}}});
    }
  }

  void malformed(const std::string& what) {
    {
      std::lock_guard lock(mutex);
      ++stats.malformed;
      stats.last_error = what;
    }
    push({.kind = TransportEvent::Kind::note,
          .at = now(),
          .text = "transport_error",
          .data = {{"adapter", "pipecat"}, {"error", what}}});
  }

  void on_close(const net::WsClose& close) {
    running = false;
    {
      std::lock_guard lock(mutex);
      closed = true;
      close_description = "the bot " + close.describe();
      if (!close.by_peer) return;
    }
    push({.kind = TransportEvent::Kind::hangup, .at = now(), .text = close.describe()});
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
  return telephone_line_capabilities();
}

void PipecatAgentAdapter::connect(std::shared_ptr<Clock> clock) {
  require_real_clock(clock.get(), "pipecat talks to a bot over the network");
  auto& i = *impl_;
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
  i.connection = net::ws_connect(loop, i.options.url,
                                 {.ca_file = i.options.ca_file,
                                  .connect_timeout = i.options.connect_timeout,
                                  .headers = i.options.headers});
  i.disconnected = false;
  {
    std::lock_guard lock(i.mutex);
    i.closed = false;
  }
  i.events.clear();
  std::weak_ptr<Impl> weak = impl_;
  i.connection->start({.on_message =
                           [weak](std::string data, bool binary) {
                             if (auto self = weak.lock()) self->on_message(data, binary);
                           },
                       .on_close =
                           [weak](const net::WsClose& c) {
                             if (auto self = weak.lock()) self->on_close(c);
                           }});
  // Pipecat's runner reads two messages before it picks the provider: connected, then start.
  std::promise<void> started;
  i.connection->post([self = impl_, &started] {
    self->connection->send(self->stream->connected());
    self->connection->send(self->stream->start());
    self->t0 = Steady::now();
    self->covered_until = self->t0;
    self->playout_end = self->t0;
    ++self->epoch;
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
      self->connection->send(self->stream->stop());
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
  i.narrow.clear();
  i.to_wire.process(frame.samples, i.narrow);
  std::vector<std::uint8_t> mulaw(i.narrow.size());
  audio::mulaw_encode(i.narrow, mulaw);
  i.connection->post([self = impl_, mulaw = std::move(mulaw)] {
    if (!self->running) return;
    const auto now = Steady::now();
    self->connection->send(self->stream->media(mulaw, self->timestamp_ms(now)));
    self->covered_until = std::max(self->covered_until, now) +
                          std::chrono::microseconds(mulaw.size() * 1'000'000 / kWireRate);
    std::lock_guard lock(self->mutex);
    ++self->stats.frames_sent;
  });
}

std::optional<TransportEvent> PipecatAgentAdapter::receive(std::chrono::nanoseconds deadline) {
  return impl_->events.pop(*impl_->clock, deadline);
}

void PipecatAgentAdapter::send_dtmf(std::string_view digits) {
  auto& i = *impl_;
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

PipecatStats PipecatAgentAdapter::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

}  // namespace scenario::adapters
