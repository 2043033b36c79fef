#include <cmath>
#include <numbers>
#include <optional>
#include <string>

#include "dtmf_tables.hpp"
#include "scenario/audio/dtmf.hpp"
#include "scenario/audio/errors.hpp"

namespace scenario::audio {
namespace {

constexpr int kWindowMs = 20;
constexpr int kHopMs = 5;
// Share of the block's energy the two tones must carry. Speech never concentrates this much energy
// in one low-group and one high-group sinusoid; a DTMF tone under 20 dB SNR noise or μ-law does.
constexpr double kMinPurity = 0.80;
// Fine frequency search: ±4 % around a nominal frequency in 0.5 % steps.
constexpr int kFineSteps = 8;
constexpr double kFineStep = 0.005;
// How many hops without the digit end a tone (bridges one block disturbed by noise).
constexpr int kGapHops = 1;
// Window-coverage model for positions: a Hann block reports a tone once the tone covers about
// this share of it, so the tone starts (1 − q)·W after the first detecting block starts and ends
// q·W after the last one starts.
constexpr double kCoverage = 0.65;

}  // namespace

struct DtmfDetector::Impl {
  int rate;
  DtmfDetectorOptions options;
  int window;
  int hop;
  std::vector<double> hann;
  double hann_sum = 0.0;
  double hann_sq_sum = 0.0;
  std::vector<std::int16_t> buffer;  // samples not yet fully consumed
  std::int64_t buffer_start = 0;     // absolute index of buffer[0]
  std::vector<double> block;         // windowed samples of the current block

  // Current run of blocks reporting the same digit.
  char run_digit = 0;
  std::int64_t run_first_block = 0;  // absolute start sample of first detecting block
  std::int64_t run_last_block = 0;
  int run_blocks = 0;
  int missing_hops = 0;

  double goertzel_power(double freq) const {
    const double w = 2.0 * std::numbers::pi * freq / rate;
    const double coeff = 2.0 * std::cos(w);
    double s1 = 0.0;
    double s2 = 0.0;
    for (const double x : block) {
      const double s0 = x + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    return s1 * s1 + s2 * s2 - coeff * s1 * s2;
  }

  // Energy the block would have if it held only a sinusoid with this Goertzel power.
  double tone_energy(double power) const {
    return 2.0 * power * hann_sq_sum / (hann_sum * hann_sum);
  }

  double rms_dbfs_of(double power) const {
    const double amplitude = 2.0 * std::sqrt(power) / hann_sum;
    return 20.0 * std::log10(amplitude / std::numbers::sqrt2 / 32768.0 + 1e-300);
  }

  // Frequency of the strongest component near `nominal`, by a fine Goertzel search and parabolic
  // interpolation on the log power.
  double estimate_frequency(double nominal) const {
    double best_db = -1e300;
    int best_k = 0;
    double db[2 * kFineSteps + 1];
    for (int k = -kFineSteps; k <= kFineSteps; ++k) {
      db[k + kFineSteps] =
          10.0 * std::log10(goertzel_power(nominal * (1.0 + k * kFineStep)) + 1e-12);
      if (db[k + kFineSteps] > best_db) {
        best_db = db[k + kFineSteps];
        best_k = k;
      }
    }
    double offset = 0.0;
    if (best_k > -kFineSteps && best_k < kFineSteps) {
      const double a = db[best_k + kFineSteps - 1];
      const double b = db[best_k + kFineSteps];
      const double c = db[best_k + kFineSteps + 1];
      const double denom = a - 2.0 * b + c;
      if (denom < 0.0) offset = 0.5 * (a - c) / denom;
    }
    return nominal * (1.0 + (best_k + offset) * kFineStep);
  }

  std::optional<char> classify_block() const {
    double energy = 0.0;
    for (const double x : block) energy += x * x;
    if (energy <= 0.0) return std::nullopt;
    double low_power[4];
    double high_power[4];
    int li = 0;
    int hi = 0;
    for (int i = 0; i < 4; ++i) {
      low_power[i] = goertzel_power(detail::kDtmfLow[i]);
      high_power[i] = goertzel_power(detail::kDtmfHigh[i]);
      if (low_power[i] > low_power[li]) li = i;
      if (high_power[i] > high_power[hi]) hi = i;
    }
    const double pl = low_power[li];
    const double ph = high_power[hi];
    if (rms_dbfs_of(pl) < options.min_level_dbfs || rms_dbfs_of(ph) < options.min_level_dbfs)
      return std::nullopt;
    const double twist = 10.0 * std::log10(ph / pl);
    if (twist > options.max_normal_twist_db || twist < -options.max_reverse_twist_db)
      return std::nullopt;
    if ((tone_energy(pl) + tone_energy(ph)) / energy < kMinPurity) return std::nullopt;
    const double fl = estimate_frequency(detail::kDtmfLow[li]);
    const double fh = estimate_frequency(detail::kDtmfHigh[hi]);
    if (std::abs(fl / detail::kDtmfLow[li] - 1.0) > options.max_frequency_deviation ||
        std::abs(fh / detail::kDtmfHigh[hi] - 1.0) > options.max_frequency_deviation) {
      return std::nullopt;
    }
    return detail::kDtmfKeys[li][hi];
  }

  void close_run(std::vector<DtmfDigit>& out) {
    if (run_blocks > 0) {
      const auto start = run_first_block + static_cast<std::int64_t>((1.0 - kCoverage) * window);
      const auto end = run_last_block + static_cast<std::int64_t>(kCoverage * window);
      const std::int64_t min_samples =
          static_cast<std::int64_t>(options.min_tone.count()) * rate / 1000;
      if (end - start >= min_samples) out.push_back({run_digit, start, end});
    }
    run_digit = 0;
    run_blocks = 0;
    missing_hops = 0;
  }

  void analyse(std::int64_t block_start, std::vector<DtmfDigit>& out) {
    const auto digit = classify_block();
    if (digit && *digit == run_digit) {
      run_last_block = block_start;
      ++run_blocks;
      missing_hops = 0;
      return;
    }
    if (run_blocks > 0 && !digit && ++missing_hops <= kGapHops) return;
    close_run(out);
    if (digit) {
      run_digit = *digit;
      run_first_block = block_start;
      run_last_block = block_start;
      run_blocks = 1;
    }
  }

  void consume(std::vector<DtmfDigit>& out) {
    std::size_t pos = 0;
    while (buffer.size() - pos >= static_cast<std::size_t>(window)) {
      for (int i = 0; i < window; ++i)
        block[static_cast<std::size_t>(i)] =
            hann[static_cast<std::size_t>(i)] * buffer[pos + static_cast<std::size_t>(i)];
      analyse(buffer_start + static_cast<std::int64_t>(pos), out);
      pos += static_cast<std::size_t>(hop);
    }
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(pos));
    buffer_start += static_cast<std::int64_t>(pos);
  }
};

DtmfDetector::DtmfDetector(int sample_rate, DtmfDetectorOptions options) {
  if (sample_rate < 4000 || sample_rate > 192000) {
    throw UnsupportedFormatError("DTMF detector: unsupported sample rate " +
                                 std::to_string(sample_rate) + " Hz");
  }
  impl_ = std::make_unique<Impl>();
  auto& d = *impl_;
  d.rate = sample_rate;
  d.options = options;
  d.window = sample_rate * kWindowMs / 1000;
  d.hop = sample_rate * kHopMs / 1000;
  d.hann.resize(static_cast<std::size_t>(d.window));
  for (int i = 0; i < d.window; ++i) {
    const double w = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * (i + 0.5) / d.window);
    d.hann[static_cast<std::size_t>(i)] = w;
    d.hann_sum += w;
    d.hann_sq_sum += w * w;
  }
  d.block.resize(static_cast<std::size_t>(d.window));
}

DtmfDetector::~DtmfDetector() = default;
DtmfDetector::DtmfDetector(DtmfDetector&&) noexcept = default;
DtmfDetector& DtmfDetector::operator=(DtmfDetector&&) noexcept = default;

std::vector<DtmfDigit> DtmfDetector::push(std::span<const std::int16_t> samples) {
  std::vector<DtmfDigit> out;
  impl_->buffer.insert(impl_->buffer.end(), samples.begin(), samples.end());
  impl_->consume(out);
  return out;
}

std::vector<DtmfDigit> DtmfDetector::finish() {
  std::vector<DtmfDigit> out;
  // Let the last partial block be analysed too, padded with silence.
  impl_->buffer.insert(impl_->buffer.end(), static_cast<std::size_t>(impl_->window), 0);
  impl_->consume(out);
  impl_->close_run(out);
  impl_->buffer.clear();
  return out;
}

int DtmfDetector::sample_rate() const noexcept {
  return impl_->rate;
}

std::vector<DtmfDigit> detect_dtmf(std::span<const std::int16_t> samples, int sample_rate,
                                   const DtmfDetectorOptions& options) {
  DtmfDetector detector(sample_rate, options);
  auto digits = detector.push(samples);
  const auto tail = detector.finish();
  digits.insert(digits.end(), tail.begin(), tail.end());
  return digits;
}

}  // namespace scenario::audio
