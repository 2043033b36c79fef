// The uplink pacer on a strand the test drives slot by slot: one frame per slot, caller audio
// first and silence (or nothing) otherwise, every frame one slot long, and each caller frame
// reported with the time it was handed to the wire and how late that was.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "scenario/voice/uplink_pacer.hpp"
#include "support/manual_strand.hpp"

namespace scenario {
namespace {

using namespace std::chrono_literals;

struct Sent {
  std::vector<std::int16_t> pcm;
  std::chrono::nanoseconds at;
  std::chrono::nanoseconds handed_over;  // when the send returned
};

struct Harness {
  explicit Harness(IdleUplink idle, int rate = 8000) : pacer(rate, idle) {
    t0 = pacer.start(
        strand, clock,
        [this](std::span<const std::int16_t> pcm, std::chrono::nanoseconds at) {
          if (slow_send.count() > 0) std::this_thread::sleep_for(slow_send);
          sent.push_back({{pcm.begin(), pcm.end()}, at, clock->now()});
        },
        [this](TransportEvent e) {
          reports.push_back(std::move(e));
          reported.push_back(clock->now());
        });
  }
  // Lateness is measured once the frame is handed over: between the send returning and the report.
  void expect_late(std::size_t report, std::size_t slot, std::size_t frame_sent) const {
    const auto deadline = t0 + static_cast<std::int64_t>(slot) * 20ms;
    const auto late = reports[report].get_if<transport::UplinkSent>()->late;
    EXPECT_GE(late, sent[frame_sent].handed_over - deadline) << "report " << report;
    EXPECT_LE(late, reported[report] - deadline) << "report " << report;
  }
  std::chrono::milliseconds slow_send{0};

  std::shared_ptr<test::ManualStrand> strand = std::make_shared<test::ManualStrand>();
  std::shared_ptr<RealClock> clock = std::make_shared<RealClock>();
  UplinkPacer pacer;
  std::chrono::nanoseconds t0{0};
  std::vector<Sent> sent;
  std::vector<TransportEvent> reports;
  std::vector<std::chrono::nanoseconds> reported;
};

std::vector<std::int16_t> tone_frame(std::int16_t level) {
  return std::vector<std::int16_t>(480, level);  // 20 ms at 24 kHz
}

TEST(UplinkPacer, SendsCallerAudioElseSilenceOneWholeSlotEach) {
  Harness h(IdleUplink::silence);
  EXPECT_EQ(h.clock->steady_time(h.t0), h.strand->first()) << "slots start at t0";
  ASSERT_TRUE(h.strand->slot());
  ASSERT_TRUE(h.strand->slot());
  for (int i = 0; i < 3; ++i) h.pacer.push(tone_frame(8000));
  h.pacer.finish();
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(h.strand->slot());

  ASSERT_EQ(h.sent.size(), 8u) << "one frame per slot, no more, no less";
  for (const auto& s : h.sent) EXPECT_EQ(s.pcm.size(), 160u) << "every frame is 20 ms at 8 kHz";
  auto loud = [](const Sent& s) {
    return std::any_of(s.pcm.begin(), s.pcm.end(), [](std::int16_t v) { return v > 4000; });
  };
  EXPECT_FALSE(loud(h.sent[0]));
  EXPECT_FALSE(loud(h.sent[1]));
  for (int i = 2; i < 5; ++i) EXPECT_TRUE(loud(h.sent[i])) << "caller frame " << i;
  // Frames 5 (the converter's tail) and 6, 7 (silence): nothing loud is left over.
  EXPECT_FALSE(loud(h.sent[6]));
  EXPECT_FALSE(loud(h.sent[7]));

  // Four departures reported (three frames and the tail), each stamped as handed to the wire.
  ASSERT_EQ(h.reports.size(), 4u);
  for (std::size_t i = 0; i < h.reports.size(); ++i) {
    const auto* u = h.reports[i].get_if<transport::UplinkSent>();
    ASSERT_NE(u, nullptr);
    EXPECT_EQ(h.reports[i].at, h.sent[i + 2].at);
    EXPECT_EQ(u->tail, i == 3);
    if (i < 3) {
      EXPECT_EQ(u->frame, i);
    }
    // Slot k's deadline is t0 + k·20 ms: the reported lateness is measured from there.
    h.expect_late(i, i + 2, i + 2);
  }
  const auto stats = h.pacer.stats();
  EXPECT_EQ(stats.frames_sent, 8u);
  EXPECT_EQ(stats.caller_frames, 4u);
  EXPECT_EQ(stats.silence_frames, 4u);
  EXPECT_EQ(stats.pacing.count(), 8u);
}

TEST(UplinkPacer, AnIdleLineThatWantsNothingGetsNothing) {
  Harness h(IdleUplink::nothing);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(h.strand->slot());
  EXPECT_TRUE(h.sent.empty());
  h.pacer.push(tone_frame(8000));
  ASSERT_TRUE(h.strand->slot());
  ASSERT_TRUE(h.strand->slot());
  ASSERT_EQ(h.sent.size(), 1u);
  ASSERT_EQ(h.reports.size(), 1u);
  // The frame went in the sixth slot (deadline t0 + 100 ms): idle slots still count.
  h.expect_late(0, 5, 0);
  EXPECT_EQ(h.pacer.stats().silence_frames, 0u);
}

// A slot that woke on time but took long to hand its frame over (a preempted strand, a slow
// socket) delayed the wire as much as a late wake-up: the lateness says so.
TEST(UplinkPacer, ASlowHandOverCountsAsLate) {
  Harness h(IdleUplink::nothing);
  h.slow_send = 15ms;
  h.pacer.push(tone_frame(8000));
  ASSERT_TRUE(h.strand->slot());
  ASSERT_EQ(h.reports.size(), 1u);
  ASSERT_EQ(h.sent.size(), 1u);
  // The slot ran when the test called it (its deadline is t0); the send then took 15 ms more.
  EXPECT_GE(h.reports[0].get_if<transport::UplinkSent>()->late, h.sent[0].at - h.t0 + 15ms);
  EXPECT_GE(h.pacer.stats().pacing.count(), 1u);
}

TEST(UplinkPacer, StoppingDropsQueuedAudioAndEndsTheSlots) {
  Harness h(IdleUplink::silence);
  for (int i = 0; i < 3; ++i) h.pacer.push(tone_frame(8000));
  ASSERT_TRUE(h.strand->slot());
  h.pacer.stop();
  EXPECT_FALSE(h.strand->slot()) << "the timer ends";
  EXPECT_EQ(h.sent.size(), 1u);
  EXPECT_EQ(h.reports.size(), 1u) << "frames never sent are never reported as sent";
  h.pacer.push(tone_frame(8000));  // after stop: dropped, not queued for a later start
  EXPECT_FALSE(h.strand->slot());
}

TEST(UplinkPacer, WhatMustFollowTheAudioLeavesRightBehindItsLastFrame) {
  Harness h(IdleUplink::silence);
  std::vector<std::string> order;
  h.pacer.then([&] { order.push_back("commit " + std::to_string(h.sent.size())); });
  ASSERT_TRUE(h.strand->slot());  // nothing queued before it: it runs at this slot, then silence
  h.pacer.push(tone_frame(8000));
  h.pacer.push(tone_frame(8000));
  h.pacer.then([&] { order.push_back("commit " + std::to_string(h.sent.size())); });
  ASSERT_TRUE(h.strand->slot());
  EXPECT_EQ(order.size(), 1u) << "one frame is still queued ahead of it";
  ASSERT_TRUE(h.strand->slot());
  // In the slot of the second frame, right after it: no third slot's wait.
  EXPECT_EQ(order, (std::vector<std::string>{"commit 0", "commit 3"}));
  h.pacer.stop();
  h.pacer.then([&] { order.push_back("late"); });
  EXPECT_FALSE(h.strand->slot());
  EXPECT_EQ(order.size(), 2u) << "nothing runs once stopped";
}

TEST(UplinkPacer, StartsOnceAndOnlyOnTheRealClock) {
  Harness h(IdleUplink::silence);
  EXPECT_THROW(h.pacer.start(h.strand, h.clock, {}, {}), std::logic_error);
  UplinkPacer virtual_time(8000, IdleUplink::silence);
  EXPECT_THROW(virtual_time.start(h.strand, std::make_shared<VirtualClock>(), {}, {}),
               std::logic_error);
}

}  // namespace
}  // namespace scenario
