// The one playout model (what the caller has heard), as the recorder, the phone-line adapters and
// the fake Twilio use it.
#include "scenario/voice/playout_cursor.hpp"

#include <gtest/gtest.h>

namespace scenario {
namespace {

TEST(PlayoutCursor, AudioArrivingFasterThanRealTimeQueuesBehindWhatIsPlaying) {
  PlayoutCursor c;
  EXPECT_EQ(c.play(100, 0), 0);
  EXPECT_EQ(c.play(100, 10), 100);  // arrived at 10, the first chunk plays until 100
  EXPECT_EQ(c.end(), 200);
  EXPECT_EQ(c.heard(50), 50);
  EXPECT_EQ(c.heard(500), 200);
  EXPECT_EQ(c.pending(50), 150);
  EXPECT_EQ(c.pending(500), 0);
}

TEST(PlayoutCursor, AudioAfterAGapStartsWhenItArrives) {
  PlayoutCursor c;
  c.play(100, 0);
  EXPECT_EQ(c.play(50, 300), 300);
  EXPECT_EQ(c.end(), 350);
}

TEST(PlayoutCursor, AMarkIsDueOnceEverythingQueuedBeforeItHasBeenHeard) {
  PlayoutCursor c;
  c.play(100, 0);
  EXPECT_EQ(c.mark("a", 20), 100);
  c.play(100, 30);
  EXPECT_EQ(c.mark("b", 40), 200);
  EXPECT_EQ(c.next_mark_due(), 100);
  EXPECT_EQ(c.pending_marks(), 2u);
  EXPECT_TRUE(c.take_due_marks(99).empty());
  EXPECT_EQ(c.take_due_marks(150), std::vector<std::string>{"a"});
  EXPECT_EQ(c.next_mark_due(), 200);
  EXPECT_EQ(c.pending_marks(), 1u);
  EXPECT_EQ(c.take_due_marks(200), std::vector<std::string>{"b"});
  EXPECT_FALSE(c.next_mark_due().has_value());
  EXPECT_EQ(c.pending_marks(), 0u);
}

TEST(PlayoutCursor, AMarkWithNothingQueuedIsDueAtOnce) {
  PlayoutCursor c;
  c.play(100, 0);
  EXPECT_EQ(c.mark("idle", 250), 250);
  EXPECT_EQ(c.take_due_marks(250), std::vector<std::string>{"idle"});
}

TEST(PlayoutCursor, ClearDropsWhatWasNotHeardAndReturnsEveryPendingMark) {
  PlayoutCursor c;
  c.play(100, 0);
  c.mark("m1", 0);
  c.play(100, 0);
  c.mark("m2", 0);
  const auto cleared = c.clear(60);
  EXPECT_EQ(cleared.dropped, 140);
  EXPECT_EQ(cleared.marks, (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(c.end(), 60);
  EXPECT_FALSE(c.next_mark_due().has_value());
  // The next audio starts when it arrives, not where the dropped audio would have ended.
  EXPECT_EQ(c.play(10, 70), 70);
}

TEST(PlayoutCursor, ClearAfterEverythingWasHeardDropsNothing) {
  PlayoutCursor c;
  c.play(100, 0);
  EXPECT_EQ(c.clear(150).dropped, 0);
  EXPECT_EQ(c.end(), 100);
}

TEST(PlayoutCursor, ANegativeLengthIsRefused) {
  PlayoutCursor c;
  EXPECT_THROW(c.play(-1, 0), std::invalid_argument);
}

}  // namespace
}  // namespace scenario
