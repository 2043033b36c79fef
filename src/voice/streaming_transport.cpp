#include "scenario/voice/streaming_transport.hpp"

#include <atomic>
#include <mutex>
#include <stdexcept>

#include "scenario/audio/resampler.hpp"

#include "scenario/voice/event_queue.hpp"

namespace scenario {

struct StreamingTransport::Shared {
  TransportEventQueue events;
  std::atomic<Call> current{0};
  mutable std::mutex mutex;
  std::shared_ptr<Clock> clock;    ///< under mutex (a new call brings the new run's clock)
  StreamingTransportStats stats;  ///< under mutex; uplink of the calls before the current one

  std::chrono::nanoseconds now() const {
    std::lock_guard lock(mutex);
    return clock ? clock->now() : std::chrono::nanoseconds(0);
  }

  void push(Call call, TransportEvent::Body body, std::optional<std::chrono::nanoseconds> at) {
    if (call != current) return;
    events.push({.at = at.value_or(now()), .body = std::move(body)});
  }
};

StreamingTransport::StreamingTransport(Options options)
    : options_(std::move(options)), shared_(std::make_shared<Shared>()) {}

StreamingTransport::~StreamingTransport() {
  end();
}

StreamingTransport::Call StreamingTransport::begin(std::shared_ptr<Clock> clock,
                                                   const audio::AudioFormat& input) {
  if (input.channels != 1 || input.sample_rate % 50 != 0 ||
      !audio::Resampler::is_supported_rate(input.sample_rate)) {
    throw std::invalid_argument(options_.name + ": caller audio in " + std::to_string(input.channels) +
                                " channel(s) at " + std::to_string(input.sample_rate) +
                                " Hz cannot be paced (mono, whole 20 ms frames, 4000-384000 Hz)");
  }
  end();
  wire_rate_ = input.sample_rate;
  auto& s = *shared_;
  const Call call = s.current + 1;
  // The number first, then the queue: whatever an earlier call pushes from here on is dropped.
  s.current = call;
  s.events.clear();
  std::lock_guard lock(s.mutex);
  s.clock = std::move(clock);
  return call;
}

void StreamingTransport::start_uplink(std::shared_ptr<net::TimerStrand> strand,
                                      UplinkPacer::Send send) {
  auto& s = *shared_;
  std::shared_ptr<Clock> clock;
  {
    std::lock_guard lock(s.mutex);
    if (!s.clock) throw std::logic_error(options_.name + ": start_uplink before begin");
    clock = s.clock;
    if (pacer_) s.stats.uplink.merge(pacer_->stats());
  }
  if (pacer_) pacer_->stop();
  pacer_ = std::make_unique<UplinkPacer>(wire_rate_, options_.idle);
  pacer_->start(std::move(strand), std::move(clock), std::move(send),
                [shared = shared_, call = s.current.load()](TransportEvent event) {
                  shared->push(call, std::move(event.body), event.at);
                });
}

void StreamingTransport::end() {
  if (pacer_) pacer_->stop();
}

StreamingTransport::Call StreamingTransport::current() const noexcept {
  return shared_->current;
}

void StreamingTransport::push(Call call, TransportEvent::Body body,
                              std::optional<std::chrono::nanoseconds> at) {
  shared_->push(call, std::move(body), at);
}

void StreamingTransport::malformed(Call call, const std::string& what) {
  {
    std::lock_guard lock(shared_->mutex);
    ++shared_->stats.malformed;
    shared_->stats.last_error = what;
  }
  push(call, transport::Error{.severity = transport::Severity::recoverable, .message = what});
}

std::chrono::nanoseconds StreamingTransport::now() const {
  return shared_->now();
}

void StreamingTransport::send_audio(std::span<const std::int16_t> canonical) {
  if (!pacer_) throw std::logic_error(options_.name + ": send_audio before connect");
  pacer_->push(canonical);
}

void StreamingTransport::end_of_audio() {
  if (pacer_) pacer_->finish();
}

void StreamingTransport::after_uplink(std::function<void()> fn) {
  if (!pacer_) throw std::logic_error(options_.name + ": not connected");
  pacer_->then(std::move(fn));
}

std::chrono::nanoseconds StreamingTransport::uplink_delay() const {
  return pacer_ ? pacer_->delay() : std::chrono::nanoseconds(0);
}

std::optional<TransportEvent> StreamingTransport::receive(std::chrono::nanoseconds deadline) {
  std::shared_ptr<Clock> clock;
  {
    std::lock_guard lock(shared_->mutex);
    clock = shared_->clock;
  }
  if (!clock) throw std::logic_error(options_.name + ": receive before connect");
  return shared_->events.pop(*clock, deadline);
}

StreamingTransportStats StreamingTransport::stats() const {
  StreamingTransportStats stats;
  {
    std::lock_guard lock(shared_->mutex);
    stats = shared_->stats;
  }
  if (pacer_) stats.uplink.merge(pacer_->stats());
  return stats;
}

StreamingVoiceAdapter::StreamingVoiceAdapter(VoiceTurnOptions turn,
                                             StreamingTransport::Options transport)
    : VoiceAgentAdapter(std::move(turn)),
      transport_(std::make_shared<StreamingTransport>(std::move(transport))) {}

void StreamingVoiceAdapter::send_audio(const audio::AudioChunk& frame) {
  check_can_send();
  transport_->send_audio(frame.samples);
}

void StreamingVoiceAdapter::end_of_audio() {
  transport_->end_of_audio();
}

std::chrono::nanoseconds StreamingVoiceAdapter::uplink_delay() const {
  return transport_->uplink_delay();
}

std::optional<TransportEvent> StreamingVoiceAdapter::receive(std::chrono::nanoseconds deadline) {
  return transport_->receive(deadline);
}

}  // namespace scenario
