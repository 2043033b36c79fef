#include "scenario/audio/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace scenario::audio {

double rms(std::span<const std::int16_t> samples) noexcept {
  if (samples.empty()) return 0.0;
  double sum = 0.0;
  for (const auto s : samples) sum += static_cast<double>(s) * s;
  return std::sqrt(sum / static_cast<double>(samples.size()));
}

double rms_dbfs(std::span<const std::int16_t> samples) noexcept {
  const double r = rms(samples);
  if (r <= 0.0) return -std::numeric_limits<double>::infinity();
  return 20.0 * std::log10(r / 32768.0);
}

double peak_dbfs(std::span<const std::int16_t> samples) noexcept {
  int peak = 0;
  for (const auto s : samples) peak = std::max(peak, std::abs(static_cast<int>(s)));
  if (peak == 0) return -std::numeric_limits<double>::infinity();
  return 20.0 * std::log10(peak / 32768.0);
}

double dbfs_to_amplitude(double dbfs) noexcept {
  return 32768.0 * std::pow(10.0, dbfs / 20.0);
}

double snr_db(std::span<const std::int16_t> reference,
              std::span<const std::int16_t> test) noexcept {
  const std::size_t n = std::min(reference.size(), test.size());
  double signal = 0.0;
  double noise = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = reference[i];
    const double d = r - test[i];
    signal += r * r;
    noise += d * d;
  }
  if (noise == 0.0) return std::numeric_limits<double>::infinity();
  if (signal == 0.0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

namespace {

// Index of the first window (start position) whose RMS exceeds the threshold, scanning forward.
std::optional<std::int64_t> first_loud_window(std::span<const std::int16_t> s,
                                              double threshold_sq_sum, std::size_t window) {
  if (s.size() < window) window = s.size();
  if (window == 0) return std::nullopt;
  double sum = 0.0;
  for (std::size_t i = 0; i < window; ++i) sum += static_cast<double>(s[i]) * s[i];
  for (std::size_t start = 0;; ++start) {
    if (sum > threshold_sq_sum) return static_cast<std::int64_t>(start);
    if (start + window >= s.size()) return std::nullopt;
    const double out = s[start];
    const double in = s[start + window];
    sum += in * in - out * out;
  }
}

}  // namespace

std::optional<std::int64_t> find_onset(std::span<const std::int16_t> samples,
                                       const OnsetOptions& options) {
  const auto window = static_cast<std::size_t>(std::max(1, options.window_samples));
  const double amp = dbfs_to_amplitude(options.threshold_dbfs);
  const auto start = first_loud_window(samples, amp * amp * static_cast<double>(window), window);
  if (!start) return std::nullopt;
  // Within that window, the first sample that itself reaches the threshold amplitude.
  const auto end = std::min(samples.size(), static_cast<std::size_t>(*start) + window);
  for (auto i = static_cast<std::size_t>(*start); i < end; ++i) {
    if (std::abs(static_cast<double>(samples[i])) >= amp) return static_cast<std::int64_t>(i);
  }
  return start;
}

std::optional<std::int64_t> find_offset(std::span<const std::int16_t> samples,
                                        const OnsetOptions& options) {
  std::vector<std::int16_t> reversed(samples.rbegin(), samples.rend());
  const auto onset = find_onset(reversed, options);
  if (!onset) return std::nullopt;
  return static_cast<std::int64_t>(samples.size()) - *onset;
}

std::int64_t best_lag(std::span<const std::int16_t> reference, std::span<const std::int16_t> test,
                      std::int64_t max_lag) {
  double best = -std::numeric_limits<double>::infinity();
  std::int64_t best_lag_value = 0;
  const auto n_ref = static_cast<std::int64_t>(reference.size());
  const auto n_test = static_cast<std::int64_t>(test.size());
  for (std::int64_t lag = -max_lag; lag <= max_lag; ++lag) {
    double sum = 0.0;
    const std::int64_t lo = std::max<std::int64_t>(0, -lag);
    const std::int64_t hi = std::min(n_ref, n_test - lag);
    for (std::int64_t i = lo; i < hi; ++i) {
      sum += static_cast<double>(reference[static_cast<std::size_t>(i)]) *
             test[static_cast<std::size_t>(i + lag)];
    }
    if (sum > best) {
      best = sum;
      best_lag_value = lag;
    }
  }
  return best_lag_value;
}

}  // namespace scenario::audio
