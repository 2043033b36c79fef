#pragma once
// What the phone-line adapters (Pipecat as Twilio, Twilio itself) have in common: μ-law 8 kHz
// both ways, DTMF, the far end detecting turns itself, interruption by barge-in, and a network
// peer that needs the run to follow the real clock.

#include <stdexcept>
#include <string>

#include "scenario/voice/adapter.hpp"

namespace scenario::adapters {

inline constexpr int kTelephoneRate = 8000;

inline AdapterCapabilities telephone_line_capabilities() {
  const audio::AudioFormat wire{audio::Encoding::mulaw, kTelephoneRate, 1};
  return {.streaming_transcripts = false,
          .native_vad = true,
          .dtmf = true,
          .native_interruption = false,
          .input_format = wire,
          .output_format = wire,
          .uplink = UplinkPacing::transport};
}

inline const RealClock& require_real_clock(const Clock* clock, const std::string& why) {
  const auto* real = dynamic_cast<const RealClock*>(clock);
  if (real == nullptr) throw std::logic_error(why + ": the run needs the real clock");
  return *real;
}

}  // namespace scenario::adapters
