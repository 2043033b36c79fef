// A client of a Pipecat bot: we play Twilio towards it (shared/protocols/pipecat.md §1 and
// twilio-media-streams.md "Fake-server checklist"), or speak its protobuf serializer (§2). Which one
// is the connection's pipecat::Serializer; nothing here branches on it.
#include <future>
#include <mutex>
#include <random>

#include "common/telephone_line.hpp"
#include "common/ws_call.hpp"
#include "scenario/adapters/pipecat.hpp"
#include "scenario/audio/resampler.hpp"
#include "scenario/net/websocket.hpp"
#include "scenario/pipecat/serializer.hpp"
#include "scenario/voice/playout_cursor.hpp"
#include "scenario/voice/streaming_transport.hpp"

namespace scenario::adapters {
namespace {

/// What a protobuf bot sends unless configured otherwise (pipecat.md §2: transport output rate).
constexpr int kPipecatOutputRate = 24000;

/// Caller audio on the wire: μ-law 8k (Twilio), or PCM16 at the bot's input rate (protobuf).
int wire_rate_of(const PipecatOptions& options) {
  if (options.serializer == PipecatSerializer::twilio) return kTelephoneRate;
  const int rate = options.input_sample_rate;
  if (!audio::Resampler::is_supported_rate(rate) || rate % 50 != 0)
    throw std::invalid_argument("pipecat: input_sample_rate " + std::to_string(rate) +
                                " is not a supported rate (4000-384000 Hz, whole 20 ms frames)");
  return rate;
}

}  // namespace

struct PipecatAgentAdapter::Impl : std::enable_shared_from_this<Impl> {
  /// One connection and everything that belongs to it alone. Its handlers and timers hold it, so
  /// a late message, timer or close of an earlier connection (still in flight when a second run
  /// connects) works on its own state and reports nothing once it is no longer current.
  struct Link : WsLink, std::enable_shared_from_this<Link> {
    std::shared_ptr<Clock> clock;
    const RealClock* real_clock = nullptr;  ///< the same clock: timers are set on its steady time
    std::unique_ptr<pipecat::Serializer> serializer;  ///< strand only
    PlayoutCursor playout;  ///< strand only: the bot's audio as the caller hears it (run-clock ns)
    std::chrono::nanoseconds stream_start{0};  ///< the stream's timestamps count from here
  };

  Impl(PipecatOptions o, std::shared_ptr<StreamingTransport> t)
      : options(std::move(o)), wire_rate(wire_rate_of(options)), transport(std::move(t)) {}

  PipecatOptions options;
  const int wire_rate;  ///< caller audio on the wire (μ-law 8k, or PCM16 at the input rate)

  const std::shared_ptr<StreamingTransport> transport;

  // Session thread only.
  std::shared_ptr<Link> link;
  bool disconnected = false;

  // Shared with the strands.
  mutable std::mutex mutex;
  PipecatStats stats;
  WsCallEnd call_end{"pipecat", "the bot"};

  std::chrono::nanoseconds now() const { return transport->now(); }

  std::unique_ptr<pipecat::Serializer> new_serializer() const {
    if (options.serializer == PipecatSerializer::protobuf)
      return pipecat::make_protobuf(pipecat::Side::client);
    std::mt19937_64 random(std::random_device{}());
    twilio::StartInfo start;
    start.account_sid =
        options.account_sid.empty() ? twilio::make_sid("AC", random) : options.account_sid;
    start.call_sid = options.call_sid.empty() ? twilio::make_sid("CA", random) : options.call_sid;
    start.stream_sid =
        options.stream_sid.empty() ? twilio::make_sid("MZ", random) : options.stream_sid;
    start.custom_parameters = options.custom_parameters;
    return pipecat::make_twilio_client(std::move(start));
  }

  void push(const Link& l, TransportEvent::Body body, std::chrono::nanoseconds at) {
    transport->push(l.call, std::move(body), at);
  }

  template <class F>
  void count(F&& f) {
    std::lock_guard lock(mutex);
    f(stats);
  }

  void on_message(Link& l, const std::string& data, bool binary) {
    std::optional<pipecat::LineMessage> message;
    try {
      message = l.serializer->deserialize(data, binary);
    } catch (const pipecat::FrameError& e) {
      malformed(l, e.what());
      return;
    }
    if (!message) return;
    const auto arrived = now();
    std::visit(
        Overloaded{
            [&](pipecat::line::Audio& a) {
              // Played out on the caller's side in real time after what is queued; handed over
              // at the bot's rate (the runtime converts, off the paced I/O threads).
              l.playout.play(static_cast<std::int64_t>(a.samples.size()) * 1'000'000'000 /
                                 a.sample_rate,
                             arrived.count());
              count([](PipecatStats& s) { ++s.media_received; });
              push(l,
                   transport::AgentAudio{.samples = std::move(a.samples),
                                         .sample_rate = a.sample_rate},
                   arrived);
            },
            [&](pipecat::line::Mark& m) {
              // Twilio echoes a mark once everything queued before it has played.
              const auto due = l.playout.mark(m.name, arrived.count());
              l.connection->run_at(l.real_clock->steady_time(std::chrono::nanoseconds(due)),
                                   [self = shared_from_this(), link = l.shared_from_this()] {
                                     self->echo_marks(
                                         *link, link->playout.take_due_marks(self->now().count()),
                                         false);
                                   });
            },
            [&](pipecat::line::Interruption& i) {
              // The bot stopped talking (its own barge-in detection, or confirming ours): what is
              // queued is dropped and pending marks come back at once, as Twilio does.
              count([&](PipecatStats& s) { ++(i.by == "clear" ? s.clears : s.interruptions); });
              echo_marks(l, l.playout.clear(arrived.count()).marks, true);
              push(l, transport::AgentStopped{.by = i.by}, arrived);
            },
            [&](pipecat::line::Text& t) {
              count([](PipecatStats& s) { ++s.messages; });
              push(l, transport::TranscriptDelta{.text = std::move(t.text)}, arrived);
            },
            [&](pipecat::line::Transcription& t) {
              count([](PipecatStats& s) { ++s.messages; });
              push(l,
                   transport::Note{.type = "transcription",
                                   .data = {{"text", t.text},
                                            {"user_id", t.user_id},
                                            {"timestamp", t.timestamp}}},
                   arrived);
            },
            [&](pipecat::line::Message& m) {
              count([](PipecatStats& s) { ++s.messages; });
              push(l, transport::Note{.type = "message", .data = {{"message", std::move(m.data)}}},
                   arrived);
            },
            // The serializer lets through only what a bot sends.
            [&](const auto&) { malformed(l, "the bot sent a message only a caller sends"); }},
        *message);
  }

  void echo_marks(Link& l, const std::vector<std::string>& names, bool cleared) {
    for (const auto& name : names) {
      l.connection->send(l.serializer->serialize(pipecat::line::Mark{name}, {}).data);
      count([](PipecatStats& s) { ++s.marks_echoed; });
      push(l, transport::Note{.type = "mark", .data = {{"name", name}, {"cleared", cleared}}},
           now());
    }
  }

  void malformed(const Link& l, const std::string& what) { transport->malformed(l.call, what); }

  void on_close(Link& l, const net::WsClose& close) {
    // Only the bot's close cuts its own last words short; when we hang up, the caller left.
    const auto unheard = close.by_peer ? l.playout.pending_marks() : 0;
    count([&](PipecatStats& s) { s.marks_unheard_at_close += unheard; });
    call_end.on_close(l, *transport, close);
  }
};

PipecatAgentAdapter::PipecatAgentAdapter(PipecatOptions options)
    // The caller side: caller audio, else silence (the bot's VAD needs a continuous stream,
    // pipecat.md §1 "Audio rates"), one frame per 20 ms slot.
    : StreamingVoiceAdapter(options.turn, {.idle = IdleUplink::silence, .name = "pipecat"}),
      impl_(std::make_shared<Impl>(std::move(options), transport())) {}

PipecatAgentAdapter::~PipecatAgentAdapter() {
  try {
    disconnect();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

AdapterCapabilities PipecatAgentAdapter::capabilities() const {
  if (impl_->options.serializer == PipecatSerializer::twilio) return telephone_line_capabilities();
  return {.streaming_transcripts = false,
          .native_vad = true,
          .dtmf = false,  // no DTMF frame in pipecat.Frame: key presses go in-band
          .native_interruption = impl_->options.interruption_frames,
          .input_format = {audio::Encoding::pcm16, impl_->wire_rate, 1},
          .output_format = {audio::Encoding::pcm16, kPipecatOutputRate, 1},
          .uplink = UplinkPacing::transport};
}

void PipecatAgentAdapter::connect(std::shared_ptr<Clock> clock) {
  auto& i = *impl_;
  const auto& real = require_real_clock(clock.get(), "pipecat talks to a bot over the network");
  auto& loop = i.options.loop != nullptr ? *i.options.loop : net::EventLoop::shared();
  if (i.link) disconnect();  // a second run on the same adapter
  auto link = std::make_shared<Impl::Link>();
  link->clock = clock;
  link->real_clock = &real;
  link->serializer = i.new_serializer();
  try {
    link->connection = net::ws_connect(loop, i.options.url,
                                       {.ca_file = i.options.ca_file,
                                        .connect_timeout = i.options.connect_timeout,
                                        .headers = i.options.headers});
  } catch (const net::NetError& e) {
    throw net::NetError(std::string("pipecat: cannot reach the bot: ") + e.what());
  }
  link->call = begin_call(std::move(clock));
  i.link = link;
  i.disconnected = false;
  i.call_end.reset();
  start_ws_link(impl_, link);
  // The serializer's opening (Twilio: connected, then start — Pipecat's runner reads both before
  // it picks the provider), then audio from the first slot.
  std::promise<void> opened;
  link->connection->post([link, &opened] {
    for (auto& m : link->serializer->open()) link->connection->send(std::move(m.data), m.binary);
    opened.set_value();
  });
  opened.get_future().wait();
  link->stream_start = i.now();
  i.transport->start_uplink(
      link->connection,
      [link, rate = i.wire_rate](std::span<const std::int16_t> pcm, std::chrono::nanoseconds at) {
        if (!link->running) return;
        auto m = link->serializer->audio(pcm, rate, at - link->stream_start);
        link->connection->send(std::move(m.data), m.binary);
      });
}

void PipecatAgentAdapter::disconnect() {
  auto& i = *impl_;
  // The link stays in place: handlers already queued on its strand still use it, and see
  // `running` false once the stop below has run there.
  if (!i.link || i.disconnected) return;
  i.disconnected = true;
  i.transport->end();
  // The serializer's goodbye before the close (Twilio's order: stop, then the close; Pipecat
  // ignores stop and ends on the close).
  hang_up_ws_link<Impl::Link>(i.link, [](Impl::Link& l) {
    for (auto& m : l.serializer->close()) l.connection->send(std::move(m.data), m.binary);
  });
}

void PipecatAgentAdapter::check_can_send() const { impl_->call_end.check_can_send(); }

void PipecatAgentAdapter::send_dtmf(std::string_view digits) {
  auto& i = *impl_;
  if (!capabilities().dtmf) {
    throw UnsupportedCapabilityError(name() + " (protobuf serializer)", "DTMF events",
                                     "pipecat.Frame has no key presses: send in-band tones");
  }
  if (!i.link) throw std::logic_error("pipecat: send_dtmf before connect");
  for (const char d : digits) {
    if (!((d >= '0' && d <= '9') || d == '*' || d == '#')) {
      throw std::invalid_argument(std::string("pipecat: DTMF digit '") + d +
                                  "' cannot be sent (Twilio dtmf events carry 0-9 * #)");
    }
  }
  post_while_running<Impl::Link>(i.link, [d = std::string(digits)](Impl::Link& l) {
    for (const char c : d)
      l.connection->send(l.serializer->serialize(pipecat::line::Dtmf{c}, {}).data);
  });
}

void PipecatAgentAdapter::interrupt(const HeardSoFar& heard) {
  auto& i = *impl_;
  if (!capabilities().native_interruption) {
    VoiceAgentAdapter::interrupt(heard);  // says it is unsupported
    return;
  }
  if (!i.link) throw std::logic_error("pipecat: interrupt before connect");
  post_while_running<Impl::Link>(i.link, [](Impl::Link& l) {
    auto m = l.serializer->serialize(pipecat::line::Interruption{}, {});
    l.connection->send(std::move(m.data), m.binary);
  });
}

PipecatStats PipecatAgentAdapter::stats() const {
  const auto& i = *impl_;
  const auto line = i.transport->stats();
  std::lock_guard lock(i.mutex);
  auto stats = i.stats;
  stats.frames_sent = line.uplink.frames_sent;
  stats.silence_frames = line.uplink.silence_frames;
  stats.pacing = line.uplink.pacing;
  stats.malformed = line.malformed;
  stats.last_error = line.last_error;
  return stats;
}

}  // namespace scenario::adapters
