#include "scenario/net/pacing.hpp"

#include <gtest/gtest.h>

namespace scenario::net {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

TEST(Pacing, StartsAreRoundedUpToTheMillisecondGrid) {
  const Steady::time_point on_grid(std::chrono::duration_cast<Steady::duration>(123'456ms));
  EXPECT_EQ(on_pacing_grid(on_grid), on_grid) << "a time on the grid stays";
  EXPECT_EQ(on_pacing_grid(on_grid + 1ns), on_grid + 1ms);
  EXPECT_EQ(on_pacing_grid(on_grid + 999'999ns), on_grid + 1ms);
  const auto now = Steady::now();
  const auto start = on_pacing_grid(now);
  EXPECT_GE(start, now);
  EXPECT_LT(start - now, 1ms);
  EXPECT_EQ(start.time_since_epoch() % kPacingGrid, Steady::duration::zero());
  // Two streams started at different moments share deadlines from then on.
  const auto other = on_pacing_grid(now + 7'300us);
  EXPECT_EQ((other - start) % kPacingGrid, Steady::duration::zero());
}

TEST(Pacing, LatenessHistogramPercentilesCountsAndMerge) {
  LatenessHistogram h;
  EXPECT_EQ(h.percentile_ms(99), 0.0);
  for (int i = 0; i < 98; ++i) h.add(50us);  // bucket 0 (0.0–0.1 ms)
  h.add(-3ms);                               // early counts as on time
  h.add(7'250us);                            // bucket 72 (7.2–7.3 ms)
  EXPECT_EQ(h.count(), 100u);
  EXPECT_DOUBLE_EQ(h.percentile_ms(50), 0.1);
  EXPECT_DOUBLE_EQ(h.percentile_ms(99), 0.1);
  EXPECT_DOUBLE_EQ(h.percentile_ms(100), 7.3);
  EXPECT_EQ(h.later_than_ms(5), 1u);
  EXPECT_EQ(h.later_than_ms(8), 0u);
  LatenessHistogram late;
  for (int i = 0; i < 100; ++i) late.add(2s);  // beyond the last bucket: kept there
  h.merge(late);
  EXPECT_EQ(h.count(), 200u);
  EXPECT_DOUBLE_EQ(h.percentile_ms(99), 100.0);
  EXPECT_EQ(h.later_than_ms(20), 100u);
}

}  // namespace
}  // namespace scenario::net
