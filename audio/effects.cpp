#include "scenario/audio/effects.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>
#include <string>

#include "biquad.hpp"
#include "scenario/audio/analysis.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/audio/resampler.hpp"

namespace scenario::audio::effects {
namespace {

// Random numbers built only on mt19937_64, whose output the C++ standard fixes, so a seed gives
// the same bytes with any standard library (std::*_distribution are implementation-defined).
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double gaussian() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * std::numbers::pi * u2);
  }
  std::uint64_t next() { return engine_(); }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

std::int16_t saturate(double x) {
  return static_cast<std::int16_t>(std::clamp(std::lround(x), -32768L, 32767L));
}

// RMS over the 20 ms blocks louder than −60 dBFS (the active part of the signal).
double active_rms(std::span<const std::int16_t> s, int rate) {
  const auto block = static_cast<std::size_t>(std::max(1, rate / 50));
  double sum = 0.0;
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < s.size(); pos += block) {
    const auto part = s.subspan(pos, std::min(block, s.size() - pos));
    if (rms_dbfs(part) > -60.0) {
      for (const auto x : part) sum += static_cast<double>(x) * x;
      count += part.size();
    }
  }
  return count ? std::sqrt(sum / static_cast<double>(count)) : 0.0;
}

std::vector<double> white(std::size_t n, Random& rng) {
  std::vector<double> v(n);
  for (auto& x : v) x = rng.gaussian();
  return v;
}

std::vector<double> pink(std::size_t n, Random& rng) {
  // Voss-McCartney: row k is refreshed every 2^k samples; their sum has a ~1/f spectrum.
  constexpr int kRows = 16;
  std::array<double, kRows> rows{};
  for (auto& r : rows) r = rng.uniform() * 2.0 - 1.0;
  double sum = 0.0;
  for (const double r : rows) sum += r;
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto counter = static_cast<std::uint64_t>(i + 1);
    const int row = std::min(kRows - 1, std::countr_zero(counter));
    sum -= rows[static_cast<std::size_t>(row)];
    rows[static_cast<std::size_t>(row)] = rng.uniform() * 2.0 - 1.0;
    sum += rows[static_cast<std::size_t>(row)];
    v[i] = sum + (rng.uniform() * 2.0 - 1.0);
  }
  return v;
}

std::vector<double> babble(std::size_t n, std::span<const std::int16_t> source, Random& rng) {
  if (source.empty()) throw UnsupportedFormatError("babble noise needs speech to build it from");
  constexpr int kTalkers = 6;
  std::vector<double> v(n, 0.0);
  for (int t = 0; t < kTalkers; ++t) {
    const std::size_t offset = static_cast<std::size_t>(rng.next() % source.size());
    const bool reversed =
        (t % 2) == 1;  // reversed speech keeps its spectrum, loses intelligibility
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t k = (offset + i) % source.size();
      if (reversed) k = source.size() - 1 - k;
      v[i] += source[k];
    }
  }
  return v;
}

std::vector<double> looped(std::size_t n, std::span<const std::int16_t> source) {
  if (source.empty()) throw UnsupportedFormatError("file noise needs a non-empty noise recording");
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = source[i % source.size()];
  return v;
}

void check_rate(int rate) {
  if (rate < 4000 || rate > 384000)
    throw UnsupportedFormatError("effects: unsupported sample rate " + std::to_string(rate));
}

}  // namespace

std::vector<std::int16_t> add_noise(std::span<const std::int16_t> samples, int sample_rate,
                                    const NoiseOptions& options) {
  check_rate(sample_rate);
  Random rng(options.seed);
  std::vector<double> noise;
  switch (options.kind) {
    case NoiseKind::white:
      noise = white(samples.size(), rng);
      break;
    case NoiseKind::pink:
      noise = pink(samples.size(), rng);
      break;
    case NoiseKind::babble:
      noise = babble(
          samples.size(),
          options.source.empty() ? samples : std::span<const std::int16_t>(options.source), rng);
      break;
    case NoiseKind::file:
      noise = looped(samples.size(), options.source);
      break;
  }
  double noise_sq = 0.0;
  for (const double x : noise) noise_sq += x * x;
  const double noise_rms =
      noise.empty() ? 0.0 : std::sqrt(noise_sq / static_cast<double>(noise.size()));
  const double signal_rms = active_rms(samples, sample_rate);
  std::vector<std::int16_t> out(samples.begin(), samples.end());
  if (noise_rms <= 0.0 || signal_rms <= 0.0) return out;
  const double scale = signal_rms / std::pow(10.0, options.snr_db / 20.0) / noise_rms;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = saturate(samples[i] + scale * noise[i]);
  return out;
}

std::vector<std::int16_t> telephone_channel(std::span<const std::int16_t> samples,
                                            int sample_rate) {
  check_rate(sample_rate);
  auto narrow = resample(samples, sample_rate, 8000);
  using detail::Biquad;
  Biquad filters[4] = {Biquad::butterworth_highpass(300.0, 8000, detail::kButterworth4Q[0]),
                       Biquad::butterworth_highpass(300.0, 8000, detail::kButterworth4Q[1]),
                       Biquad::butterworth_lowpass(3400.0, 8000, detail::kButterworth4Q[0]),
                       Biquad::butterworth_lowpass(3400.0, 8000, detail::kButterworth4Q[1])};
  for (auto& x : narrow) {
    double y = x;
    for (auto& f : filters) y = f.process(y);
    x = mulaw_decode(mulaw_encode(saturate(y)));
  }
  auto out = resample(narrow, 8000, sample_rate);
  out.resize(samples.size(), 0);
  return out;
}

std::vector<std::int16_t> packet_loss(std::span<const std::int16_t> samples, int sample_rate,
                                      double probability, std::uint64_t seed, int frame_ms) {
  check_rate(sample_rate);
  if (probability < 0.0 || probability > 1.0) {
    throw UnsupportedFormatError("packet loss probability must be within 0..1, got " +
                                 std::to_string(probability));
  }
  if (frame_ms <= 0) throw UnsupportedFormatError("packet loss frame duration must be positive");
  Random rng(seed);
  std::vector<std::int16_t> out(samples.begin(), samples.end());
  const auto frame = static_cast<std::size_t>(std::max(1, sample_rate * frame_ms / 1000));
  for (std::size_t pos = 0; pos < out.size(); pos += frame) {
    if (rng.uniform() < probability) {
      std::fill(out.begin() + static_cast<std::ptrdiff_t>(pos),
                out.begin() + static_cast<std::ptrdiff_t>(std::min(out.size(), pos + frame)), 0);
    }
  }
  return out;
}

std::vector<std::int16_t> clip(std::span<const std::int16_t> samples, double threshold_dbfs) {
  if (threshold_dbfs > 0.0) throw UnsupportedFormatError("clip threshold must be at most 0 dBFS");
  const double limit = std::min(32767.0, dbfs_to_amplitude(threshold_dbfs));
  std::vector<std::int16_t> out(samples.size());
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = saturate(std::clamp<double>(samples[i], -limit, limit));
  return out;
}

std::vector<std::int16_t> gain(std::span<const std::int16_t> samples, double db) {
  const double factor = std::pow(10.0, db / 20.0);
  std::vector<std::int16_t> out(samples.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = saturate(samples[i] * factor);
  return out;
}

std::vector<std::int16_t> echo(std::span<const std::int16_t> samples, int sample_rate,
                               double delay_ms, double decay) {
  check_rate(sample_rate);
  if (delay_ms <= 0.0 || decay < 0.0 || decay >= 1.0) {
    throw UnsupportedFormatError("echo needs a positive delay and a decay within [0, 1)");
  }
  const auto delay = static_cast<std::size_t>(std::lround(delay_ms * sample_rate / 1000.0));
  std::vector<std::int16_t> out(samples.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double delayed = i >= delay ? samples[i - delay] : 0.0;
    out[i] = saturate(samples[i] + decay * delayed);
  }
  return out;
}

std::vector<std::int16_t> speed(std::span<const std::int16_t> samples, int sample_rate,
                                double factor) {
  check_rate(sample_rate);
  if (factor < 0.5 || factor > 2.0)
    throw UnsupportedFormatError("speed factor must be within 0.5..2.0");
  // Treat the signal as if recorded at rate·factor and convert it back to rate: a tape played
  // faster. Rates are kept integral; the factor is applied to within 1 Hz.
  const int virtual_rate = static_cast<int>(std::lround(sample_rate * factor));
  if (virtual_rate == sample_rate) return {samples.begin(), samples.end()};
  return resample(samples, sample_rate, static_cast<int>(std::lround(sample_rate / factor)));
}

std::vector<std::int16_t> add_static(std::span<const std::int16_t> samples, int sample_rate,
                                     double clicks_per_second, double level_dbfs,
                                     std::uint64_t seed) {
  check_rate(sample_rate);
  if (clicks_per_second < 0.0) throw UnsupportedFormatError("static density must not be negative");
  Random rng(seed);
  const double p = clicks_per_second / sample_rate;
  const double peak = dbfs_to_amplitude(level_dbfs);
  std::vector<std::int16_t> out(samples.begin(), samples.end());
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (rng.uniform() < p) {
      const double sign = rng.uniform() < 0.5 ? -1.0 : 1.0;
      const double amplitude = peak * (0.3 + 0.7 * rng.uniform());
      // A click is a short decaying burst (about 1 ms), not a single sample.
      const auto len = static_cast<std::size_t>(std::max(1, sample_rate / 1000));
      for (std::size_t k = 0; k < len && i + k < out.size(); ++k) {
        out[i + k] = saturate(
            out[i + k] +
            sign * amplitude * std::exp(-5.0 * static_cast<double>(k) / static_cast<double>(len)));
      }
    }
  }
  return out;
}

}  // namespace scenario::audio::effects
