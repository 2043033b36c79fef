#include "biquad.hpp"

#include <cmath>
#include <numbers>

namespace scenario::audio::detail {

Biquad Biquad::butterworth_lowpass(double cutoff_hz, int sample_rate, double q) {
  const double w0 = 2.0 * std::numbers::pi * cutoff_hz / sample_rate;
  const double alpha = std::sin(w0) / (2.0 * q);
  const double c = std::cos(w0);
  const double a0 = 1.0 + alpha;
  Biquad f;
  f.b0_ = (1.0 - c) / 2.0 / a0;
  f.b1_ = (1.0 - c) / a0;
  f.b2_ = (1.0 - c) / 2.0 / a0;
  f.a1_ = -2.0 * c / a0;
  f.a2_ = (1.0 - alpha) / a0;
  return f;
}

Biquad Biquad::butterworth_highpass(double cutoff_hz, int sample_rate, double q) {
  const double w0 = 2.0 * std::numbers::pi * cutoff_hz / sample_rate;
  const double alpha = std::sin(w0) / (2.0 * q);
  const double c = std::cos(w0);
  const double a0 = 1.0 + alpha;
  Biquad f;
  f.b0_ = (1.0 + c) / 2.0 / a0;
  f.b1_ = -(1.0 + c) / a0;
  f.b2_ = (1.0 + c) / 2.0 / a0;
  f.a1_ = -2.0 * c / a0;
  f.a2_ = (1.0 - alpha) / a0;
  return f;
}

}  // namespace scenario::audio::detail
