#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace scenario::audio {

/// Root mean square of the samples (0 for none).
double rms(std::span<const std::int16_t> samples) noexcept;
/// RMS level relative to full scale: 20·log10(rms / 32768). −inf for digital silence.
/// (A full-scale sine measures −3.01 dBFS.)
double rms_dbfs(std::span<const std::int16_t> samples) noexcept;
/// Peak level: 20·log10(max |x| / 32768).
double peak_dbfs(std::span<const std::int16_t> samples) noexcept;
/// Converts a dBFS level to a linear amplitude on the int16 scale.
double dbfs_to_amplitude(double dbfs) noexcept;

/// 10·log10(Σ ref² / Σ (ref − test)²) over the common length; +inf when identical.
double snr_db(std::span<const std::int16_t> reference, std::span<const std::int16_t> test) noexcept;

struct OnsetOptions {
  /// Level the sound must exceed, dBFS (RMS over `window_samples`).
  double threshold_dbfs = -45.0;
  /// Short-term RMS window; the reported position is the first *sample* of the first window above
  /// the threshold whose own |x| reaches the threshold amplitude (sample-accurate).
  int window_samples = 48;
};

/// First sample where sound starts, or nullopt when the buffer never exceeds the threshold.
std::optional<std::int64_t> find_onset(std::span<const std::int16_t> samples,
                                       const OnsetOptions& options = {});
/// One past the last sample of sound, or nullopt.
std::optional<std::int64_t> find_offset(std::span<const std::int16_t> samples,
                                        const OnsetOptions& options = {});

/// The lag (test relative to reference, in samples, within ±max_lag) maximising their
/// cross-correlation: test[n + lag] ≈ reference[n].
std::int64_t best_lag(std::span<const std::int16_t> reference, std::span<const std::int16_t> test,
                      std::int64_t max_lag);

}  // namespace scenario::audio
