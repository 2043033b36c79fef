#include "scenario/audio/vad.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include <webrtc/modules/audio_processing/include/audio_processing.h>

#include "scenario/audio/analysis.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/resampler.hpp"

namespace scenario::audio {
namespace {

// The WebRTC detector runs on 8 or 16 kHz (its features are computed at 8 kHz either way; wider
// rates would add the APM's band splitting). Telephone audio is fed as it is — no resampling, which
// was a third of the detector's cost on 8 kHz calls — and anything else is resampled to 16 kHz.
constexpr int kDefaultDetectorRate = 16000;
constexpr int kMaxFrameSamples = kDefaultDetectorRate / 100;  // 10 ms frames
int detector_rate_for(int input_rate) {
  return input_rate == 8000 ? 8000 : kDefaultDetectorRate;
}
constexpr double kNoiseMarginDb = 9.0;
constexpr double kSilenceDb = -100.0;

webrtc::VoiceDetection::Likelihood likelihood_for(int aggressiveness) {
  switch (aggressiveness) {
    case 0:
      return webrtc::VoiceDetection::kHighLikelihood;
    case 1:
      return webrtc::VoiceDetection::kModerateLikelihood;
    case 2:
      return webrtc::VoiceDetection::kLowLikelihood;
    default:
      return webrtc::VoiceDetection::kVeryLowLikelihood;
  }
}

}  // namespace

struct VoiceActivityDetector::Impl {
  int rate;
  int detector_rate;
  int frame_samples;  // detector samples per 10 ms
  VadOptions options;
  std::unique_ptr<webrtc::AudioProcessing> apm;
  std::unique_ptr<Resampler> to_detector;      // null when the detector takes the input rate
  std::vector<std::int16_t> converted;         // one block at the detector's rate (reused)
  std::vector<std::int16_t> detector_pending;  // 16 kHz samples not yet making a full frame
  std::int64_t detector_frames_done = 0;       // 10 ms frames processed
  std::vector<std::int16_t> history;           // recent input samples for boundary refinement
  std::int64_t history_start = 0;
  std::int64_t input_total = 0;
  // Noise floor by minimum statistics: the quietest 10 ms frame of the last 1.5 s.
  static constexpr std::size_t kFloorFrames = 150;
  std::vector<double> recent_levels = std::vector<double>(kFloorFrames, 0.0);
  std::size_t levels_seen = 0;
  double noise_floor_db = kSilenceDb;

  bool in_speech = false;
  bool candidate = false;
  std::int64_t candidate_start = 0;   // input sample position of the first voiced frame
  std::int64_t candidate_voiced = 0;  // voiced frames in the candidate
  std::int64_t last_voiced_end = 0;   // input position, end of the last voiced frame
  std::int64_t last_voiced_start = 0;
  std::int64_t segment_start = 0;

  std::int64_t ms_to_samples(std::chrono::milliseconds ms) const {
    return static_cast<std::int64_t>(ms.count()) * rate / 1000;
  }
  std::int64_t detector_to_input(std::int64_t detector_sample) const {
    return (detector_sample * rate + detector_rate / 2) / detector_rate;
  }
  // Whether a frame can be speech at all.
  double threshold_db() const {
    return std::max(options.min_level_dbfs, noise_floor_db + kNoiseMarginDb);
  }
  // Where a boundary lies: lower, so weak fricatives at an utterance's edges are kept.
  double boundary_db() const {
    return std::max(options.boundary_level_dbfs, noise_floor_db + kNoiseMarginDb);
  }

  std::span<const std::int16_t> history_range(std::int64_t from, std::int64_t to) const {
    from =
        std::clamp(from, history_start, history_start + static_cast<std::int64_t>(history.size()));
    to = std::clamp(to, from, history_start + static_cast<std::int64_t>(history.size()));
    return std::span<const std::int16_t>(history).subspan(
        static_cast<std::size_t>(from - history_start), static_cast<std::size_t>(to - from));
  }

  OnsetOptions onset_options() const {
    OnsetOptions o;
    o.threshold_dbfs = boundary_db();
    o.window_samples = std::max(1, rate / 500);  // 2 ms
    return o;
  }

  std::int64_t refine_start(std::int64_t first_voiced_start, std::int64_t first_voiced_end) const {
    const std::int64_t from =
        std::max<std::int64_t>(0, first_voiced_start - ms_to_samples(options.preroll));
    const auto range =
        history_range(from, first_voiced_end + ms_to_samples(std::chrono::milliseconds(30)));
    const auto onset = find_onset(range, onset_options());
    const std::int64_t range_start = std::max(from, history_start);
    return onset ? range_start + *onset : first_voiced_start;
  }

  std::int64_t refine_end(std::int64_t last_start, std::int64_t last_end) const {
    // The detector's own smoothing keeps frames "voiced" for a while after the sound stops, so the
    // end of the sound is searched back from the last voiced frame.
    const std::int64_t from =
        std::max(segment_start, last_start - ms_to_samples(std::chrono::milliseconds(400)));
    const std::int64_t to = last_end + ms_to_samples(std::chrono::milliseconds(30));
    const auto range = history_range(from, to);
    const auto offset = find_offset(range, onset_options());
    const std::int64_t range_start = std::max(from, history_start);
    return offset ? std::max(range_start + *offset, segment_start + 1) : last_end;
  }

  void trim_history() {
    const std::int64_t keep = ms_to_samples(options.preroll + options.hangover) + rate * 2;
    if (static_cast<std::int64_t>(history.size()) > 2 * keep) {
      const std::int64_t drop = static_cast<std::int64_t>(history.size()) - keep;
      // Never drop what an open candidate or segment may still need.
      const std::int64_t needed_from =
          std::min({in_speech ? last_voiced_start - rate : input_total,
                    candidate ? candidate_start - rate : input_total, input_total - keep});
      const std::int64_t allowed = std::clamp<std::int64_t>(needed_from - history_start, 0, drop);
      history.erase(history.begin(), history.begin() + allowed);
      history_start += allowed;
    }
  }

  void process_frame(const std::int16_t* frame, std::vector<VadEvent>& events) {
    float in[kMaxFrameSamples];
    float out[kMaxFrameSamples];
    for (int i = 0; i < frame_samples; ++i) in[i] = static_cast<float>(frame[i]) / 32768.0f;
    const float* src[1] = {in};
    float* dst[1] = {out};
    const webrtc::StreamConfig config(detector_rate, 1, false);
    const int rc = apm->ProcessStream(src, config, config, dst);
    if (rc != webrtc::AudioProcessing::kNoError) {
      throw AudioError("WebRTC voice detector failed to process a frame (error " +
                       std::to_string(rc) + ")");
    }
    const auto n = static_cast<std::size_t>(frame_samples);
    double level = rms_dbfs(std::span<const std::int16_t>(frame, n));
    if (!std::isfinite(level)) level = kSilenceDb;
    recent_levels[levels_seen++ % kFloorFrames] = level;
    noise_floor_db = *std::min_element(
        recent_levels.begin(),
        recent_levels.begin() + static_cast<std::ptrdiff_t>(std::min(levels_seen, kFloorFrames)));
    const bool voiced = apm->voice_detection()->stream_has_voice() && level >= threshold_db();

    const std::int64_t frame_start = detector_to_input(detector_frames_done * frame_samples);
    const std::int64_t frame_end = detector_to_input((detector_frames_done + 1) * frame_samples);
    ++detector_frames_done;

    if (voiced) {
      if (!in_speech && !candidate) {
        candidate = true;
        candidate_start = frame_start;
        candidate_voiced = 0;
      }
      ++candidate_voiced;
      last_voiced_start = frame_start;
      last_voiced_end = frame_end;
      if (!in_speech && candidate_voiced * 10 >= options.min_speech.count()) {
        in_speech = true;
        candidate = false;
        segment_start = refine_start(
            candidate_start, candidate_start + ms_to_samples(std::chrono::milliseconds(10)));
        events.push_back({VadEvent::Kind::speech_start, segment_start});
      }
      return;
    }
    const std::int64_t quiet = frame_end - last_voiced_end;
    if (candidate && quiet >= ms_to_samples(std::chrono::milliseconds(100))) candidate = false;
    if (in_speech && quiet >= ms_to_samples(options.hangover)) {
      in_speech = false;
      events.push_back(
          {VadEvent::Kind::speech_end, refine_end(last_voiced_start, last_voiced_end)});
    }
  }

  void feed_detector(std::span<const std::int16_t> samples, std::vector<VadEvent>& events) {
    const auto n = static_cast<std::size_t>(frame_samples);
    std::size_t pos = 0;
    detector_pending.insert(detector_pending.end(), samples.begin(), samples.end());
    while (detector_pending.size() - pos >= n) {
      process_frame(detector_pending.data() + pos, events);
      pos += n;
    }
    detector_pending.erase(detector_pending.begin(),
                           detector_pending.begin() + static_cast<std::ptrdiff_t>(pos));
  }
};

VoiceActivityDetector::VoiceActivityDetector(int sample_rate, VadOptions options) {
  if (options.aggressiveness < 0 || options.aggressiveness > 3) {
    throw UnsupportedFormatError("VAD aggressiveness must be 0..3, got " +
                                 std::to_string(options.aggressiveness));
  }
  if (!Resampler::is_supported_rate(sample_rate)) {
    throw UnsupportedFormatError("VAD: unsupported sample rate " + std::to_string(sample_rate) +
                                 " Hz");
  }
  impl_ = std::make_unique<Impl>();
  impl_->rate = sample_rate;
  impl_->detector_rate = detector_rate_for(sample_rate);
  impl_->frame_samples = impl_->detector_rate / 100;
  impl_->options = options;
  impl_->apm.reset(webrtc::AudioProcessing::Create());
  if (!impl_->apm) throw AudioError("cannot create the WebRTC audio processing module");
  auto* vd = impl_->apm->voice_detection();
  vd->Enable(true);
  vd->set_likelihood(likelihood_for(options.aggressiveness));
  vd->set_frame_size_ms(10);
  if (sample_rate != impl_->detector_rate)
    impl_->to_detector = std::make_unique<Resampler>(sample_rate, impl_->detector_rate);
}

VoiceActivityDetector::~VoiceActivityDetector() = default;
VoiceActivityDetector::VoiceActivityDetector(VoiceActivityDetector&&) noexcept = default;
VoiceActivityDetector& VoiceActivityDetector::operator=(VoiceActivityDetector&&) noexcept = default;

std::vector<VadEvent> VoiceActivityDetector::push(std::span<const std::int16_t> samples) {
  std::vector<VadEvent> events;
  auto& d = *impl_;
  // A block at a time, so a whole recording pushed at once (detect_speech, measure_latency) keeps
  // the history and the converted copy small instead of copying the recording twice: with many
  // concurrent runs, those large short-lived buffers were most of the process's page faults.
  constexpr std::size_t kBlock = 4096;
  auto& converted = d.converted;
  for (std::size_t at = 0; at < samples.size(); at += kBlock) {
    const auto block = samples.subspan(at, std::min(kBlock, samples.size() - at));
    d.history.insert(d.history.end(), block.begin(), block.end());
    d.input_total += static_cast<std::int64_t>(block.size());
    if (d.to_detector) {
      converted.clear();
      d.to_detector->process(block, converted);
      d.feed_detector(converted, events);
    } else {
      d.feed_detector(block, events);
    }
    d.trim_history();
  }
  return events;
}

std::vector<VadEvent> VoiceActivityDetector::finish() {
  std::vector<VadEvent> events;
  auto& d = *impl_;
  if (d.to_detector) {
    const auto rest = d.to_detector->flush();
    d.feed_detector(rest, events);
  }
  if (!d.detector_pending.empty()) {
    std::vector<std::int16_t> padded(static_cast<std::size_t>(d.frame_samples), 0);
    std::copy(d.detector_pending.begin(), d.detector_pending.end(), padded.begin());
    d.detector_pending.clear();
    d.feed_detector(padded, events);
  }
  if (d.in_speech) {
    d.in_speech = false;
    events.push_back(
        {VadEvent::Kind::speech_end,
         std::min(d.input_total, d.refine_end(d.last_voiced_start, d.last_voiced_end))});
  }
  d.candidate = false;
  return events;
}

void VoiceActivityDetector::reset() {
  // A fresh state in full (nothing can be forgotten), taking over the expensive parts.
  auto& old = *impl_;
  auto fresh = std::make_unique<Impl>();
  fresh->rate = old.rate;
  fresh->detector_rate = old.detector_rate;
  fresh->frame_samples = old.frame_samples;
  fresh->options = old.options;
  fresh->apm = std::move(old.apm);
  fresh->to_detector = std::move(old.to_detector);
  fresh->converted = std::move(old.converted);
  fresh->detector_pending = std::move(old.detector_pending);
  fresh->detector_pending.clear();
  fresh->history = std::move(old.history);
  fresh->history.clear();
  if (fresh->to_detector) {
    std::vector<std::int16_t> rest;  // the old stream's tail; flush() readies the converter
    fresh->to_detector->flush(rest);
  }
  // Initialize() resets every enabled component, the voice detector's smoothing among them.
  const int rc = fresh->apm->Initialize();
  if (rc != webrtc::AudioProcessing::kNoError) {
    throw AudioError("WebRTC voice detector could not be reset (error " + std::to_string(rc) + ")");
  }
  impl_ = std::move(fresh);
}

bool VoiceActivityDetector::in_speech() const noexcept {
  return impl_->in_speech;
}
int VoiceActivityDetector::sample_rate() const noexcept {
  return impl_->rate;
}
const VadOptions& VoiceActivityDetector::options() const noexcept {
  return impl_->options;
}

SpeechSegmenter::SpeechSegmenter(int sample_rate, VadOptions options)
    : vad_(sample_rate, options) {}

void SpeechSegmenter::add(const std::vector<VadEvent>& events) {
  for (const auto& e : events) {
    if (e.kind == VadEvent::Kind::speech_start) {
      segments_.push_back({e.sample, e.sample});
    } else if (!segments_.empty()) {
      segments_.back().end_sample = e.sample;
    }
  }
}

void SpeechSegmenter::push(std::span<const std::int16_t> samples) {
  add(vad_.push(samples));
}

std::vector<SpeechSegment> SpeechSegmenter::finish() {
  add(vad_.finish());
  return segments_;
}

std::vector<SpeechSegment> detect_speech(std::span<const std::int16_t> samples, int sample_rate,
                                         const VadOptions& options) {
  SpeechSegmenter segmenter(sample_rate, options);
  segmenter.push(samples);
  return segmenter.finish();
}

}  // namespace scenario::audio
