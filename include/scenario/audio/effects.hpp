#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace scenario::audio::effects {

/// Every random effect takes a seed: the same seed and input give the same output bytes.

enum class NoiseKind {
  white,
  pink,    ///< 1/f spectrum (Voss-McCartney, 16 rows)
  babble,  ///< several time-shifted, partly reversed copies of a speech source summed
  file,    ///< a user-supplied recording, looped
};

struct NoiseOptions {
  NoiseKind kind = NoiseKind::white;
  /// Signal RMS over noise RMS, dB. Signal RMS is taken over the samples louder than −60 dBFS in
  /// 20 ms blocks, so leading/trailing silence does not change the level of the noise.
  double snr_db = 20.0;
  std::uint64_t seed = 1;
  /// For babble (speech to build it from; the input itself when empty) and file (required),
  /// at the same rate as the input.
  std::vector<std::int16_t> source{};
};

std::vector<std::int16_t> add_noise(std::span<const std::int16_t> samples, int sample_rate,
                                    const NoiseOptions& options);

/// Telephone channel: 300–3400 Hz band-pass (4th-order Butterworth each side), then a G.711 μ-law
/// round trip at 8 kHz, back at the input rate.
std::vector<std::int16_t> telephone_channel(std::span<const std::int16_t> samples, int sample_rate);

/// Drops whole frames (zeroes them) with the given probability each.
std::vector<std::int16_t> packet_loss(std::span<const std::int16_t> samples, int sample_rate,
                                      double probability, std::uint64_t seed, int frame_ms = 20);

/// Hard clipping at the given level below full scale (dBFS, ≤ 0).
std::vector<std::int16_t> clip(std::span<const std::int16_t> samples, double threshold_dbfs);

/// Gain in dB, saturating at full scale.
std::vector<std::int16_t> gain(std::span<const std::int16_t> samples, double db);

/// One echo tap: y[n] = x[n] + decay · x[n − delay]. Output keeps the input length.
std::vector<std::int16_t> echo(std::span<const std::int16_t> samples, int sample_rate,
                               double delay_ms, double decay);

/// Plays faster (factor > 1) or slower, like a tape: pitch moves with speed. Length / factor.
std::vector<std::int16_t> speed(std::span<const std::int16_t> samples, int sample_rate,
                                double factor);

/// Crackle: random impulses of random sign, `clicks_per_second` on average, at `level_dbfs` peak.
std::vector<std::int16_t> add_static(std::span<const std::int16_t> samples, int sample_rate,
                                     double clicks_per_second, double level_dbfs,
                                     std::uint64_t seed);

}  // namespace scenario::audio::effects
