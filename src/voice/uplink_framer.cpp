#include "scenario/voice/uplink_framer.hpp"

#include <algorithm>

#include "scenario/audio/chunk.hpp"

namespace scenario {
namespace {

constexpr std::size_t kCanonicalFrame = audio::kCanonicalSampleRate / 50;

// The resampler's delay in output samples: what one 20 ms frame of a fresh stream lacks.
std::size_t look_ahead(int wire_rate, std::size_t frame_samples) {
  if (wire_rate == audio::kCanonicalSampleRate) return 0;
  audio::Resampler probe(audio::kCanonicalSampleRate, wire_rate);
  const auto first = probe.process(std::vector<std::int16_t>(kCanonicalFrame, 0));
  return frame_samples - std::min(frame_samples, first.size());
}

}  // namespace

UplinkFramer::UplinkFramer(int wire_rate)
    : wire_rate_(wire_rate),
      frame_samples_(static_cast<std::size_t>(wire_rate / 50)),
      delay_samples_(look_ahead(wire_rate, frame_samples_)),
      resampler_(audio::kCanonicalSampleRate, wire_rate) {}

std::chrono::nanoseconds UplinkFramer::delay() const noexcept {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(delay_samples_) * 1'000'000'000LL /
                                  wire_rate_);
}

std::span<const std::int16_t> UplinkFramer::frame(std::span<const std::int16_t> canonical) {
  if (!in_utterance_) {
    pending_.assign(delay_samples_, 0);
    in_utterance_ = true;
  }
  if (wire_rate_ == audio::kCanonicalSampleRate) {
    pending_.insert(pending_.end(), canonical.begin(), canonical.end());
  } else {
    resampler_.process(canonical, pending_);
  }
  // Steady state gives exactly a frame per frame; silence only makes up a shortfall that the
  // resampler's rounding could leave (it does not at the rates we use: tested).
  out_.assign(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(
                                                       std::min(frame_samples_, pending_.size())));
  out_.resize(frame_samples_, 0);
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                          frame_samples_, pending_.size())));
  return out_;
}

std::span<const std::int16_t> UplinkFramer::finish() {
  if (!in_utterance_) return {};
  in_utterance_ = false;
  if (wire_rate_ != audio::kCanonicalSampleRate) resampler_.flush(pending_);
  if (pending_.empty()) return {};
  out_ = std::move(pending_);
  pending_.clear();
  const auto frames = (out_.size() + frame_samples_ - 1) / frame_samples_;
  out_.resize(frames * frame_samples_, 0);
  return out_;
}

}  // namespace scenario
