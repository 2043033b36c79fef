#include "scenario/voice/streaming_transport.hpp"

#include <atomic>
#include <mutex>
#include <stdexcept>

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
    : options_(std::move(options)),
      shared_(std::make_shared<Shared>()),
      // Checks the rate now, not at the first call.
      pacer_(std::make_unique<UplinkPacer>(options_.wire_rate, options_.idle)) {}

StreamingTransport::~StreamingTransport() {
  end();
}

StreamingTransport::Call StreamingTransport::begin(std::shared_ptr<Clock> clock) {
  end();
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
    s.stats.uplink.merge(pacer_->stats());
  }
  pacer_->stop();
  pacer_ = std::make_unique<UplinkPacer>(options_.wire_rate, options_.idle);
  pacer_->start(std::move(strand), std::move(clock), std::move(send),
                [shared = shared_, call = s.current.load()](TransportEvent event) {
                  shared->push(call, std::move(event.body), event.at);
                });
}

void StreamingTransport::end() {
  pacer_->stop();
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
  if (current() == 0) throw std::logic_error(options_.name + ": send_audio before connect");
  pacer_->push(canonical);
}

void StreamingTransport::end_of_audio() {
  if (current() != 0) pacer_->finish();
}

void StreamingTransport::after_uplink(std::function<void()> fn) {
  if (current() == 0) throw std::logic_error(options_.name + ": not connected");
  pacer_->then(std::move(fn));
}

std::chrono::nanoseconds StreamingTransport::uplink_delay() const {
  return pacer_->delay();
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
  stats.uplink.merge(pacer_->stats());
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
