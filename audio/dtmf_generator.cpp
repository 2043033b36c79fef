#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "dtmf_tables.hpp"
#include "scenario/audio/analysis.hpp"
#include "scenario/audio/dtmf.hpp"
#include "scenario/audio/errors.hpp"

namespace scenario::audio {

bool is_dtmf_digit(char c) noexcept {
  for (const auto& row : detail::kDtmfKeys) {
    for (const char k : row) {
      if (k == c) return true;
    }
  }
  return false;
}

std::pair<double, double> dtmf_frequencies(char digit) {
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) {
      if (detail::kDtmfKeys[r][c] == digit) return {detail::kDtmfLow[r], detail::kDtmfHigh[c]};
    }
  }
  throw UnsupportedFormatError(std::string("'") + digit +
                               "' is not a DTMF key (expected 0-9, *, #, A-D)");
}

std::vector<std::int16_t> generate_dtmf(std::string_view digits, const DtmfToneOptions& options) {
  if (options.sample_rate < 4000) {
    throw UnsupportedFormatError("DTMF generator needs a sample rate of at least 4000 Hz");
  }
  if (options.tone.count() < 0 || options.gap.count() < 0) {
    throw UnsupportedFormatError("DTMF tone and gap durations must not be negative");
  }
  for (const char d : digits) (void)dtmf_frequencies(d);  // validate all before generating

  const auto tone_samples =
      static_cast<std::size_t>(options.tone.count() * options.sample_rate / 1000);
  const auto gap_samples =
      static_cast<std::size_t>(options.gap.count() * options.sample_rate / 1000);
  // level_dbfs is the RMS level of the low tone: peak = RMS · √2.
  const double low_amp = dbfs_to_amplitude(options.level_dbfs) * std::numbers::sqrt2;
  const double high_amp = low_amp * std::pow(10.0, options.twist_db / 20.0);
  // 1 ms raised-cosine ramps keep the tone edges from splattering energy across the band.
  const auto ramp = static_cast<std::size_t>(options.sample_rate / 1000);

  std::vector<std::int16_t> out;
  out.reserve(digits.size() * (tone_samples + gap_samples));
  for (const char d : digits) {
    const auto [fl, fh] = dtmf_frequencies(d);
    const double wl =
        2.0 * std::numbers::pi * fl * (1.0 + options.frequency_offset) / options.sample_rate;
    const double wh =
        2.0 * std::numbers::pi * fh * (1.0 + options.frequency_offset) / options.sample_rate;
    for (std::size_t n = 0; n < tone_samples; ++n) {
      double env = 1.0;
      const std::size_t from_end = tone_samples - 1 - n;
      const std::size_t edge = std::min(n, from_end);
      if (edge < ramp)
        env = 0.5 - 0.5 * std::cos(std::numbers::pi * (static_cast<double>(edge) + 0.5) /
                                   static_cast<double>(ramp));
      const double t = static_cast<double>(n);
      const double v = env * (low_amp * std::sin(wl * t) + high_amp * std::sin(wh * t));
      out.push_back(static_cast<std::int16_t>(std::clamp(std::lround(v), -32768L, 32767L)));
    }
    out.insert(out.end(), gap_samples, 0);
  }
  return out;
}

}  // namespace scenario::audio
