#pragma once
// Canonical caller audio (24 kHz, 20 ms frames) to exact 20 ms frames at a wire rate, for the
// adapters that resample on the way out (Pipecat as Twilio, Pipecat protobuf, Twilio, and any
// user adapter: part of the public adapter kit).
//
// A resampler needs a little look-ahead: fed 20 ms it can only give back 20 ms minus its delay
// (126 of 160 samples at 24 → 8 kHz). Sent as it comes, the first frame of every utterance was
// short and the utterance's last few milliseconds waited in the filter until the next one. Here
// every utterance starts with that delay as silence, so every frame is exactly 20 ms, and ends
// with the filter's tail completed by silence to one more whole frame: nothing is shortened,
// dropped or carried into the next utterance. The caller's audio is on the wire `delay()` after
// its slot, which the voice session adds when it places that audio in the recording.

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "scenario/audio/resampler.hpp"

namespace scenario {

class UplinkFramer {
 public:
  explicit UplinkFramer(int wire_rate);

  /// One 20 ms canonical frame in, exactly one 20 ms frame at the wire rate out (valid until the
  /// next call).
  std::span<const std::int16_t> frame(std::span<const std::int16_t> canonical);
  /// The utterance is over: the filter's tail completed with silence to a whole frame, or empty
  /// when no utterance is under way.
  std::span<const std::int16_t> finish();

  int wire_rate() const noexcept { return wire_rate_; }
  std::size_t frame_samples() const noexcept { return frame_samples_; }
  /// How much later than its slot a caller sample is on the wire.
  std::chrono::nanoseconds delay() const noexcept;

 private:
  int wire_rate_;
  std::size_t frame_samples_;
  std::size_t delay_samples_;
  audio::Resampler resampler_;
  std::vector<std::int16_t> pending_;
  std::vector<std::int16_t> out_;
  bool in_utterance_ = false;
};

}  // namespace scenario
