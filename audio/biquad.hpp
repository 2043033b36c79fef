#pragma once
// Internal: second-order IIR sections (RBJ Audio EQ Cookbook), used by the telephone channel
// effect.

#include <cstdint>
#include <span>
#include <vector>

namespace scenario::audio::detail {

class Biquad {
 public:
  static Biquad butterworth_lowpass(double cutoff_hz, int sample_rate, double q);
  static Biquad butterworth_highpass(double cutoff_hz, int sample_rate, double q);

  double process(double x) noexcept {
    const double y = b0_ * x + b1_ * x1_ + b2_ * x2_ - a1_ * y1_ - a2_ * y2_;
    x2_ = x1_;
    x1_ = x;
    y2_ = y1_;
    y1_ = y;
    return y;
  }

 private:
  double b0_ = 1, b1_ = 0, b2_ = 0, a1_ = 0, a2_ = 0;
  double x1_ = 0, x2_ = 0, y1_ = 0, y2_ = 0;
};

/// Q values of the two sections of a 4th-order Butterworth filter.
inline constexpr double kButterworth4Q[2] = {0.54119610, 1.3065630};

}  // namespace scenario::audio::detail
