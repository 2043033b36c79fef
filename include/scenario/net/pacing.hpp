#pragma once
// How late paced sends left against their absolute deadlines: a fixed-bucket histogram (0.1 ms
// buckets up to 100 ms), so millions of frames cost no memory growth.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>

namespace scenario::net {

/// Paced streams start on this grid of the steady clock.
inline constexpr std::chrono::milliseconds kPacingGrid{1};

/// `t` rounded up to the pacing grid. Streams whose deadlines share the grid have their timers
/// expire together, so one wake-up of the event loop serves every call due in that millisecond
/// instead of one wake-up (and a timerfd re-arm) per call and frame.
inline std::chrono::steady_clock::time_point on_pacing_grid(
    std::chrono::steady_clock::time_point t) noexcept {
  const auto since = t.time_since_epoch();
  const auto slots = (since + kPacingGrid - std::chrono::nanoseconds(1)) / kPacingGrid;
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(slots * kPacingGrid));
}

class LatenessHistogram {
 public:
  void add(std::chrono::nanoseconds lateness) noexcept {
    const auto bucket = std::max<std::int64_t>(0, lateness.count() / 100'000);
    ++buckets_[static_cast<std::size_t>(std::min<std::int64_t>(bucket, kBuckets - 1))];
    ++count_;
  }
  void merge(const LatenessHistogram& other) noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
    count_ += other.count_;
  }
  std::uint64_t count() const noexcept { return count_; }
  /// Upper edge of the bucket holding the p-th percentile (ms); 0 when empty.
  double percentile_ms(double p) const noexcept {
    if (count_ == 0) return 0.0;
    const auto rank = static_cast<std::uint64_t>(p / 100.0 * static_cast<double>(count_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += buckets_[i];
      if (seen >= rank) return static_cast<double>(i + 1) * 0.1;
    }
    return static_cast<double>(kBuckets) * 0.1;
  }
  /// Sends later than `ms`.
  std::uint64_t later_than_ms(double ms) const noexcept {
    std::uint64_t n = 0;
    for (std::size_t i = static_cast<std::size_t>(ms * 10); i < kBuckets; ++i) n += buckets_[i];
    return n;
  }

 private:
  static constexpr std::int64_t kBuckets = 1000;
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
};

}  // namespace scenario::net
